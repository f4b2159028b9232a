"""Cycle use-cases: open a review period, advance it stage by stage, find overdue stages.

A cycle is opened from a `cycle` template bundled by an installed app, for a
period written ``2026-11`` (month), ``2026-Q4`` (quarter), ``2026-H2``
(half-year) or ``2026`` (year). Its stages are copied from the template in
order, each with a due date computed from the deadline's anchor (period start
or end) and offset. The template version is pinned at open.

A period of the template's own length (a quarter for ``quarterly-review``) is a
normal cycle. A period of the length of the template's ``summary`` (a year) is
a *summary* cycle: it starts with a synthetic ``periods`` stage that lasts
while its quarters run, then the template's stages from evaluation onward
(annual review, calibration, results, appeals, close). Leaving ``periods`` is
guarded by ``periods-closed``: every sub-period's cycle is opened and closed.
A period cycle and its summary are linked (``parent_id``) whichever is opened
first.

Guards are in ``guards.py``; periods and a template's stages in ``periods.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from perfloop.authz import Permission, Role
from perfloop.services.apps import load_template
from perfloop.services.core import audit
from perfloop.services.core.errors import ErrorCode, Forbidden, ServiceError, UserError
from perfloop.services.core.pagination import DEFAULT_PAGE_CAP, Page, keyset_page
from perfloop.services.core.scopes import readable
from perfloop.services.cycles.guards import GUARDS, GuardFailure, GuardsFailed
from perfloop.services.cycles.periods import (
    due_on,
    parse_period,
    period_containing,
    stages_of,
    sub_periods,
)
from perfloop.store.apps import InstalledApp
from perfloop.store.core import utcnow
from perfloop.store.cycles import Cycle, CycleStage, CycleTransition
from perfloop.templates import parse_ref

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller


@dataclass
class CycleView:
    cycle: Cycle
    stages: list[CycleStage] = field(default_factory=list)


async def _stages_for(
    session: AsyncSession, cycle_ids: Sequence[int]
) -> dict[int, list[CycleStage]]:
    out: dict[int, list[CycleStage]] = {i: [] for i in cycle_ids}
    if not cycle_ids:
        return out
    rows = await session.execute(
        select(CycleStage)
        .where(CycleStage.cycle_id.in_(cycle_ids))
        .order_by(CycleStage.cycle_id, CycleStage.position)
    )
    for stage in rows.scalars():
        out[stage.cycle_id].append(stage)
    return out


async def list_cycles(
    session: AsyncSession,
    caller: Caller,
    *,
    status: str | None = None,
    installed_app_id: int | None = None,
    first: int | None = None,
    after: str | None = None,
    page_cap: int = DEFAULT_PAGE_CAP,
) -> Page[CycleView]:
    """The tenant's cycles, newest period first, one page with their stages."""
    caller.require(Permission.CYCLE_READ)
    query = select(Cycle).where(readable(caller, Cycle))
    if status is not None:
        query = query.where(Cycle.status == status)
    if installed_app_id is not None:
        query = query.where(Cycle.installed_app_id == installed_app_id)
    page = await keyset_page(
        session,
        query,
        (Cycle.starts_on.desc(), Cycle.id),
        first=first,
        after=after,
        cap=page_cap,
        what="cycle",
    )
    stages = await _stages_for(session, [c.id for c in page.items])
    return replace(page, items=[CycleView(c, stages[c.id]) for c in page.items])


async def get_cycle(session: AsyncSession, caller: Caller, cycle_id: int) -> CycleView | None:
    caller.require(Permission.CYCLE_READ)
    query = select(Cycle).where(Cycle.id == cycle_id, readable(caller, Cycle))
    cycle = (await session.execute(query)).scalar_one_or_none()
    if cycle is None:
        return None
    return CycleView(cycle, (await _stages_for(session, [cycle.id]))[cycle.id])


@dataclass(frozen=True)
class OverdueStage:
    cycle: Cycle
    stage: CycleStage
    days_overdue: int


async def overdue_stages(
    session: AsyncSession, caller: Caller, as_of: dt.date | None = None
) -> list[OverdueStage]:
    """Stages of the tenant's cycles whose due date is before ``as_of`` and that are not done."""
    caller.require(Permission.CYCLE_READ)
    today = as_of or dt.date.today()
    rows = await session.execute(
        select(CycleStage, Cycle)
        .join(Cycle, Cycle.id == CycleStage.cycle_id)
        .where(
            CycleStage.tenant_id == caller.tenant_id,
            Cycle.tenant_id == caller.tenant_id,
            CycleStage.status != "done",
            CycleStage.due_on < today,
        )
        .order_by(CycleStage.due_on, Cycle.id, CycleStage.position)
    )
    return [
        OverdueStage(cycle, stage, (today - stage.due_on).days)
        for stage, cycle in rows
        if stage.due_on is not None
    ]


