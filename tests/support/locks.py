"""Waiting, in a concurrency test, until real clients block on a row lock (PostgreSQL)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from sqlalchemy import text

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

WAITING = """
SELECT count(*) FROM pg_stat_activity
WHERE datname = current_database() AND wait_event_type = 'Lock'
"""


async def lock_waiters(sessions: async_sessionmaker[AsyncSession], count: int) -> None:
    """Until ``count`` transactions of this database wait for a lock (10 s at most)."""
    async with sessions() as session:
        for _ in range(200):
            if (await session.execute(text(WAITING))).scalar_one() >= count:
                return
            await session.rollback()
            await asyncio.sleep(0.05)
    raise AssertionError(f"fewer than {count} transactions waited for a lock")
