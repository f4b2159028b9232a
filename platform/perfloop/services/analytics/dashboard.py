"""Dashboard aggregates of one cycle, for the people of an org unit's subtree (or the
whole company) that the caller may report on.

- **progress against plan**: the plan items by the report's rules (completion, the
  behind count) next to the share of the cycle elapsed (``expectedProgress``);
- **completion by indicator**: the same, one row per indicator (the first
  ``INDICATORS``);
- **distribution by band**: the published results by band (count and share), for
  the whole and per unit — each direct child unit's subtree, and the unit itself for
  the people placed in it directly;
- **top and bottom N** by published total (ties by employee number).

All of it in SQL, grouped: a handful of statements whatever the headcount (the
per-unit distribution is one ``GROUP BY`` (unit, band), summed up the tree in Python
over the units, not the people). Plans are scoped by ``report.read``, results by
``result.read``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from perfloop.authz import Permission
from perfloop.engine import expected_progress
from perfloop.services import plans
from perfloop.services.analytics.common import (
    BandCount,
    ResultSummary,
    bands_of,
    published_latest,
    result_summary,
    subtree,
    unit_exists,
)
from perfloop.services.core.errors import ErrorCode, ServiceError, UserError
from perfloop.store.org import Employee, OrgUnit
from perfloop.store.results import Result

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller
    from perfloop.store.cycles import Cycle

#: rows of completion by indicator
INDICATORS = 200
MAX_RANKED = 100


@dataclass(frozen=True)
class Progress:
    people: int
    items: int
    completion: float | None
    expected_progress: float
    behind: int


@dataclass(frozen=True)
class UnitBands:
    org_unit_id: int
    name: str
    #: True for the people placed in the unit itself (not in a unit below it)
    own: bool
    people: int
    mean_total: float | None
    bands: list[BandCount]


@dataclass(frozen=True)
class Ranked:
    employee_id: int
    employee_name: str
    employee_no: str
    org_unit_id: int
    total: float | None
    rating: str | None


@dataclass
class Dashboard:
    cycle_id: int
    org_unit_id: int | None
    progress: Progress
    indicators: list[plans.ReportRow]
    results: ResultSummary | None
    units: list[UnitBands] = field(default_factory=list)
    top: list[Ranked] = field(default_factory=list)
    bottom: list[Ranked] = field(default_factory=list)


async def dashboard(
    session: AsyncSession,
    caller: Caller,
    cycle_id: int,
    *,
    org_unit_id: int | None = None,
    ranked: int = 5,
    today: dt.date | None = None,
) -> Dashboard:
    """The cycle's dashboard for the org unit's subtree (module docstring)."""
    caller.require(Permission.REPORT_READ)
    if not 0 <= ranked <= MAX_RANKED:
        raise ServiceError(
            [UserError(ErrorCode.INVALID, f"ranked is 0 to {MAX_RANKED}", ("ranked",))]
        )
    cycle = await plans.get_cycle(session, caller, cycle_id)
    narrow: list[ColumnElement[bool]] = []
    if org_unit_id is not None:
        if not await unit_exists(session, caller, org_unit_id):
            raise ServiceError([UserError(ErrorCode.NOT_FOUND, "org unit not found", ("orgUnit",))])
        narrow.append(subtree(caller.tenant_id, org_unit_id))
    today = today or dt.date.today()
    indicators = await plans.plan_groups(
        session, caller, cycle, ["indicator"], narrow, limit=INDICATORS + 1, today=today
    )
    expected = expected_progress(cycle.starts_on, cycle.ends_on, today)
    if len(indicators) <= INDICATORS:  # the whole, from its indicators: one pass over items
        people, items = await plans.plan_count(session, caller, cycle, narrow)
        weights = sum(r.scored_weight for r in indicators)
        completion = (
            sum(r.completion * r.scored_weight for r in indicators if r.completion is not None)
            / weights
            if weights
            else None
        )
        behind = sum(r.behind for r in indicators)
        progress = Progress(people, items, completion, expected, behind)
    else:
        indicators = indicators[:INDICATORS]
        total = await plans.plan_totals(session, caller, cycle, narrow, today=today)
        progress = Progress(total.people, total.items, total.completion, expected, total.behind)
    board = Dashboard(cycle.id, org_unit_id, progress, indicators, None)
    board.results = await result_summary(session, caller, cycle, narrow)
    if board.results is not None:
        board.units = await _units(session, caller, cycle, org_unit_id, narrow)
        if ranked:
            board.top = await _ranked(session, caller, cycle, narrow, ranked, best=True)
            board.bottom = await _ranked(session, caller, cycle, narrow, ranked, best=False)
    return board


async def _units(
    session: AsyncSession,
    caller: Caller,
    cycle: Cycle,
    org_unit_id: int | None,
    narrow: list[ColumnElement[bool]],
) -> list[UnitBands]:
    """Per direct child unit (its subtree) and the unit itself: results by band."""
    where = published_latest(caller, cycle)
    assert where is not None
    grouped = (
        await session.execute(
            select(
                Employee.org_unit_id, Result.rating, func.count(), func.min(Result.total),
                func.sum(Result.total), func.count(Result.total),
            )
            .join(Employee, Employee.id == Result.employee_id)
            .where(*where, *narrow)
            .group_by(Employee.org_unit_id, Result.rating)
        )
    ).all()  # fmt: skip
    if not grouped:
        return []
    units = (
        await session.execute(
            select(OrgUnit.id, OrgUnit.parent_id, OrgUnit.name, OrgUnit.path).where(
                OrgUnit.tenant_id == caller.tenant_id
            )
        )
    ).all()
    if org_unit_id is None:  # the company: below its root unit(s)
        roots = [u for u in units if u.parent_id is None]
        top = roots[0] if len(roots) == 1 else None
    else:
        top = next((u for u in units if u.id == org_unit_id), None)
    heads = (
        [u for u in units if u.parent_id == top.id]
        if top is not None
        else [u for u in units if u.parent_id is None]
    )
    head_ids = {u.id for u in heads}
    path = {u.id: u.path for u in units}
    # each unit's people go to the head whose path starts theirs, or to the top itself
    tally: dict[tuple[int, bool], dict[str | None, list[float]]] = {}
    for unit_id, band, count, lowest, summed, scored in grouped:
        # the head on the unit's path ("/1/5/17/": units 1, 5 and 17, top down)
        on_path = [int(p) for p in path.get(unit_id, "").split("/") if p.isdigit()]
        head = next((p for p in on_path if p in head_ids), None)
        at = (head, False) if head is not None else ((top.id if top else unit_id), True)
        row = tally.setdefault(at, {}).setdefault(band, [0, float("inf"), 0.0, 0])
        row[0] += count
        row[1] = min(row[1], lowest) if lowest is not None else row[1]
        row[2] += summed or 0.0
        row[3] += scored
    names = {u.id: u.name for u in units}
    out = []
    for (unit_id, own), by_band in sorted(tally.items(), key=lambda t: (not t[0][1], t[0][0])):
        people = sum(int(v[0]) for v in by_band.values())
        scored = sum(int(v[3]) for v in by_band.values())
        out.append(
            UnitBands(
                org_unit_id=unit_id, name=names.get(unit_id, ""), own=own, people=people,
                mean_total=sum(v[2] for v in by_band.values()) / scored if scored else None,
                bands=bands_of([
                    (b, int(v[0]), v[1] if v[1] != float("inf") else None)
                    for b, v in by_band.items()
                ]),
            )
        )  # fmt: skip
    return out


async def _ranked(
    session: AsyncSession,
    caller: Caller,
    cycle: Cycle,
    narrow: list[ColumnElement[bool]],
    count: int,
    *,
    best: bool,
) -> list[Ranked]:
    where = published_latest(caller, cycle)
    assert where is not None
    order = Result.total.desc() if best else Result.total.asc()
    rows = await session.execute(
        select(
            Result.employee_id, Employee.name, Employee.employee_no, Employee.org_unit_id,
            Result.total, Result.rating,
        )
        .join(Employee, Employee.id == Result.employee_id)
        .where(*where, *narrow, Result.total.is_not(None))
        .order_by(order, Employee.employee_no)
        .limit(count)
    )  # fmt: skip
    return [Ranked(*r) for r in rows.all()]


__all__ = ["Dashboard", "Progress", "Ranked", "UnitBands", "dashboard"]
