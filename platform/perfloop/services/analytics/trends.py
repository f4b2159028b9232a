"""Trends across cycles: the before-and-after view that tells whether a plan worked.

``trend`` reads, for a subject — one person, an org unit's subtree, or an indicator
(optionally within an org unit) — one point per cycle: the plan items' numbers by the
plan report's rules (people, items, target and actual sums, the weight-averaged
template completion, behind), and the published results (how many, the mean total,
by band; for a person their total and band, and the plan's live KPI score, the
template's). Each point carries its change on the point before (completion, mean
total).

The cycles are named (``cycles``: up to ``MAX_CYCLES``, shown oldest first) or counted
back from one (``cycle`` and ``last``: that cycle and the ones before it of the same
app and kind of period, ``plans.cycles_before``). Every number is scoped: the plans by
``report.read``, the results by ``result.read`` — a manager's trend for a unit counts
their team. A person out of the caller's ``report.read`` scope, an unknown cycle or
org unit answers NOT_FOUND.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select

from perfloop.authz import Permission
from perfloop.services import plans
from perfloop.services.analytics.common import (
    BandCount,
    item_narrow,
    published_latest,
    result_summary,
    subtree,
    unit_exists,
)
from perfloop.services.core.errors import ErrorCode, ServiceError, UserError
from perfloop.store.cycles import Cycle
from perfloop.store.plans import Scorecard
from perfloop.store.results import Result

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller

#: cycles one trend reads at most
MAX_CYCLES = 24
DEFAULT_LAST = 4


@dataclass(frozen=True)
class Subject:
    employee_id: int | None = None
    org_unit_id: int | None = None
    indicator: str | None = None


@dataclass
class TrendPoint:
    cycle_id: int
    period: str
    starts_on: dt.date
    ends_on: dt.date
    people: int = 0
    items: int = 0
    target: float | None = None
    actual: float | None = None
    completion: float | None = None
    behind: int = 0
    #: a person's plan: the template's KPI part now (None: not every item scored)
    score: float | None = None
    #: published results read: how many, their mean total, by band
    results: int = 0
    mean_total: float | None = None
    bands: list[BandCount] = field(default_factory=list)
    #: a person's published result
    total: float | None = None
    rating: str | None = None
    #: the change on the point before (None for the first or when either has none)
    completion_delta: float | None = None
    mean_total_delta: float | None = None


def _invalid(message: str, *path: str) -> ServiceError:
    return ServiceError([UserError(ErrorCode.INVALID, message, path)])


def _not_found(what: str, *path: str) -> ServiceError:
    return ServiceError([UserError(ErrorCode.NOT_FOUND, f"{what} not found", path)])


async def _cycles(
    session: AsyncSession,
    caller: Caller,
    cycle_ids: Sequence[int] | None,
    cycle_id: int | None,
    last: int | None,
) -> list[Cycle]:
    if cycle_ids is not None:
        if cycle_id is not None or last is not None:
            raise _invalid("name the cycles, or one cycle and how many before it", "cycles")
        if not cycle_ids or len(cycle_ids) > MAX_CYCLES:
            raise _invalid(f"name 1 to {MAX_CYCLES} cycles", "cycles")
        found = {
            c.id: c
            for c in (
                await session.execute(
                    select(Cycle).where(
                        Cycle.tenant_id == caller.tenant_id, Cycle.id.in_(set(cycle_ids))
                    )
                )
            ).scalars()
        }
        missing = [n for n, i in enumerate(cycle_ids) if i not in found]
        if missing:
            raise _not_found("cycle", "cycles", str(missing[0]))
        return sorted(found.values(), key=lambda c: (c.starts_on, c.ends_on, c.id))
    if cycle_id is None:
        raise _invalid("name the cycles, or one cycle and how many before it", "cycle")
    count = DEFAULT_LAST if last is None else last
    if not 1 <= count <= MAX_CYCLES:
        raise _invalid(f"last is 1 to {MAX_CYCLES}", "last")
    cycle = await plans.get_cycle(session, caller, cycle_id)
    return await plans.cycles_before(session, cycle, count)


async def trend(
    session: AsyncSession,
    caller: Caller,
    subject: Subject,
    *,
    cycle_ids: Sequence[int] | None = None,
    cycle_id: int | None = None,
    last: int | None = None,
    today: dt.date | None = None,
) -> list[TrendPoint]:
    """One point per cycle, oldest first (module docstring)."""
    caller.require(Permission.REPORT_READ)
    if subject.employee_id is not None and (subject.org_unit_id or subject.indicator):
        raise _invalid("a person's trend takes no org unit or indicator", "subject")
    if subject.employee_id is None and subject.org_unit_id is None and not subject.indicator:
        raise _invalid("name an employee, an org unit or an indicator", "subject")
    if subject.indicator is not None and not subject.indicator.strip():
        raise _invalid("the indicator is empty", "subject", "indicator")
    cycles = await _cycles(session, caller, cycle_ids, cycle_id, last)
    people: list[ColumnElement[bool]] = []  # conditions on Employee (and Result)
    plan_narrow: list[ColumnElement[bool]] = []
    result_narrow: list[ColumnElement[bool]] = []
    if subject.employee_id is not None:
        await plans.employee_in_scope(session, caller, Permission.REPORT_READ, subject.employee_id)
        plan_narrow.append(Scorecard.employee_id == subject.employee_id)
        result_narrow.append(Result.employee_id == subject.employee_id)
    if subject.org_unit_id is not None:
        if not await unit_exists(session, caller, subject.org_unit_id):
            raise _not_found("org unit", "subject", "orgUnit")
        people.append(subtree(caller.tenant_id, subject.org_unit_id))
    plan_narrow += people + item_narrow(subject.indicator)
    result_narrow += people
    points: list[TrendPoint] = []
    for cycle in cycles:
        point = TrendPoint(cycle.id, cycle.period, cycle.starts_on, cycle.ends_on)
        row = await plans.plan_totals(session, caller, cycle, plan_narrow, today=today)
        point.people, point.items, point.behind = row.people, row.items, row.behind
        point.target, point.actual, point.completion = row.target, row.actual, row.completion
        if subject.indicator is None:  # results are a person's whole, not an indicator's
            summary = await result_summary(session, caller, cycle, result_narrow)
            if summary is not None:
                point.results, point.mean_total = summary.people, summary.mean_total
                point.bands = summary.bands
        if subject.employee_id is not None:
            await _person(session, caller, cycle, subject.employee_id, point, today)
        points.append(point)
    for before, point in itertools.pairwise(points):
        point.completion_delta = _delta(point.completion, before.completion)
        point.mean_total_delta = _delta(point.mean_total, before.mean_total)
    return points


async def _person(
    session: AsyncSession,
    caller: Caller,
    cycle: Cycle,
    employee_id: int,
    point: TrendPoint,
    today: dt.date | None,
) -> None:
    """A person's plan score now (the one scoring path) and their published result."""
    if caller.scope(Permission.SCORECARD_READ) is not None:
        card = await plans.get_scorecard(session, caller, employee_id, cycle.id, today=today)
        point.score = card.score if card is not None else None
    where = published_latest(caller, cycle)
    if where is None:
        return
    found = (
        await session.execute(
            select(Result.total, Result.rating).where(*where, Result.employee_id == employee_id)
        )
    ).first()
    if found is not None:
        point.total, point.rating = found[0], found[1]


def _delta(now: float | None, before: float | None) -> float | None:
    return now - before if now is not None and before is not None else None


__all__ = ["DEFAULT_LAST", "MAX_CYCLES", "Subject", "TrendPoint", "trend"]
