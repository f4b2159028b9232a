"""The built-in standard-scoring template, compiled into a ScoringScheme."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from perfloop.engine import (
    SchemeError,
    ScoringScheme,
    WeightError,
    check_scoring_template,
    completion,
    final_score,
    item_score,
    review_score,
)
from perfloop.paths import builtin_templates_dir


def standard() -> dict[str, Any]:
    path = builtin_templates_dir() / "scoring" / "standard-scoring.json"
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


ITEMS = [
    {"key": "revenue", "actual": 130, "target": 100, "direction": "higher", "weight": 40},
    {"key": "complaints", "actual": 3, "target": 2, "direction": "lower", "weight": 20},
    {"key": "budget", "actual": 97, "target": 100, "direction": "closest", "weight": 20},
    {"key": "nps", "actual": 45, "target": 50, "direction": "higher", "weight": 20},
]
RATINGS = [
    {"relation": "manager", "score": 90, "rater": "m1"},
    {"relation": "peer", "score": 80, "rater": "p1"},
    {"relation": "peer", "score": 70, "rater": "p2"},
]


def test_the_standard_template_is_clean_and_references_well() -> None:
    doc = standard()
    assert check_scoring_template(doc) == []
    scheme = ScoringScheme(doc)
    assert scheme.ref == "standard-scoring@1"
    assert doc["title"]["zh-CN"]
    assert doc["title"]["en"]


def test_scoring_agrees_with_the_plain_rules() -> None:
    scheme = ScoringScheme(standard())
    result = scheme.score({"items": ITEMS, "ratings": RATINGS, "bonus_base": 10_000})
    # item scores: completion by direction, 0 below 60%, capped at 120
    expected_items = [
        item_score(completion(i["actual"], i["target"], i["direction"]), cap=120, threshold=0.6)
        for i in ITEMS
    ]
    assert [i["score"] for i in result.items] == pytest.approx(expected_items)
    assert expected_items[0] == 120  # 130% capped
    assert expected_items[1] == 0  # 50% is below the threshold
    kpi = sum(i["weight"] * s for i, s in zip(ITEMS, expected_items, strict=True)) / 100
    assert result.kpi == pytest.approx(kpi)
    weights = {"self": 10, "peer": 20, "manager": 50, "subordinate": 10, "customer": 10}
    assert result.review == pytest.approx(review_score(RATINGS, weights).score)
    total = final_score([{"weight": 70, "score": kpi}, {"weight": 30, "score": result.review}])
    assert result.total == pytest.approx(round(total, 2))
    assert 85 <= result.total < 95
    assert result.rating == "A"
    assert result.multiplier == 1.2
    assert result.amount == 12_000
    assert json.dumps(result.to_dict())


def test_an_unscored_item_is_listed_and_contributes_nothing_yet() -> None:
    scheme = ScoringScheme(standard())
    items = [dict(ITEMS[0]), dict(ITEMS[1]), dict(ITEMS[2]), dict(ITEMS[3], actual=None)]
    result = scheme.score({"items": items})
    assert result.unscored == ["nps"]
    assert result.items[3]["score"] is None
    assert result.kpi == pytest.approx((40 * 120 + 20 * 0 + 20 * 97) / 100)


def test_without_reviews_the_total_is_the_kpi_score() -> None:
    result = ScoringScheme(standard()).score({"items": ITEMS})
    assert result.review is None
    assert result.total == pytest.approx(round(result.kpi, 2))


def test_weight_rules_name_the_items() -> None:
    scheme = ScoringScheme(standard())
    items = [
        dict(ITEMS[0], weight=50),
        dict(ITEMS[1], weight=2),
        dict(ITEMS[2], weight=20),
        dict(ITEMS[3], weight=20),
    ]
    problems = {p.code: p for p in scheme.check_weights(items)}
    assert problems["sum"].message.endswith("(revenue 50 + complaints 2 + budget 20 + nps 20 = 92)")
    assert problems["bounds"].items == ("revenue", "complaints")
    with pytest.raises(WeightError, match="revenue 50, complaints 2"):
        scheme.score({"items": items})
    assert scheme.score({"items": items}, check_weights=False).kpi is not None


def test_app_parameters_override_the_defaults() -> None:
    scheme = ScoringScheme(
        standard(),
        {
            "section_weights": {"kpi": 50, "review": 50},
            "rating_bands": [{"band": "PASS", "min_score": 60}, {"band": "FAIL", "min_score": 0}],
            "bonus_multipliers": {"PASS": 1, "FAIL": 0},
            "cap": 150,
        },
    )
    result = scheme.score({"items": ITEMS, "ratings": RATINGS})
    assert result.items[0]["score"] == 130  # the higher cap
    assert result.rating == "PASS"
    assert result.multiplier == 1


def test_periods_annual_and_streak() -> None:
    scheme = ScoringScheme(standard())
    quarters = [
        {"period": "Q1", "total": 80, "completion": 0.95},
        {"period": "Q2", "total": 90, "completion": 1.0},
        {"period": "Q3", "total": None, "completion": 1.1},
        {"period": "Q4", "total": 100, "completion": 1.05},
    ]
    summary = scheme.summarize(quarters)
    assert summary.annual == 90
    assert summary.rules == {"target-met-in-a-row": True}
    weighted = [dict(q, weight=w) for q, w in zip(quarters, [20, 25, 25, 30], strict=True)]
    assert scheme.summarize(weighted).annual == pytest.approx(
        round((80 * 20 + 90 * 25 + 100 * 30) / 75, 2)
    )
    assert scheme.summarize(quarters[:2]).rules == {"target-met-in-a-row": False}


def test_template_formula_errors_point_into_the_document() -> None:
    doc = standard()
    doc["item"]["score"] = "IF(completion < params.treshold, 0, completion * 100)"
    doc["kpi"] = "SUM(items, weigth * score) / 100"
    doc["periods"]["rules"][0]["rule"] = "STREAK(periods, completion >= 1"
    problems = check_scoring_template(doc)
    by_pointer = {p[0]: p for p in problems}
    assert by_pointer["/item/score"][1] == "unknown-name"
    assert "did you mean 'threshold'" in by_pointer["/item/score"][2]
    assert by_pointer["/item/score"][2].startswith("line 1, column 24")
    assert by_pointer["/kpi"][1] == "unknown-name"
    assert by_pointer["/periods/rules/0/rule"][1] == "syntax"
    with pytest.raises(SchemeError):
        ScoringScheme(doc)


def test_formulas_only_see_their_context() -> None:
    doc = standard()
    doc["item"]["completion"] = (
        "COMPLETION(actual, target, direction) * total"  # total is not an item field
    )
    assert [p[:2] for p in check_scoring_template(doc)] == [("/item/completion", "unknown-name")]


def test_section_weights_and_bands_are_checked() -> None:
    doc = copy.deepcopy(standard())
    doc["sections"][1]["weight"] = 20
    doc["rating"]["formula"] = 'BAND(total, [60, 80], ["D", "B", "Z"])'
    problems = check_scoring_template(doc)
    assert ("/sections", "weights") in [p[:2] for p in problems]
    assert ("/rating/bands", "rating") in [p[:2] for p in problems]


def test_parameter_values_are_checked_against_their_schema() -> None:
    problems = check_scoring_template(standard(), {"cap": "high"})
    assert ("/cap", "invalid-parameters") in [p[:2] for p in problems]
    doc = standard()
    doc["parameters"]["defaults"]["cap"] = "high"
    assert ("/parameters/defaults/cap", "invalid-parameters") in [
        p[:2] for p in check_scoring_template(doc)
    ]


def test_the_template_satisfies_its_meta_schema() -> None:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    meta = builtin_templates_dir().parent / "meta"
    schemas = [
        json.loads((meta / f"{n}.schema.json").read_text(encoding="utf-8"))
        for n in ("common", "scoring")
    ]
    registry: Registry[Any] = Registry().with_resources(
        [(s["$id"], Resource.from_contents(s)) for s in schemas]
    )
    Draft202012Validator.check_schema(schemas[1])
    validator = Draft202012Validator(schemas[1], registry=registry)
    assert list(validator.iter_errors(standard())) == []
    broken = standard()
    broken["sections"][0]["weight"] = 150
    assert list(validator.iter_errors(broken))
