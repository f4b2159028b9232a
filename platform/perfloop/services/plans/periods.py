"""The period a cycle is compared with, defined once.

- **previous** (``PREVIOUS``): the app's previous cycle — the latest cycle of the same
  install and cycle template, of the same kind of period, that is not a summary and
  ends before this one starts (2026-Q3 for 2026-Q4; 2026-Q4 for 2027-Q1).
- **a year ago** (``YEAR_AGO``): the cycle of the same install, template and kind of
  period that starts exactly one year earlier (2025-Q4 for 2026-Q4; a period starting
  on 29 February compares with 28 February).

A cycle without such a cycle has no previous period (None): nothing is compared, and
a target relative to it cannot be resolved. Relative targets
(``relative.py``), the comparison on plan items and report rows and the trend reads
(``services.analytics``) all ask this module.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import select

from perfloop.store.cycles import Cycle

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

PREVIOUS = "previous"
YEAR_AGO = "year_ago"
RELATIONS = (PREVIOUS, YEAR_AGO)


def year_before(day: dt.date) -> dt.date:
    """The same day a year earlier (29 February: the 28th)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def _same_kind(cycle: Cycle) -> list[object]:
    return [
        Cycle.tenant_id == cycle.tenant_id,
        Cycle.installed_app_id == cycle.installed_app_id,
        Cycle.template_key == cycle.template_key,
        Cycle.period_kind == cycle.period_kind,
        Cycle.is_summary == cycle.is_summary,
        Cycle.id != cycle.id,
    ]


async def period_before(
    session: AsyncSession, cycle: Cycle, relative_to: str = PREVIOUS
) -> Cycle | None:
    """The cycle ``cycle`` is compared with (module docstring), or None."""
    if relative_to not in RELATIONS:
        raise ValueError(f"relative_to is one of {RELATIONS}")
    query = select(Cycle).where(*_same_kind(cycle))  # type: ignore[arg-type]
    if relative_to == PREVIOUS:
        query = query.where(Cycle.ends_on < cycle.starts_on).order_by(
            Cycle.ends_on.desc(), Cycle.id.desc()
        )
    else:
        query = query.where(Cycle.starts_on == year_before(cycle.starts_on)).order_by(Cycle.id)
    return (await session.execute(query.limit(1))).scalars().first()


async def cycles_before(session: AsyncSession, cycle: Cycle, count: int) -> list[Cycle]:
    """``cycle`` and up to ``count - 1`` cycles before it of the same kind, oldest first
    (the cycles a trend over the last ``count`` periods reads)."""
    rows = (
        await session.execute(
            select(Cycle)
            .where(*_same_kind(cycle), Cycle.ends_on < cycle.starts_on)  # type: ignore[arg-type]
            .order_by(Cycle.ends_on.desc(), Cycle.id.desc())
            .limit(max(count - 1, 0))
        )
    ).scalars()
    return [*reversed(list(rows)), cycle]


__all__ = ["PREVIOUS", "RELATIONS", "YEAR_AGO", "cycles_before", "period_before", "year_before"]
