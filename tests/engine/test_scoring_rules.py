"""The scoring rules as plain functions, edge cases included."""

from __future__ import annotations

import pytest

from perfloop.engine import (
    WeightError,
    annual_result,
    band,
    check_weights,
    completion,
    consecutive_periods,
    final_score,
    incentive,
    item_score,
    met_in_consecutive_periods,
    rating_band,
    review_score,
    weighted_total,
)


@pytest.mark.parametrize(
    ("actual", "target", "direction", "expected"),
    [
        (120, 100, "higher", 1.2),
        (80, 100, "higher", 0.8),
        (1, 2, "lower", 1.5),  # complaint rate: half the target is 150%
        (4, 2, "lower", 0.0),
        (5, 2, "lower", -0.5),  # below zero: the item score's floor handles it
        (95, 100, "closest", 0.95),
        (105, 100, "closest", 0.95),
        (-50, -100, "higher", 1.5),  # a loss target: a smaller loss is better
        (-150, -100, "lower", 1.5),
        (3, 0, "higher", 1.0),  # zero target: met or not
        (-3, 0, "higher", 0.0),
        (-1, 0, "lower", 1.0),
        (1, 0, "lower", 0.0),
        (0, 0, "closest", 1.0),
        (1, 0, "closest", 0.0),
    ],
)
def test_completion_by_direction(
    actual: float, target: float, direction: str, expected: float
) -> None:
    assert completion(actual, target, direction) == pytest.approx(expected)


def test_completion_with_missing_data_is_none() -> None:
    assert completion(None, 100) is None
    assert completion(100, None) is None


def test_completion_rejects_an_unknown_direction() -> None:
    with pytest.raises(ValueError, match="direction"):
        completion(1, 2, "sideways")


def test_item_score_floor_cap_threshold() -> None:
    assert item_score(1.3, cap=120) == 120  # over-achievement up to the cap
    assert item_score(1.1, cap=120) == pytest.approx(110)
    assert item_score(-0.5) == 0  # the floor
    assert item_score(0.59, threshold=0.6) == 0  # below the threshold
    assert item_score(0.6, threshold=0.6) == pytest.approx(60)
    assert item_score(None) is None
    assert item_score(0.5, floor=None) == 50


def test_weights_must_sum_and_stay_in_bounds_naming_items() -> None:
    items = [
        {"key": "revenue", "weight": 50},
        {"key": "nps", "weight": 30},
        {"key": "cost", "weight": 10},
    ]
    problems = check_weights(items, minimum=15, maximum=40)
    codes = {p.code: p for p in problems}
    assert codes["sum"].message == "weights must sum to 100, but revenue 50 + nps 30 + cost 10 = 90"
    assert codes["maximum"].items == ("revenue",)
    assert codes["minimum"].items == ("cost",)
    assert "below the minimum 15" in codes["minimum"].message


def test_missing_weight_is_named() -> None:
    problems = check_weights([{"key": "a", "weight": 100}, {"key": "b"}])
    assert [(p.code, p.items) for p in problems] == [("missing", ("b",))]


def test_weighted_total() -> None:
    items = [{"key": "a", "weight": 60, "score": 80}, {"key": "b", "weight": 40, "score": 100}]
    assert weighted_total(items) == pytest.approx(88)
    assert weighted_total([*items[:1], {"key": "b", "weight": 40, "score": None}]) is None
    with pytest.raises(WeightError, match="a 60 = 60") as info:
        weighted_total(items[:1])
    assert info.value.problems[0].items == ("a",)


def test_review_renormalises_relations_without_raters() -> None:
    weights = {"self": 10, "peer": 20, "manager": 50, "subordinate": 10, "customer": 10}
    ratings = [
        {"relation": "manager", "score": 90},
        {"relation": "peer", "score": 80},
        {"relation": "peer", "score": 70},
        {"relation": "self", "score": None},  # not submitted
    ]
    result = review_score(ratings, weights)
    # peer average 75 (weight 20), manager 90 (weight 50): (20*75 + 50*90) / 70
    assert result.score == pytest.approx((20 * 75 + 50 * 90) / 70)
    assert result.by_relation == {"peer": 75, "manager": 90}
    assert result.weights == pytest.approx({"peer": 20 / 70, "manager": 50 / 70})
    assert result.raters == {"peer": 2, "manager": 1}


def test_review_with_only_one_relation_is_that_relations_average() -> None:
    weights = {"self": 10, "manager": 90}
    assert review_score([{"relation": "self", "score": 70}], weights).score == 70


def test_review_without_raters_is_none() -> None:
    assert review_score([], {"manager": 100}).score is None
    assert review_score([{"relation": "hr", "score": 90}], {"manager": 100}).score is None


def test_final_score_from_sections() -> None:
    sections = [
        {"key": "kpi", "weight": 70, "score": 90},
        {"key": "review", "weight": 30, "score": 80},
    ]
    assert final_score(sections) == pytest.approx(87)
    assert final_score([sections[0], {"key": "review", "weight": 30, "score": None}]) == 90
    assert final_score([]) is None


def test_rating_band() -> None:
    assert [rating_band(s) for s in (59.9, 60, 69.99, 70, 85, 94.9, 95, 120)] == [
        "D",
        "C",
        "C",
        "B",
        "A",
        "A",
        "S",
        "S",
    ]
    assert rating_band(None) is None
    assert band(5, [1, 10], ["lo", "mid", "hi"]) == "mid"
    with pytest.raises(ValueError, match="one more result"):
        band(5, [1], ["x"])
    with pytest.raises(ValueError, match="ascending"):
        band(5, [10, 1], ["x", "y", "z"])


def test_incentive_stepped_and_interpolated() -> None:
    tiers = [(60, 0.5), (80, 1.0), (100, 1.5)]
    assert incentive(59, tiers) == 0
    assert incentive(85, tiers) == 1.0
    assert incentive(100, tiers) == 1.5
    assert incentive(70, tiers, mode="interpolated") == pytest.approx(0.75)
    assert incentive(40, tiers, mode="interpolated") == 0.5
    assert incentive(130, tiers, mode="interpolated") == 1.5
    assert incentive(85, tiers, base=10_000) == 10_000
    assert incentive(None, tiers) is None


def test_annual_result_from_periods() -> None:
    quarters = [80, 90, None, 100]
    assert annual_result(quarters) == pytest.approx(90)
    assert annual_result(quarters, method="sum") == 270
    assert annual_result(quarters, method="last") == 100
    assert annual_result(
        [80, 90, 100, 100], method="weighted", weights=[20, 25, 25, 30]
    ) == pytest.approx((80 * 20 + 90 * 25 + 100 * 25 + 100 * 30) / 100)
    assert annual_result([None, None]) is None


def test_consecutive_periods() -> None:
    results = [1.1, 0.9, 1.0, 1.05, 1.2]
    assert consecutive_periods(results) == 3
    assert consecutive_periods([1.1, None, 1.2]) == 1
    assert consecutive_periods(results, lambda r: r > 1.1) == 1
    assert met_in_consecutive_periods(results, 3)
    assert not met_in_consecutive_periods(results, 4)
    assert consecutive_periods([]) == 0
