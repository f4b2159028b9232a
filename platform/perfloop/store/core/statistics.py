"""The planner's statistics after a large change.

Without statistics for the rows just written, the planners choose badly: at
50,000 people a lead's team view went from 9 ms to 143 ms and a refresh query
from 0.6 s to 23 s until the tables were analyzed. Autovacuum analyzes on its
own schedule, later; SQLite never does. So a service that changed many rows
(an org import, a large ingest batch, a bulk plan assignment, a refresh)
calls :func:`refresh_statistics` after its commit, naming the tables it
changed:

- PostgreSQL: ``ANALYZE <table>`` for each (a sample of the table, so its cost
  is bounded whatever the table's size; it takes a lock that writers do not
  wait for);
- SQLite: ``ANALYZE <table>`` under ``PRAGMA analysis_limit`` (bounded too).
  ``PRAGMA optimize`` before SQLite 3.46 only analyzes the tables that the
  connection's own queries marked, so on a pooled connection right after a
  bulk write it usually does nothing.

A small change (fewer than :data:`STATISTICS_THRESHOLD` rows) refreshes
nothing: the statistics still describe the table well enough. A failure is
logged and left: the change it follows is committed already.

Long work made of many changes (a job's parts: a company-wide assignment is 250
departments at 100,000 people) runs inside :func:`batched_statistics`. There a
table is analyzed once the rows changed since its last analysis reach the rows
changed before it (and the threshold): the statistics stay within a factor of
two of the table while it grows, at a logarithmic number of ``ANALYZE`` runs
instead of one per part (each of which samples the whole, growing table: at
100,000 people they cost more than the parts' own work). What is left over is
analyzed when the block ends.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.store.core.base import Base

__all__ = ["STATISTICS_THRESHOLD", "batched_statistics", "refresh_statistics"]

log = logging.getLogger(__name__)

#: Rows a change must have written for the statistics of its tables to be refreshed.
STATISTICS_THRESHOLD = 1_000
#: Rows SQLite's ANALYZE reads per index (``PRAGMA analysis_limit``).
SQLITE_ANALYSIS_LIMIT = 1_000


@dataclass
class _Changes:
    since: int = 0  # rows changed since the table was last analyzed here
    before: int = 0  # rows changed before that


#: Inside :func:`batched_statistics`: changes per table name, not analyzed yet.
_batch: ContextVar[dict[str, _Changes] | None] = ContextVar("statistics_batch", default=None)


async def refresh_statistics(session: AsyncSession, changed: int, *models: type[Base]) -> bool:
    """After a commit that changed ``changed`` rows of the ``models``' tables: refresh
    the planner's statistics for those tables when the change was large (inside
    :func:`batched_statistics`: when the changes add up, see the module). Returns
    whether it did. Commits (the statements run in a transaction of their own)."""
    tables = sorted({model.__table__.name for model in models})  # type: ignore[attr-defined]
    batch = _batch.get()
    if batch is None:
        return changed >= STATISTICS_THRESHOLD and await _analyze(session, tables)
    due = []
    for table in tables:
        changes = batch.setdefault(table, _Changes())
        changes.since += changed
        if changes.since >= max(STATISTICS_THRESHOLD, changes.before):
            due.append(table)
            changes.before, changes.since = changes.before + changes.since, 0
    return bool(due) and await _analyze(session, due)


@asynccontextmanager
async def batched_statistics(session: AsyncSession) -> AsyncIterator[None]:
    """Within the block, :func:`refresh_statistics` analyzes a table as its changes
    add up (doubling, see the module); at its end (also on failure: the parts done
    are committed), the tables changed by at least the threshold in all and not
    analyzed since are."""
    batch: dict[str, _Changes] = {}
    token = _batch.set(batch)
    try:
        yield
    except BaseException:
        await session.rollback()  # what failed is undone before the tables are analyzed
        raise
    finally:
        _batch.reset(token)
        left = sorted(
            table
            for table, c in batch.items()
            if c.since and c.since + c.before >= STATISTICS_THRESHOLD
        )
        if left:
            await _analyze(session, left)


async def _analyze(session: AsyncSession, tables: list[str]) -> bool:
    if not tables:
        return False
    bind = session.get_bind()
    quote = bind.dialect.identifier_preparer.quote
    try:
        if bind.dialect.name == "sqlite":
            await session.execute(text(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}"))
        for table in tables:
            await session.execute(text(f"ANALYZE {quote(table)}"))
        await session.commit()
    except DBAPIError:
        log.exception("refreshing the statistics of %s failed", ", ".join(tables))
        await session.rollback()
        return False
    return True
