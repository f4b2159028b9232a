"""Streaks, the change over the previous period, award winners and the annual summary:
the engine's pure rules across periods and people."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from perfloop.engine import (
    AwardCandidate,
    ScoringScheme,
    annual_result,
    award_entry,
    check_scoring_template,
    compile,
    consecutive_periods,
    longest_streak,
    met_in_consecutive_periods,
    pick_winners,
    rank_award,
    rate_summary,
    summarize_periods,
)
from perfloop.paths import builtin_templates_dir

MET = [1.0, 1.2, 1.05, 0.7]  # January to March met, April missed
SKIPPED_Q2 = (0.2 / 0.75, 0, 0.25 / 0.75, 0.3 / 0.75)


def standard() -> dict[str, Any]:
    path = builtin_templates_dir() / "scoring" / "standard-scoring.v2.json"
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- streaks


def test_met_january_to_march_missed_april_qualifies_for_three() -> None:
    assert longest_streak(MET) == 3
    assert met_in_consecutive_periods(MET, 3, anywhere=True)
    assert not met_in_consecutive_periods(MET, 4, anywhere=True)
    # the run ending at the last period is what STREAK keeps meaning
    assert consecutive_periods(MET) == 0
    assert not met_in_consecutive_periods(MET, 3)


def test_longest_streak_is_broken_by_a_missing_period() -> None:
    assert longest_streak([1.1, None, 1.2, 1.3]) == 2
    assert longest_streak([]) == 0
    assert longest_streak([0.9, 1.1, 1.2], lambda r: r > 1.15) == 1


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("STREAK(periods, completion >= 1)", 0),
        ("MAXSTREAK(periods, completion >= 1)", 3),
        ("MAXSTREAK(periods, completion >= 1) >= 3", True),
        ("CHANGE(periods, total)", -30),
        ("CHANGE(periods, completion) < 0", True),
    ],
)
def test_streak_functions_over_periods(text: str, value: Any) -> None:
    periods = [{"completion": c, "total": t} for c, t in zip(MET, [90, 95, 92, 62], strict=True)]
    formula = compile(text)
    assert formula.evaluate({"periods": periods}) == value
    assert formula.explain({"periods": periods}).value == value


@pytest.mark.parametrize(
    ("values", "expected"),
    [([80, 92.5], 12.5), ([80], None), ([], None), ([None, 90], None), ([80, None], None)],
)
def test_change_over_the_previous_period(values: list[Any], expected: Any) -> None:
    assert compile("CHANGE(xs)").evaluate({"xs": values}) == expected


def test_change_of_text_is_an_error_value() -> None:
    assert compile('CHANGE(["a", 1])').evaluate({}).code == "#VALUE!"
    assert compile("CHANGE([TRUE, 1])").evaluate({}).code == "#VALUE!"


def test_standard_scoring_2_counts_a_run_anywhere_in_the_year() -> None:
    # given January to March met and April missed
    scheme = ScoringScheme(standard())
    months = [
        {"period": m, "total": t, "completion": c}
        for m, t, c in [("01", 90, 1.0), ("02", 95, 1.2), ("03", 92, 1.05), ("04", 60, 0.7)]
    ]
    # when the rules are evaluated after April
    rules = scheme.summarize(months).rules
    # then the three months in a row still count, and April fell from March
    assert rules == {"target-met-in-a-row": True, "improved": False}
    # version 1 keeps its documented rule: the run ending at the last period
    v1 = json.loads((builtin_templates_dir() / "scoring" / "standard-scoring.json").read_text())
    assert ScoringScheme(v1).summarize(months).rules == {"target-met-in-a-row": False}


def test_improved_is_unknown_after_a_period_without_a_result() -> None:
    scheme = ScoringScheme(standard())
    periods = [{"total": 80, "completion": 1}, {"total": None}, {"total": 90, "completion": 1}]
    assert scheme.summarize(periods).rules["improved"] is None


# --------------------------------------------------------------------------- summary


@pytest.mark.parametrize(
    ("combine", "missing", "values", "value", "weights"),
    [
        ("avg", "skip", [80, 90, 100, 70], 85, (0.25, 0.25, 0.25, 0.25)),
        ("weighted", "skip", [80, 90, 100, 70], 84.5, (0.2, 0.25, 0.25, 0.3)),
        ("last", "skip", [80, 90, 100, None], 100, (0, 0, 1, 0)),
        ("best", "skip", [80, 100, 100, 70], 100, (0, 1, 0, 0)),
        # a missing quarter: skipped (weights re-normalised), zero, or no summary
        ("weighted", "skip", [80, None, 100, 70], (16 + 25 + 21) / 0.75, SKIPPED_Q2),
        ("weighted", "zero", [80, None, 100, 70], 16 + 25 + 21, (0.2, 0.25, 0.25, 0.3)),
        ("avg", "none", [80, None, 100, 70], None, (0, 0, 0, 0)),
        ("avg", "skip", [None, None, None, None], None, (0, 0, 0, 0)),
    ],
)  # fmt: skip
def test_summarize_periods(
    combine: str, missing: str, values: list[Any], value: Any, weights: tuple[float, ...]
) -> None:
    summary = summarize_periods(values, combine, [20, 25, 25, 30], missing)
    assert summary.value == (pytest.approx(value) if value is not None else None)
    assert summary.weights == pytest.approx(weights)
    assert summary.missing == tuple(i for i, v in enumerate(values) if v is None)


def test_summarize_periods_refuses_what_it_cannot_do() -> None:
    with pytest.raises(ValueError, match="weights"):
        summarize_periods([1, 2], "weighted", [1])
    with pytest.raises(ValueError, match="combine"):
        summarize_periods([1, 2], "median")


def test_annual_result_best() -> None:
    assert annual_result([80, None, 95, 90], method="best") == 95


def test_the_summary_band_is_the_templates() -> None:
    scheme = ScoringScheme(standard())
    assert rate_summary(scheme, total=86.0) == ("A", 1.2)
    assert rate_summary(scheme, total=None)[0] is None


# --------------------------------------------------------------------------- awards


def person(employee_id: int, unit: int = 1, **values: Any) -> AwardCandidate:
    data = {"total": 90, "kpi": 90, "review": 90, "completion": 1.0, "rating": "A",
            "multiplier": 1.2, "tenure_days": 365, "employee_no": f"E{employee_id}"}  # fmt: skip
    return AwardCandidate(employee_id, unit, {**data, **values})


def winners(candidates: list[AwardCandidate], template: dict[str, Any] | None = None) -> Any:
    scheme = ScoringScheme(template or standard())
    return pick_winners(scheme, "star-of-the-period", candidates)


def test_the_highest_total_wins_per_unit() -> None:
    found = winners([person(1, total=91), person(2, total=95), person(3, unit=2, total=70)])
    assert [(w.unit_id, w.employee_id, w.value, w.decided_by) for w in found] == [
        (1, 2, 95, "rank"),
        (2, 3, 70, "only"),
    ]
    assert found[0].runner_up == 1


def test_equal_totals_go_to_the_higher_kpi_part() -> None:
    found = winners([person(1, kpi=88), person(2, kpi=92), person(3, kpi=80)])
    assert (found[0].employee_id, found[0].decided_by, found[0].tied) == (2, "kpi", (1, 3))
    assert dict(found[0].keys) == {"rank": 90, "kpi": 92, "tenure": 365}


def test_equal_totals_and_kpi_go_to_the_earlier_hire_date() -> None:
    found = winners([person(1, tenure_days=100), person(2, tenure_days=900)])
    assert (found[0].employee_id, found[0].decided_by) == (2, "tenure")


def test_all_equal_goes_to_the_lowest_employee_id() -> None:
    found = winners([person(7), person(3), person(5)])
    assert (found[0].employee_id, found[0].decided_by, found[0].runner_up) == (3, "employee", 5)


def test_the_ineligible_do_not_win() -> None:
    found = winners([person(1, total=99, completion=0.9), person(2, total=80)])
    assert (found[0].employee_id, found[0].eligible, found[0].candidates) == (2, 1, 2)
    assert winners([person(1, completion=0.5)]) == []
    # a missing rank value ranks nobody
    assert winners([person(1, total=None)]) == []


def test_ascending_tie_break_and_nulls_last() -> None:
    template = copy.deepcopy(standard())
    template["awards"][0]["tieBreak"] = [
        {"key": "fewest-days", "value": "tenure_days", "order": "asc"}
    ]
    found = winners([person(1, tenure_days=500), person(2, tenure_days=20)], template)
    assert (found[0].employee_id, found[0].decided_by) == (2, "fewest-days")
    found = winners([person(1, tenure_days=None), person(2, tenure_days=700)], template)
    assert (found[0].employee_id, found[0].decided_by) == (2, "fewest-days")


def test_an_unknown_award_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        pick_winners(ScoringScheme(standard()), "nope", [])


def test_award_formulas_are_checked_with_the_template() -> None:
    template = copy.deepcopy(standard())
    template["awards"][0]["rank"] = "totl"
    template["awards"][0]["tieBreak"][1]["value"] = "hire_date"
    problems = {pointer: code for pointer, code, _ in check_scoring_template(template)}
    assert problems == {
        "/awards/0/rank": "unknown-name",
        "/awards/0/tieBreak/1/value": "unknown-name",
    }


def test_people_scored_by_different_templates_are_ranked_together() -> None:
    # given one unit whose people were scored by a template with one tie-break and by
    # one with none
    two = ScoringScheme(standard())
    bare = copy.deepcopy(standard())
    bare["awards"][0]["tieBreak"] = []
    one = ScoringScheme(bare)
    entries = [
        award_entry(two, "star-of-the-period", person(1, total=90, kpi=80)),
        award_entry(one, "star-of-the-period", person(2, total=90)),
    ]
    # when ranked together, then the order is still total: the tie-break the other
    # template lacks reads null for its people (last)
    found = rank_award([e for e in entries if e is not None])
    assert [(w.employee_id, w.decided_by) for w in found] == [(1, "kpi")]
