"""The planner's statistics: a large change alone is analyzed at once; a job's parts
only count their changes (``deferred_statistics``) and the job's ledger, kept in the
database, says when a table is due (doubling) and what is left at the end."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from perfloop.store.core import deferred_statistics, refresh_statistics, statistics
from perfloop.store.plans import Actual, Scorecard
from support import count_statements


def _analyzed(statements: list[str]) -> list[str]:
    return [s.split()[1].strip('"') for s in statements if s.startswith("ANALYZE")]


async def test_alone_a_large_change_is_analyzed_at_once(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    # given no job part around it
    # when a change below and one at the threshold are reported
    with count_statements(engine) as statements:
        small = await refresh_statistics(session, statistics.STATISTICS_THRESHOLD - 1, Actual)
        large = await refresh_statistics(session, statistics.STATISTICS_THRESHOLD, Actual)
    # then only the large one analyzes its table
    assert (small, large) == (False, True)
    assert _analyzed(statements) == ["actuals"]


async def test_in_a_part_changes_are_counted_not_analyzed(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    # given a job's part
    with count_statements(engine) as statements, deferred_statistics() as counts:
        # when its services report large changes
        await refresh_statistics(session, 5_000, Actual, Scorecard)
        await refresh_statistics(session, 2_000, Actual)
    # then nothing is analyzed and the rows are counted per table
    assert _analyzed(statements) == []
    assert counts == {"actuals": 7_000, "scorecards": 5_000}


def test_a_jobs_tables_are_due_as_their_changes_double(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a threshold of 10 rows and 20 parts of 4 rows each on two tables
    monkeypatch.setattr(statistics, "STATISTICS_THRESHOLD", 10)
    ledger: dict[str, Any] = {}
    runs: list[str] = []
    for _ in range(20):
        runs += statistics.due(ledger, {"actuals": 4, "scorecards": 4})
    # then each table is due after 12, 24, 48 rows (each run once the changes since the
    # last reach those before it), not after each of the 20 parts
    assert runs == ["actuals", "scorecards"] * 3
    # and the 32 rows changed after the last of those are left for the job's end
    assert statistics.left_over(ledger) == ["actuals", "scorecards"]
    assert ledger["actuals"] == [32, 48]


def test_a_job_of_small_changes_analyzes_nothing() -> None:
    ledger: dict[str, Any] = {}
    assert [statistics.due(ledger, {"actuals": 5}) for _ in range(3)] == [[], [], []]
    assert statistics.left_over(ledger) == []
