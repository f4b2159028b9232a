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
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.store.core.base import Base

__all__ = ["STATISTICS_THRESHOLD", "refresh_statistics"]

log = logging.getLogger(__name__)

#: Rows a change must have written for the statistics of its tables to be refreshed.
STATISTICS_THRESHOLD = 1_000
#: Rows SQLite's ANALYZE reads per index (``PRAGMA analysis_limit``).
SQLITE_ANALYSIS_LIMIT = 1_000


async def refresh_statistics(session: AsyncSession, changed: int, *models: type[Base]) -> bool:
    """After a commit that changed ``changed`` rows of the ``models``' tables: refresh
    the planner's statistics for those tables when the change was large. Returns
    whether it did. Commits (the statements run in a transaction of their own)."""
    if changed < STATISTICS_THRESHOLD or not models:
        return False
    bind = session.get_bind()
    quote = bind.dialect.identifier_preparer.quote
    tables = sorted({model.__table__.name for model in models})  # type: ignore[attr-defined]
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
