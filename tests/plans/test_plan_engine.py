"""Pure plan computations: expected progress, behind flag, coverage, gaps, roll-up."""

from __future__ import annotations

import datetime as dt

import pytest

from perfloop.engine.scoring.plans import (
    GoalNode,
    coverage,
    expected_progress,
    gap_report,
    is_behind,
    item_progress,
    rollup,
)

Q1 = (dt.date(2026, 1, 1), dt.date(2026, 3, 31))  # 90 days


def test_expected_progress_is_the_share_of_days_elapsed() -> None:
    assert expected_progress(*Q1, dt.date(2025, 12, 31)) == 0.0
    assert expected_progress(*Q1, dt.date(2026, 1, 1)) == pytest.approx(1 / 90)
    assert expected_progress(*Q1, dt.date(2026, 2, 14)) == pytest.approx(45 / 90)
    assert expected_progress(*Q1, dt.date(2026, 3, 31)) == 1.0
    assert expected_progress(*Q1, dt.date(2026, 6, 1)) == 1.0
    with pytest.raises(ValueError, match="cannot end before"):
        expected_progress(dt.date(2026, 2, 1), dt.date(2026, 1, 1), dt.date(2026, 1, 1))


def test_behind_plan_for_cumulative_and_level_indicators() -> None:
    # revenue: half the quarter gone, 30% of target done -> behind; 45% -> within tolerance
    assert is_behind(0.3, 0.5)
    assert not is_behind(0.45, 0.5)
    # a rate has no partial progress: judged against the target itself
    assert is_behind(0.8, 0.5, cumulative=False)
    assert not is_behind(0.95, 0.5, cumulative=False)
    # nothing measured yet: behind only once progress was expected
    assert not is_behind(None, 0.05)
    assert is_behind(None, 0.5)


def test_item_progress_respects_direction() -> None:
    mid = dt.date(2026, 2, 14)
    revenue = item_progress(300, 1000, "higher", "sum", *Q1, mid)
    assert revenue.completion == pytest.approx(0.3)
    assert revenue.behind
    response = item_progress(12, 15, "lower", "avg", *Q1, mid)  # faster than target
    assert response.completion == pytest.approx(1.2)
    assert not response.behind


def test_coverage_flags_under_and_over_allocation() -> None:
    goals = [
        GoalNode(1, None, 1000, True),
        GoalNode(2, 1, 600, True),
        GoalNode(3, 1, 300, True),
        GoalNode(4, 2, 400, True),
        GoalNode(5, 2, 300, True),
        GoalNode(6, None, 90, False),  # a rate: no allocation check
    ]
    cover = coverage(goals)
    assert cover[1].allocated == 900
    assert cover[1].unallocated == 100
    assert cover[1].status == "under"
    assert cover[2].unallocated == -100
    assert cover[2].status == "over"
    assert cover[3].status == "leaf"
    assert 6 not in cover


def test_rollup_sums_additive_and_averages_others() -> None:
    goals = [
        GoalNode(1, None, 1000, True),
        GoalNode(2, 1, 600, True, actual=300),
        GoalNode(3, 1, 400, True, actual=100),
        GoalNode(10, None, None, False),
        GoalNode(11, 10, 90, False, weight=3, actual=90),  # completion 1.0
        GoalNode(12, 10, 100, False, weight=1, actual=50),  # completion 0.5
    ]
    progress = rollup(goals)
    assert progress[1].actual == 400
    assert progress[1].completion == pytest.approx(0.4)
    assert progress[10].completion == pytest.approx((3 * 1.0 + 1 * 0.5) / 4)


def test_gap_report_matches_owners() -> None:
    report = gap_report({"unit:1": 600, "unit:2": 400}, {"unit:1": 500, "unit:3": 50})
    lines = {line.owner: line for line in report.lines}
    assert lines["unit:1"].gap == 100
    assert lines["unit:2"].gap is None  # no proposal yet
    assert lines["unit:3"].top_down is None
    assert lines["unit:3"].bottom_up == 50
    assert report.top_down == 1000
    assert report.bottom_up == 550
    assert report.gap == 450
