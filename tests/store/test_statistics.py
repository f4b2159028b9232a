"""refresh_statistics inside batched_statistics: a long run of changes (a job's parts)
analyzes a table as its changes add up, doubling, and what is left at the end."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from perfloop.store.core import batched_statistics, refresh_statistics, statistics
from perfloop.store.plans import Actual, Scorecard
from support import count_statements


def _analyzed(statements: list[str]) -> list[str]:
    return [s.split()[1].strip('"') for s in statements if s.startswith("ANALYZE")]


async def test_alone_a_large_change_is_analyzed_at_once(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    # given no batch
    # when a change below and one at the threshold are reported
    with count_statements(engine) as statements:
        small = await refresh_statistics(session, statistics.STATISTICS_THRESHOLD - 1, Actual)
        large = await refresh_statistics(session, statistics.STATISTICS_THRESHOLD, Actual)
    # then only the large one analyzes its table
    assert (small, large) == (False, True)
    assert _analyzed(statements) == ["actuals"]


async def test_in_a_batch_tables_are_analyzed_as_their_changes_double(
    session: AsyncSession, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a threshold of 10 rows and 20 parts of 4 rows each on two tables
    monkeypatch.setattr(statistics, "STATISTICS_THRESHOLD", 10)
    with count_statements(engine) as statements:
        async with batched_statistics(session):
            for _ in range(20):
                await refresh_statistics(session, 4, Actual, Scorecard)
            during = list(statements)
    # then each table is analyzed after 12, 24, 48 rows (each run once the changes since
    # the last reach those before it), not after each of the 20 parts
    assert _analyzed(during) == ["actuals", "scorecards"] * 3
    # and the 32 rows changed after the last of those are analyzed when the batch ends
    assert _analyzed(statements) == ["actuals", "scorecards"] * 4


async def test_a_batch_of_small_changes_analyzes_nothing(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    with count_statements(engine) as statements:
        async with batched_statistics(session):
            for _ in range(3):
                await refresh_statistics(session, 5, Actual)
    assert _analyzed(statements) == []


async def test_a_failed_batch_still_analyzes_what_its_parts_committed(
    session: AsyncSession, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(statistics, "STATISTICS_THRESHOLD", 10)

    async def parts_then_a_failure() -> None:
        async with batched_statistics(session):
            await refresh_statistics(session, 6, Actual)
            await refresh_statistics(session, 6, Actual)  # 12: analyzed
            await refresh_statistics(session, 11, Actual)  # 11 < 12: not yet
            raise RuntimeError("a part failed")

    with count_statements(engine) as statements, pytest.raises(RuntimeError, match="a part"):
        await parts_then_a_failure()
    assert _analyzed(statements) == ["actuals", "actuals"]
