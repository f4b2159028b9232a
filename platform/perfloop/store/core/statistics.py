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
departments at 100,000 people, run by any number of workers on several machines)
keeps no state in a process. Each part runs inside :func:`deferred_statistics`,
where :func:`refresh_statistics` only counts the rows changed per table; when the
part ends, the job adds them to a ledger kept in the database with the job
(:func:`due`: per table, rows changed since the job last analyzed it and before),
and a table is analyzed once the rows changed since its last analysis reach the
rows changed before it (and the threshold): the statistics stay within a factor of
two of the table while it grows, at a logarithmic number of ``ANALYZE`` runs
instead of one per part (each of which samples the whole, growing table: at
100,000 people they cost more than the parts' own work). What is left over is
analyzed when the job ends (:func:`left_over`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.store.core.base import Base

__all__ = [
    "STATISTICS_THRESHOLD",
    "analyze",
    "deferred_statistics",
    "due",
    "left_over",
    "refresh_statistics",
]

log = logging.getLogger(__name__)

#: Rows a change must have written for the statistics of its tables to be refreshed.
STATISTICS_THRESHOLD = 1_000
#: Rows SQLite's ANALYZE reads per index (``PRAGMA analysis_limit``).
SQLITE_ANALYSIS_LIMIT = 1_000

#: Inside :func:`deferred_statistics`: rows changed per table name, not analyzed here.
_deferred: ContextVar[dict[str, int] | None] = ContextVar("deferred_statistics", default=None)


async def refresh_statistics(session: AsyncSession, changed: int, *models: type[Base]) -> bool:
    """After a commit that changed ``changed`` rows of the ``models``' tables: refresh
    the planner's statistics for those tables when the change was large (inside
    :func:`deferred_statistics`: count the change for the caller to decide, see the
    module). Returns whether it analyzed. Commits (the statements run in a transaction
    of their own)."""
    tables = sorted({model.__table__.name for model in models})  # type: ignore[attr-defined]
    counts = _deferred.get()
    if counts is not None:
        for table in tables:
            counts[table] = counts.get(table, 0) + changed
        return False
    return changed >= STATISTICS_THRESHOLD and await analyze(session, tables)


@contextmanager
def deferred_statistics() -> Iterator[dict[str, int]]:
    """Within the block (one part of a job), :func:`refresh_statistics` analyzes
    nothing and counts the rows changed per table in the dict it yields."""
    counts: dict[str, int] = {}
    token = _deferred.set(counts)
    try:
        yield counts
    finally:
        _deferred.reset(token)


def due(ledger: dict[str, Any], changes: Mapping[str, int]) -> list[str]:
    """Add a part's ``changes`` (rows per table) to a job's ``ledger`` (per table,
    ``[since, before]``: rows changed since the job last analyzed it, and before;
    JSON, kept with the job) and return the tables to analyze now: those whose rows
    changed since reach the rows changed before (and the threshold). Updates
    ``ledger`` as if they were analyzed."""
    now = []
    for table, changed in sorted(changes.items()):
        since, before = ledger.get(table, [0, 0])
        since += changed
        if since >= max(STATISTICS_THRESHOLD, before):
            now.append(table)
            since, before = 0, before + since
        ledger[table] = [since, before]
    return now


def left_over(ledger: Mapping[str, Any]) -> list[str]:
    """The tables of a job's ``ledger`` changed since their last analysis, by at least
    the threshold in all: analyzed when the job ends."""
    return sorted(
        table
        for table, (since, before) in ledger.items()
        if since and since + before >= STATISTICS_THRESHOLD
    )


async def analyze(session: AsyncSession, tables: list[str]) -> bool:
    """``ANALYZE`` the tables (bounded on SQLite); a failure is logged. Commits."""
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
