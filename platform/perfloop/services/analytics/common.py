"""What the analytics reads share: the subjects they narrow to, and the published
results of a cycle aggregated in SQL.

Every number here is either a count, a sum or a mean of stored values, or comes from
the plans' scoring templates through the plan report's rules
(``plans.plan_groups``: each item scored by ``engine.score_items``). A result's
total and band are the template's, as the scoring run stored them; nothing is
re-scored here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from perfloop.authz import Permission
from perfloop.services import plans
from perfloop.services.core.scopes import employees_in_scope
from perfloop.store.org import Employee, OrgUnit
from perfloop.store.results import Result

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller
    from perfloop.store.cycles import Cycle

PUBLISHED = "published"


@dataclass(frozen=True)
class BandCount:
    band: str | None
    count: int
    share: float


@dataclass(frozen=True)
class ResultSummary:
    """Published results of some people in a cycle: how many, the mean total, by band."""

    people: int
    mean_total: float | None
    bands: list[BandCount]


def subtree(tenant_id: int, org_unit_id: int) -> ColumnElement[bool]:
    """People placed in the org unit or below it (a condition on ``Employee``)."""
    path = (
        select(OrgUnit.path)
        .where(OrgUnit.id == org_unit_id, OrgUnit.tenant_id == tenant_id)
        .scalar_subquery()
    )
    units = select(OrgUnit.id).where(OrgUnit.tenant_id == tenant_id, OrgUnit.path.startswith(path))
    return Employee.org_unit_id.in_(units)


async def unit_exists(session: AsyncSession, caller: Caller, org_unit_id: int) -> bool:
    found = await session.execute(
        select(OrgUnit.id).where(OrgUnit.id == org_unit_id, OrgUnit.tenant_id == caller.tenant_id)
    )
    return found.first() is not None


def published_latest(caller: Caller, cycle: Cycle) -> list[ColumnElement[bool]] | None:
    """Conditions on ``Result`` (joined to ``Employee``): each person's latest published
    version of the cycle, of the people the caller may read results of (``result.read``).
    None when the caller may read none."""
    scope = caller.scope(Permission.RESULT_READ)
    if scope is None:
        return None
    later = aliased(Result)
    latest = (
        select(func.max(later.version))
        .where(
            later.cycle_id == Result.cycle_id,
            later.employee_id == Result.employee_id,
            later.status == PUBLISHED,
        )
        .scalar_subquery()
    )
    return [
        Result.tenant_id == caller.tenant_id,
        Result.cycle_id == cycle.id,
        Result.status == PUBLISHED,
        Result.version == latest,
        employees_in_scope(caller, scope, Result.employee_id),
    ]


def bands_of(rows: list[tuple[Any, int, float | None]]) -> list[BandCount]:
    """(band, count, lowest total) rows as counts with shares, the band of the highest
    totals first (the template's bands rank by total), no band last."""
    people = sum(count for _, count, _ in rows)
    ordered = sorted(rows, key=lambda r: (r[0] is None, -(r[2] if r[2] is not None else -1e300)))
    return [BandCount(band, count, count / people if people else 0.0) for band, count, _ in ordered]


async def result_summary(
    session: AsyncSession, caller: Caller, cycle: Cycle, narrow: list[ColumnElement[bool]]
) -> ResultSummary | None:
    """The published results of the people in ``narrow`` (conditions on ``Employee`` or
    ``Result``), one grouped statement. None when the caller may read no results."""
    where = published_latest(caller, cycle)
    if where is None:
        return None
    rows = (
        await session.execute(
            select(
                Result.rating, func.count(), func.min(Result.total), func.sum(Result.total),
                func.count(Result.total),
            )
            .join(Employee, Employee.id == Result.employee_id)
            .where(*where, *narrow)
            .group_by(Result.rating)
        )
    ).all()  # fmt: skip
    people = sum(r[1] for r in rows)
    scored = sum(r[4] for r in rows)
    total = sum(r[3] or 0.0 for r in rows)
    return ResultSummary(
        people=people,
        mean_total=total / scored if scored else None,
        bands=bands_of([(r[0], r[1], r[2]) for r in rows]),
    )


def item_narrow(indicator: str | None) -> list[ColumnElement[bool]]:
    return [plans.item_subject(indicator)] if indicator else []


__all__ = [
    "BandCount",
    "ResultSummary",
    "bands_of",
    "item_narrow",
    "published_latest",
    "result_summary",
    "subtree",
    "unit_exists",
]
