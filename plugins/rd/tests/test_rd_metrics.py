"""The R&D metrics over resolved issues written here, through perfloop's public SDK
(``perfloop.testing.run_metric_on``: no server, no database), as perfloop runs them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from perfloop.plugins import MetricError, Period, get_registry
from perfloop.testing import run_metric_on
from perfloop_rd import plugin

LI, MO = "li@example.test", "mo@example.test"
Q3 = Period(dt.date(2026, 7, 1), dt.date(2026, 9, 30))


def issue(who: str, kind: str, resolved: str, **extra: Any) -> dict[str, Any]:
    return {"assignee_email": who, "type": kind, "status": "done", "resolved_on": resolved, **extra}


def compute(
    key: str,
    issues: Sequence[Mapping[str, Any]] = (),
    *,
    params: Mapping[str, Any] | None = None,
    subjects: Sequence[str] = (LI, MO),
) -> dict[str, float | MetricError | None]:
    """The metric ``key``'s value for each subject in Q3, none of them an error."""
    chosen = plugin.metric(key)
    assert chosen is not None
    found = run_metric_on(
        chosen, plugin=plugin, period=Q3, records={"issues": issues}, subjects=subjects,
        params=params,
    )  # fmt: skip
    assert not any(isinstance(v, MetricError) for v in found.values()), found
    return found


def test_the_plugin_is_installed_under_its_entry_point() -> None:
    found = get_registry().provider("rd", "defect_escape_rate")
    assert found is not None
    assert found.distribution == "perfloop-rd"


def test_on_time_delivery_counts_done_issues_with_a_due_date() -> None:
    issues = [
        issue(LI, "feature", "2026-07-10", due_on="2026-07-10"),  # on the day: on time
        issue(LI, "story", "2026-08-02", due_on="2026-08-01"),  # a day late
        issue(LI, "bug", "2026-09-30", due_on="2026-10-15"),
        issue(LI, "task", "2026-08-05"),  # no due date: not counted
        issue(LI, "feature", "2026-08-05", due_on="2026-08-01", status="wont-do"),
        issue(LI, "feature", "2026-06-30", due_on="2026-06-01"),  # resolved before Q3
    ]
    result = compute("on_time_delivery_rate", issues)
    assert result[LI] == pytest.approx(200 / 3)
    assert result[MO] is None  # nothing to rate
    only_features = compute("on_time_delivery_rate", issues, params={"types": ["feature"]})
    assert only_features[LI] == 100.0


def test_shipped_and_problems_solved_count_done_issues_by_type() -> None:
    issues = [
        issue(LI, "feature", "2026-07-01"),
        issue(LI, "story", "2026-09-30"),
        issue(LI, "feature", "2026-07-02", status="duplicate"),
        issue("LI@Example.test", "bug", "2026-07-03"),
        issue(MO, "bug", "2026-07-04"),
        issue(MO, "bug", "2026-10-01"),  # next quarter
        issue(MO, "task", "2026-07-05"),
    ]
    assert compute("shipped", issues) == {LI: 2.0, MO: 0.0}
    assert compute("problems_solved", issues) == {LI: 1.0, MO: 1.0}
    tasks = compute("problems_solved", issues, params={"types": ["bug", "task"]})
    assert tasks == {LI: 1.0, MO: 2.0}


def test_defect_escape_rate_over_resolved_defects() -> None:
    issues = [
        issue(MO, "bug", "2026-07-01", found_in="production"),
        issue(MO, "bug", "2026-07-02", found_in="testing"),
        issue(MO, "bug", "2026-07-03", found_in="development"),
        issue(MO, "bug", "2026-07-04", found_in="production", status="wont-do"),
        issue(MO, "bug", "2026-07-05", found_in="production", status="duplicate"),
        issue(MO, "bug", "2026-07-06"),  # stage unknown: not counted
        issue(MO, "feature", "2026-07-07", found_in="production"),  # not a defect
    ]
    assert compute("defect_escape_rate", issues) == {LI: None, MO: 50.0}


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("on_time_delivery_rate", None),
        ("shipped", 0.0),
        ("problems_solved", 0.0),
        ("defect_escape_rate", None),
    ],
)
def test_without_records(key: str, expected: float | None) -> None:
    assert compute(key, subjects=[LI]) == {LI: expected}


def test_an_unknown_issue_type_is_refused_by_the_params_schema() -> None:
    shipped = plugin.metric("shipped")
    assert shipped is not None
    assert shipped.check_params({"types": ["epic"]})
