"""Actuals and check-ins.

An item's actual for a period comes from its indicator's source:

- ``dataset``: a declarative aggregation over business records, computed in
  SQL by ``perfloop.services.datasets.aggregate_actuals`` — one call per
  distinct source for all the people concerned, never one per person;
- ``formula``: a formula over other indicators of the same library
  (``perfloop.engine.compile``), whose inputs are the person's other items or
  the library's dataset indicators, aggregated the same way;
- ``manual``: entered by someone with ``actual.enter`` in scope; who and when
  are kept on the row and in the audit log.

``refresh_actuals`` recomputes the dataset and formula actuals of a cycle and
stores them, so reading plans back never aggregates business records.
``missing_actual_count`` feeds the cycles' ``actuals-complete`` guard.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, exists, func, select

from perfloop.authz import Permission
from perfloop.engine import FormulaError, compile
from perfloop.services import audit
from perfloop.services.plan_common import (
    get_cycle,
    indicators_of,
    invalid,
    not_found,
    scorecard_in_scope,
    template_bodies,
)
from perfloop.services.scopes import employees_in_scope
from perfloop.store.models import Employee, utcnow
from perfloop.store.plan_models import Actual, Checkin, Scorecard, ScorecardItem

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.caller import Caller
    from perfloop.store.cycle_models import Cycle


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


async def _item_in_scope(
    session: AsyncSession, caller: Caller, permission: Permission, item_id: int
) -> tuple[ScorecardItem, Scorecard]:
    scope = caller.require(permission)
    row = (
        await session.execute(
            select(ScorecardItem, Scorecard)
            .join(Scorecard, Scorecard.id == ScorecardItem.scorecard_id)
            .where(
                ScorecardItem.id == item_id,
                ScorecardItem.tenant_id == caller.tenant_id,
                employees_in_scope(caller, scope, Scorecard.employee_id),
            )
        )
    ).first()
    if row is None:
        raise not_found("scorecard item", ("item",))
    return row[0], row[1]


async def enter_actual(
    session: AsyncSession,
    caller: Caller,
    item_id: int,
    value: float | None,
    *,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
    note: str | None = None,
) -> Actual:
    """Record a manual actual (the cycle's period unless another is given)."""
    item, card = await _item_in_scope(session, caller, Permission.ACTUAL_ENTER, item_id)
    cycle = await get_cycle(session, caller, card.cycle_id)
    start, end = period_start or cycle.starts_on, period_end or cycle.ends_on
    if end < start:
        raise invalid("the period ends before it starts", ("periodEnd",))
    row = (
        await session.execute(
            select(Actual).where(
                Actual.item_id == item.id, Actual.period_start == start, Actual.period_end == end
            )
        )
    ).scalar_one_or_none()
    before = None if row is None else {"value": row.value, "source": row.source}
    if row is None:
        row = Actual(
            tenant_id=caller.tenant_id, item_id=item.id, period_start=start, period_end=end
        )
        session.add(row)
    row.value, row.source, row.entered_by_id, row.note = value, "manual", caller.user_id, note
    row.updated_at = utcnow()
    await session.flush()
    audit.record(
        session, caller, "actual.enter", "scorecard_item", item.id, before=before,
        after={"value": value, "periodStart": start.isoformat(), "periodEnd": end.isoformat()},
        note=note,
    )  # fmt: skip
    await session.commit()
    return row


def _key(source: Mapping[str, Any]) -> str:
    return json.dumps(source, sort_keys=True, ensure_ascii=False)


@dataclass
class _Need:
    source: Mapping[str, Any]
    subjects: set[str]


async def _aggregate(
    session: AsyncSession, tenant_id: int, needs: dict[str, _Need], start: dt.date, end: dt.date
) -> dict[str, dict[str, float | None]]:
    if not needs:
        return {}
    from perfloop.services.datasets import aggregate_actuals  # type: ignore[import-untyped,unused-ignore]

    return {
        key: dict(
            await aggregate_actuals(
                session, tenant_id, dict(need.source), start, end, sorted(need.subjects)
            )
        )
        for key, need in needs.items()
    }


async def refresh_actuals(
    session: AsyncSession, caller: Caller, cycle_id: int, *, today: dt.date | None = None
) -> int:
    """Recompute and store the dataset and formula actuals of the plans in scope
    for the cycle's period (up to ``today``). Returns how many actuals were written."""
    scope = caller.require(Permission.ACTUAL_ENTER)
    cycle = await get_cycle(session, caller, cycle_id)
    rows = (
        await session.execute(
            select(
                ScorecardItem.id,
                ScorecardItem.scorecard_id,
                ScorecardItem.indicator_key,
                ScorecardItem.library_ref,
                ScorecardItem.source,
                Employee.email,
            )
            .join(Scorecard, Scorecard.id == ScorecardItem.scorecard_id)
            .join(Employee, Employee.id == Scorecard.employee_id)
            .where(
                Scorecard.tenant_id == caller.tenant_id,
                Scorecard.cycle_id == cycle.id,
                employees_in_scope(caller, scope, Scorecard.employee_id),
            )
        )
    ).all()
    computed = [r for r in rows if (r.source or {}).get("type") in ("dataset", "formula")]
    if not computed:
        return 0
    libraries = await template_bodies(
        session, caller.tenant_id, [r.library_ref for r in computed if r.library_ref], "kpi-library"
    )
    needs: dict[str, _Need] = {}

    def need(source: Mapping[str, Any], subject: str) -> str:
        key = _key(source)
        needs.setdefault(key, _Need(source, set())).subjects.add(subject)
        return key

    plan: list[tuple[Any, Any]] = []  # (row, dataset key | (formula, {name: dataset key}))
    for r in computed:
        source = r.source
        if source["type"] == "dataset":
            plan.append((r, need(source, r.email)))
            continue
        try:
            formula = compile(str(source.get("formula", "")))
        except FormulaError:
            plan.append((r, None))
            continue
        indicators = indicators_of(libraries.get(r.library_ref or "") or {})
        inputs = {}
        for name in formula.names:
            ind_source = (indicators.get(name) or {}).get("source") or {}
            if ind_source.get("type") == "dataset":
                inputs[name] = need(ind_source, r.email)
        plan.append((r, (formula, inputs)))
    end = min(cycle.ends_on, today) if today is not None else cycle.ends_on
    results = await _aggregate(session, caller.tenant_id, needs, cycle.starts_on, end)
    values: dict[int, float | None] = {}
    for r, how in plan:
        if isinstance(how, str):
            values[r.id] = _number(results.get(how, {}).get(r.email))
    by_card: dict[int, dict[str, float | None]] = {}
    for r in computed:
        if r.id in values and r.indicator_key:
            by_card.setdefault(r.scorecard_id, {})[r.indicator_key] = values[r.id]
    for r, how in plan:
        if isinstance(how, tuple):
            formula, inputs = how
            data: dict[str, Any] = {
                name: results.get(key, {}).get(r.email) for name, key in inputs.items()
            }
            data.update(by_card.get(r.scorecard_id, {}))
            values[r.id] = _number(formula.evaluate(data))
        elif how is None:
            values[r.id] = None
    existing = {
        a.item_id: a
        for a in (
            await session.execute(
                select(Actual).where(
                    Actual.item_id.in_(list(values)),
                    Actual.period_start == cycle.starts_on,
                    Actual.period_end == cycle.ends_on,
                )
            )
        ).scalars()
    }
    now = utcnow()
    sources = {r.id: r.source["type"] for r in computed}
    for item_id, value in values.items():
        row = existing.get(item_id)
        if row is None:
            row = Actual(
                tenant_id=caller.tenant_id,
                item_id=item_id,
                period_start=cycle.starts_on,
                period_end=cycle.ends_on,
            )
            session.add(row)
        row.value, row.source, row.entered_by_id, row.updated_at = (
            value, sources[item_id], None, now,
        )  # fmt: skip
    audit.record(
        session, caller, "actuals.refresh", "cycle", cycle.id,
        after={"items": len(values), "until": end.isoformat()},
    )  # fmt: skip
    await session.commit()
    return len(values)


async def check_in(
    session: AsyncSession,
    caller: Caller,
    scorecard_id: int,
    *,
    confidence: float,
    note: str,
    progress: float | None = None,
    item_id: int | None = None,
) -> Checkin:
    """Record progress, a note and a confidence (0 to 1) on a plan or one of its items."""
    card = await scorecard_in_scope(session, caller, Permission.CHECKIN_WRITE, scorecard_id)
    if not 0 <= confidence <= 1:
        raise invalid("confidence is between 0 and 1", ("confidence",))
    if item_id is not None:
        owner = (
            await session.execute(
                select(ScorecardItem.scorecard_id).where(ScorecardItem.id == item_id)
            )
        ).scalar_one_or_none()
        if owner != card.id:
            raise not_found("scorecard item", ("item",))
    row = Checkin(
        tenant_id=caller.tenant_id,
        scorecard_id=card.id,
        item_id=item_id,
        progress=progress,
        confidence=confidence,
        note=note,
        author_id=caller.user_id,
    )
    session.add(row)
    await session.flush()
    audit.record(
        session, caller, "checkin.write", "scorecard", card.id,
        after={"checkin": row.id, "progress": progress, "confidence": confidence},
    )  # fmt: skip
    await session.commit()
    return row


async def list_checkins(session: AsyncSession, caller: Caller, scorecard_id: int) -> list[Checkin]:
    scope = caller.require(Permission.SCORECARD_READ)
    return list(
        (
            await session.execute(
                select(Checkin)
                .join(Scorecard, Scorecard.id == Checkin.scorecard_id)
                .where(
                    Checkin.scorecard_id == scorecard_id,
                    Checkin.tenant_id == caller.tenant_id,
                    employees_in_scope(caller, scope, Scorecard.employee_id),
                )
                .order_by(Checkin.at.desc(), Checkin.id.desc())
            )
        ).scalars()
    )


async def missing_actual_count(session: AsyncSession, cycle: Cycle) -> int:
    """Items of the cycle's plans without an actual value for the cycle's period (the
    cycles' "actuals complete" guard). An actual stored as empty (a refresh that found
    nothing to average, a value cleared by hand) is missing too."""
    measured = exists().where(
        and_(
            Actual.item_id == ScorecardItem.id,
            Actual.period_start == cycle.starts_on,
            Actual.period_end == cycle.ends_on,
            Actual.value.is_not(None),
        )
    )
    query = (
        select(func.count())
        .select_from(ScorecardItem)
        .join(Scorecard, Scorecard.id == ScorecardItem.scorecard_id)
        .where(Scorecard.cycle_id == cycle.id, ~measured)
    )
    return int((await session.execute(query)).scalar_one())


__all__ = [
    "check_in",
    "enter_actual",
    "list_checkins",
    "missing_actual_count",
    "refresh_actuals",
]
