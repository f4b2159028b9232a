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
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, exists, func, select

from perfloop.authz import Permission
from perfloop.engine import Formula, FormulaError, compile
from perfloop.services.core import audit
from perfloop.services.core.pagination import DEFAULT_PAGE_CAP, Page, keyset_page
from perfloop.services.core.scopes import employees_in_scope
from perfloop.services.plans.common import (
    get_cycle,
    in_cycle_period,
    indicators_of,
    invalid,
    not_found,
    scorecard_in_scope,
    template_bodies,
)
from perfloop.store.core import utcnow
from perfloop.store.org import Employee, OrgUnit
from perfloop.store.plans import Actual, Checkin, Scorecard, ScorecardItem

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller
    from perfloop.store.cycles import Cycle


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


@dataclass
class _Work:
    """One computed item: its dataset source, or its formula and the sources it names."""

    row: Any
    source: Mapping[str, Any] | None = None
    formula: Formula | None = None
    inputs: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    #: where the answers are: (source key, subject) of the source and of each input
    at: tuple[str, str] | None = None
    inputs_at: dict[str, tuple[str, str]] = field(default_factory=dict)


def _subject(row: Any, subject_type: str) -> str:
    """How a dataset names the person of a plan: by email, employee number or unit code."""
    if subject_type == "employee-id":
        return str(row.employee_no)
    if subject_type == "org-unit":
        return str(row.unit_code)
    return str(row.email)


async def _subject_types(
    session: AsyncSession, tenant_id: int, sources: list[Mapping[str, Any]]
) -> dict[str, str]:
    from perfloop.services.datasets import resolve_dataset  # type: ignore[import-untyped,unused-ignore]

    refs = {s["dataset"] for s in sources if isinstance(s.get("dataset"), str)}
    return {ref: (await resolve_dataset(session, tenant_id, ref)).subject_type for ref in refs}


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


def _evaluate(formula: Formula, data: Mapping[str, Any]) -> float | None:
    try:
        return _number(formula.evaluate(dict(data)))
    except FormulaError:  # e.g. text where a number was expected: no actual
        return None


async def refresh_actuals(
    session: AsyncSession, caller: Caller, cycle_id: int, *, today: dt.date | None = None
) -> int:
    """Recompute and store the dataset and formula actuals of the plans in scope
    for the cycle's period (up to ``today``). Returns how many actuals were written.

    A dataset source is aggregated once for everyone who needs it, each person named
    as the dataset names its subjects (email, employee number or org unit code). A
    formula reads the person's other items (manual actuals included) and the library's
    dataset indicators it names."""
    scope = caller.require(Permission.ACTUAL_ENTER)
    cycle = await get_cycle(session, caller, cycle_id)
    rows = (
        await session.execute(
            select(
                ScorecardItem.id,
                ScorecardItem.scorecard_id,
                ScorecardItem.key,
                ScorecardItem.indicator_key,
                ScorecardItem.library_ref,
                ScorecardItem.source,
                Employee.email,
                Employee.employee_no,
                OrgUnit.code.label("unit_code"),
                Actual.value.label("current"),
            )
            .join(Scorecard, Scorecard.id == ScorecardItem.scorecard_id)
            .join(Employee, Employee.id == Scorecard.employee_id)
            .join(OrgUnit, OrgUnit.id == Employee.org_unit_id)
            .outerjoin(
                Actual,
                and_(Actual.item_id == ScorecardItem.id, in_cycle_period(cycle)),
            )
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
    source_types = {r.id: str(r.source["type"]) for r in computed}
    libraries = await template_bodies(
        session, caller.tenant_id, [r.library_ref for r in computed if r.library_ref], "kpi-library"
    )
    # what each item needs: its own dataset source, or a formula and the sources it names
    work: list[_Work] = []
    for r in computed:
        if r.source["type"] == "dataset":
            work.append(_Work(r, source=r.source))
            continue
        try:
            formula = compile(str(r.source.get("formula", "")))
        except FormulaError:
            work.append(_Work(r))  # no actual from a formula that does not compile
            continue
        indicators = indicators_of(libraries.get(r.library_ref or "") or {})
        inputs = {
            name: source
            for name in formula.names
            if (source := (indicators.get(name) or {}).get("source") or {}).get("type") == "dataset"
        }
        work.append(_Work(r, formula=formula, inputs=inputs))
    sources = [s for w in work for s in ([w.source] if w.source else w.inputs.values())]
    kinds = await _subject_types(session, caller.tenant_id, sources)
    needs: dict[str, _Need] = {}

    def need(source: Mapping[str, Any], row: Any) -> tuple[str, str]:
        key = _key(source)
        subject = _subject(row, kinds.get(str(source.get("dataset")), "employee-email"))
        needs.setdefault(key, _Need(source, set())).subjects.add(subject)
        return key, subject

    for w in work:
        w.at = need(w.source, w.row) if w.source else None
        w.inputs_at = {name: need(source, w.row) for name, source in w.inputs.items()}
    end = min(cycle.ends_on, today) if today is not None else cycle.ends_on
    results = await _aggregate(session, caller.tenant_id, needs, cycle.starts_on, end)

    def found(at: tuple[str, str]) -> float | None:
        return _number(results.get(at[0], {}).get(at[1]))

    values: dict[int, float | None] = {}
    known: dict[int, dict[str, float | None]] = {}  # per plan: the person's items by name
    for r in rows:  # manual (or plugin) items with a value
        if r.id not in source_types and _number(r.current) is not None:
            known.setdefault(r.scorecard_id, {})[r.indicator_key or r.key] = _number(r.current)
    for w in work:
        if w.at is not None:
            values[w.row.id] = found(w.at)
            known.setdefault(w.row.scorecard_id, {})[w.row.indicator_key or w.row.key] = found(w.at)
    for w in work:
        if w.at is None:
            data = {name: found(at) for name, at in w.inputs_at.items()}
            data.update(known.get(w.row.scorecard_id, {}))
            values[w.row.id] = _evaluate(w.formula, data) if w.formula else None
    existing = {
        a.item_id: a
        for a in (
            await session.execute(
                select(Actual).where(Actual.item_id.in_(list(values)), in_cycle_period(cycle))
            )
        ).scalars()
    }
    now = utcnow()
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
            value, source_types[item_id], None, now,
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


async def list_checkins(
    session: AsyncSession,
    caller: Caller,
    scorecard_id: int,
    *,
    first: int | None = None,
    after: str | None = None,
    page_cap: int = DEFAULT_PAGE_CAP,
) -> Page[Checkin]:
    """Check-ins on a plan the caller may read, newest first, one page."""
    scope = caller.require(Permission.SCORECARD_READ)
    query = (
        select(Checkin)
        .join(Scorecard, Scorecard.id == Checkin.scorecard_id)
        .where(
            Checkin.scorecard_id == scorecard_id,
            Checkin.tenant_id == caller.tenant_id,
            employees_in_scope(caller, scope, Scorecard.employee_id),
        )
    )
    return await keyset_page(
        session,
        query,
        (Checkin.at.desc(), Checkin.id.desc()),
        first=first,
        after=after,
        cap=page_cap,
        what="check-in",
    )


async def missing_actual_count(session: AsyncSession, cycle: Cycle) -> int:
    """Items of the cycle's plans without an actual value for the cycle's period (the
    cycles' "actuals complete" guard). An actual stored as empty (a refresh that found
    nothing to average, a value cleared by hand) is missing too."""
    measured = exists().where(
        Actual.item_id == ScorecardItem.id, in_cycle_period(cycle), Actual.value.is_not(None)
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