# ---------------------------------------------------------------- open


async def _installed(session: AsyncSession, caller: Caller, app_id: int) -> InstalledApp:
    row = await session.get(InstalledApp, app_id)
    if row is None or row.tenant_id != caller.tenant_id:
        raise ServiceError.one(ErrorCode.NOT_FOUND, "no such installed app", ("app",))
    if row.status != "active":
        raise ServiceError.one(ErrorCode.INVALID, "that app is not active", ("app",))
    return row


async def _cycle_template(
    session: AsyncSession, caller: Caller, app: InstalledApp, cycle: str
) -> tuple[str, int, Mapping[str, Any]]:
    app_record = await load_template(session, caller.tenant_id, "app", app.app_key, app.app_version)
    if app_record is None:
        raise ServiceError.one(
            ErrorCode.NOT_FOUND, "the installed app's template is gone", ("app",)
        )
    bundled = [parse_ref(r) for r in app_record.body["components"]["cycles"]]
    refs = [r for r in bundled if r is not None]
    wanted = parse_ref(cycle)
    key = wanted[0] if wanted else cycle.strip()
    matches = [r for r in refs if r == wanted] if wanted else [r for r in refs if r[0] == key]
    if not matches:
        names = ", ".join(f"{k}@{v}" for k, v in refs)
        raise ServiceError.one(
            ErrorCode.NOT_FOUND,
            f"{app.app_key}@{app.app_version} does not bundle cycle {cycle!r}; it has {names}",
            ("cycle",),
        )
    key, version = matches[0]
    record = await load_template(session, caller.tenant_id, "cycle", key, version)
    if record is None:
        raise ServiceError.one(
            ErrorCode.NOT_FOUND, f"no cycle template {key}@{version}", ("cycle",)
        )
    return key, version, record.body


async def open_cycle(
    session: AsyncSession, caller: Caller, installed_app_id: int, cycle: str, period: str
) -> CycleView:
    """Open a cycle of ``cycle`` (``key@version`` or a key the app bundles) for ``period``."""
    caller.require(Permission.CYCLE_MANAGE)
    app = await _installed(session, caller, installed_app_id)
    key, version, template = await _cycle_template(session, caller, app, cycle)
    parsed = parse_period(period)
    if parsed is None:
        raise ServiceError.one(
            ErrorCode.INVALID,
            f"{period!r} is not a period; write 2026-11, 2026-Q4, 2026-H2 or 2026",
            ("period",),
        )
    summary_kind = (template.get("summary") or {}).get("period")
    if parsed.kind != template["period"] and parsed.kind != summary_kind:
        also = f" (or a {summary_kind} for its summary)" if summary_kind else ""
        raise ServiceError.one(
            ErrorCode.INVALID,
            f"{key}@{version} runs per {template['period']}{also}; "
            f"{parsed.label} is a {parsed.kind}",
            ("period",),
        )
    is_summary = parsed.kind != template["period"]
    same = (
        Cycle.tenant_id == caller.tenant_id,
        Cycle.installed_app_id == app.id,
        Cycle.template_key == key,
    )
    if (await session.execute(select(Cycle.id).where(*same, Cycle.period == parsed.label))).first():
        raise ServiceError.one(
            ErrorCode.CONFLICT, f"a {key} cycle for {parsed.label} is open already", ("period",)
        )
    stages = stages_of(template, is_summary)
    now = utcnow()
    row = Cycle(
        tenant_id=caller.tenant_id,
        installed_app_id=app.id,
        template_key=key,
        template_version=version,
        period_kind=parsed.kind,
        period=parsed.label,
        is_summary=is_summary,
        starts_on=parsed.starts_on,
        ends_on=parsed.ends_on,
        stage_key=stages[0]["key"],
        status="open",
        opened_by_id=caller.user_id,
        opened_at=now,
    )
    if not is_summary and summary_kind:
        parent_label = period_containing(summary_kind, parsed.starts_on).label
        parent = await session.execute(
            select(Cycle.id).where(*same, Cycle.period == parent_label, Cycle.is_summary)
        )
        row.parent_id = parent.scalar_one_or_none()
    session.add(row)
    await session.flush()
    if is_summary:
        labels = [p.label for p in sub_periods(parsed, template["period"])]
        await session.execute(
            update(Cycle)
            .where(*same, Cycle.period.in_(labels), Cycle.is_summary.is_(False))
            .values(parent_id=row.id)
            .execution_options(synchronize_session=False)
        )
    views = []
    for index, spec in enumerate(stages):
        stage = CycleStage(
            tenant_id=caller.tenant_id,
            cycle_id=row.id,
            position=index,
            key=spec["key"],
            phase=spec["phase"],
            title=dict(spec["title"]),
            due_on=due_on(spec, parsed),
            status="active" if index == 0 else "pending",
            started_at=now if index == 0 else None,
        )
        session.add(stage)
        views.append(stage)
    session.add(
        CycleTransition(
            tenant_id=caller.tenant_id,
            cycle_id=row.id,
            from_stage=None,
            to_stage=row.stage_key,
            by_id=caller.user_id,
            at=now,
        )
    )
    await session.flush()
    audit.record(
        session,
        caller,
        "cycle.open",
        "cycle",
        row.id,
        after={
            "template": f"{key}@{version}",
            "period": parsed.label,
            "summary": is_summary,
            "stage": row.stage_key,
            "parent_id": row.parent_id,
        },
    )
    await session.commit()
    return CycleView(row, views)


# ---------------------------------------------------------------- advance


@dataclass
class AdvanceResult:
    view: CycleView
    overridden: list[GuardFailure]


def _stage_spec(template: Mapping[str, Any], cycle: Cycle, key: str) -> Mapping[str, Any]:
    for spec in stages_of(template, cycle.is_summary):
        if spec["key"] == key:
            return spec
    return {"key": key}


async def _failures(
    session: AsyncSession, cycle: Cycle, spec: Mapping[str, Any], template: Mapping[str, Any]
) -> list[GuardFailure]:
    failures = []
    for guard in spec.get("guards", []):
        check = guard["check"]
        fn = GUARDS.get(check)
        if check == "periods-closed":
            guard = {**guard, "period": template["period"]}
        if fn is None:
            reasons = [f"no guard is registered for the check {check!r}"]
        else:
            reasons = await fn(session, cycle, guard)
        if reasons:
            override = guard.get("override") or {}
            failures.append(
                GuardFailure(
                    key=guard["key"],
                    check=check,
                    message=dict(guard["message"]),
                    reasons=list(reasons),
                    override_roles=list(override.get("roles", [])),
                    reason_required=bool(override.get("reasonRequired", False)),
                )
            )
    return failures


def _holds_role(caller: Caller, roles: Sequence[str]) -> bool:
    mine = set(caller.roles)
    return Role.ADMIN.value in mine or bool(mine.intersection(roles))


async def advance_cycle(
    session: AsyncSession, caller: Caller, cycle_id: int, override_reason: str | None = None
) -> AdvanceResult:
    """Move a cycle to its next stage when the next stage's guards hold.

    With ``override_reason``, failing guards that allow an override are
    overridden (the caller needs ``cycle.override`` and one of the guard's
    roles); the reason is recorded on the transition and in the audit log.
    """
    caller.require(Permission.CYCLE_MANAGE)
    cycle = await session.get(Cycle, cycle_id)
    if cycle is None or cycle.tenant_id != caller.tenant_id:
        raise ServiceError.one(ErrorCode.NOT_FOUND, "no such cycle", ("id",))
    if cycle.status != "open":
        raise ServiceError.one(ErrorCode.INVALID, "the cycle is closed", ("id",), zh="周期已关闭")
    stages = (await _stages_for(session, [cycle.id]))[cycle.id]
    current = next((s for s in stages if s.key == cycle.stage_key), None)
    if current is None or current.position + 1 >= len(stages):
        raise ServiceError.one(
            ErrorCode.INVALID,
            "the cycle is at its last stage",
            ("id",),
            zh="周期已处于最后一个阶段",
        )
    target = stages[current.position + 1]
    record = await load_template(
        session, caller.tenant_id, "cycle", cycle.template_key, cycle.template_version
    )
    if record is None:
        raise ServiceError.one(ErrorCode.NOT_FOUND, "the cycle's template is gone", ("id",))
    spec = _stage_spec(record.body, cycle, target.key)
    allowed = spec.get("advancedBy")
    if allowed and not _holds_role(caller, allowed):
        raise Forbidden(
            f"only {', '.join(allowed)} may start the stage {target.key}",
            zh=f"只有 {', '.join(allowed)} 可以开始阶段 {target.key}",
        )
    failures = await _failures(session, cycle, spec, record.body)
    reason = (override_reason or "").strip()
    if failures:
        _check_override(caller, failures, override_reason, reason)
    before = {"stage": cycle.stage_key, "status": cycle.status}
    now = utcnow()
    closing = target.phase == "closed" or target.position == len(stages) - 1
    moved = await session.execute(
        update(Cycle)
        .where(Cycle.id == cycle.id, Cycle.stage_key == current.key, Cycle.status == "open")
        .values(
            stage_key=target.key,
            status="closed" if closing else "open",
            closed_at=now if closing else None,
        )
        .execution_options(synchronize_session=False)
    )
    if getattr(moved, "rowcount", 1) != 1:
        await session.rollback()
        raise ServiceError.one(
            ErrorCode.CONFLICT,
            "the cycle was advanced by someone else just now",
            ("id",),
            zh="周期刚刚已被他人推进到下一阶段，请刷新",
        )
    current.status, current.completed_at = "done", now
    target.status, target.started_at = ("done" if closing else "active"), now
    if closing:
        target.completed_at = now
    overridden = [f.as_json() for f in failures]
    session.add(
        CycleTransition(
            tenant_id=caller.tenant_id,
            cycle_id=cycle.id,
            from_stage=current.key,
            to_stage=target.key,
            by_id=caller.user_id,
            at=now,
            override_reason=reason if failures else None,
            overridden=overridden or None,
        )
    )
    after = {"stage": target.key, "status": "closed" if closing else "open"}
    audit.record(session, caller, "cycle.advance", "cycle", cycle.id, before=before, after=after)
    if failures:
        audit.record(
            session,
            caller,
            "cycle.guard-override",
            "cycle",
            cycle.id,
            before=before,
            after={**after, "overridden": overridden},
            note=reason,
        )
    await session.commit()
    await session.refresh(cycle)
    return AdvanceResult(CycleView(cycle, stages), failures)


def _check_override(
    caller: Caller, failures: Sequence[GuardFailure], given: str | None, reason: str
) -> None:
    def blocked(
        code: ErrorCode, message: str, path: tuple[str, ...] = (), *, zh: str | None = None
    ) -> GuardsFailed:
        errors = [UserError(code, message, path, detail="guard-failed", message_zh=zh)]
        errors += [
            UserError(
                ErrorCode.CONFLICT,
                f"{f.key}: {f.message.get('en', '')} ({'; '.join(f.reasons)})",
                ("guards", f.key),
                detail="guard-failed",
                message_zh=f"{f.key}：{f.message.get('zh-CN') or f.message.get('en', '')}"
                f"（{'; '.join(f.reasons)}）",
            )
            for f in failures
        ]
        return GuardsFailed(failures, errors)

    keys = ", ".join(f.key for f in failures)
    if given is None:
        raise blocked(
            ErrorCode.CONFLICT,
            f"the next stage is blocked by: {keys}",
            zh=f"无法进入下一阶段，未通过的检查：{keys}",
        )
    if caller.scope(Permission.CYCLE_OVERRIDE) is None:
        raise blocked(
            ErrorCode.FORBIDDEN,
            "you may not override cycle guards",
            ("override",),
            zh="你无权越过周期检查",
        )
    for f in failures:
        if not f.override_roles:
            raise blocked(
                ErrorCode.FORBIDDEN,
                f"the guard {f.key} cannot be overridden",
                ("override",),
                zh=f"检查 {f.key} 不允许越过",
            )
        if not _holds_role(caller, f.override_roles):
            raise blocked(
                ErrorCode.FORBIDDEN,
                f"only {', '.join(f.override_roles)} may override the guard {f.key}",
                ("override",),
                zh=f"只有 {', '.join(f.override_roles)} 可以越过检查 {f.key}",
            )
    if not reason and any(f.reason_required for f in failures):
        raise blocked(
            ErrorCode.INVALID,
            "an override needs a reason",
            ("override", "reason"),
            zh="越过检查须填写原因",
        )


async def transitions_of(
    session: AsyncSession, tenant_id: int, cycle_ids: Sequence[int]
) -> dict[int, list[CycleTransition]]:
    out: dict[int, list[CycleTransition]] = {i: [] for i in cycle_ids}
    if not cycle_ids:
        return out
    rows = await session.execute(
        select(CycleTransition)
        .where(CycleTransition.tenant_id == tenant_id, CycleTransition.cycle_id.in_(cycle_ids))
        .order_by(CycleTransition.cycle_id, CycleTransition.id)
    )
    for row in rows.scalars():
        out[row.cycle_id].append(row)
    return out
