"""Improvement plans after they open: reading them, the owner's edits, check-ins and the
outcome (绩效改进跟进).

- **Reading** (``improvement.read``): the person their own, a manager their team's, a
  head their subtree's, HR and executives everyone's — filtered in SQL; a plan out of
  reach and a missing one answer alike (null, or left out of a list).
- **Editing** (``improvement.write``: the person's managers, heads and HR; never the
  person on their own plan, ``FORBIDDEN`` detail ``own-plan``): the answers of the app's
  improvement form — gaps, goals with measures and dates, training, support, review
  date — validated against the form template as review answers are
  (``reviews.answer_errors``; a plan may be saved incomplete, ``required`` is checked
  by ``complete``), the training topics, the start and end dates. Each edit states the
  revision it read (``expectedRevision``): the plan is locked and re-read, and a plan
  changed meanwhile is ``CONFLICT`` — two owners editing at once never merge.
- **Check-ins** (``improvement.checkin``: the person too): a note and a progress from 0
  to 1, added (never edited), while the plan is open.
- **Closing** (``improvement.write``): the outcome ``met`` or ``not_met`` with a note, by
  whom and when; a closed plan is not edited again. Applying the next cycle's results
  closes a carried plan by the template's rule when nobody did (``apply.py``).

Every write is audited (``improvement.update``, ``improvement.checkin``,
``improvement.close``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from perfloop.authz import Permission
from perfloop.services import plans, reviews
from perfloop.services.core import audit
from perfloop.services.core.errors import ErrorCode, ServiceError, UserError
from perfloop.services.core.pagination import DEFAULT_PAGE_CAP, Page, keyset_page
from perfloop.services.core.scopes import employees_in_scope
from perfloop.store.core import keep_rows, lock_rows, utcnow
from perfloop.store.improvement import ImprovementCheckin, ImprovementPlan
from perfloop.store.org import Employee

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller

__all__ = [
    "OUTCOMES", "CheckinView", "ImprovementPlanView", "PlanEdit", "add_checkin", "close_plan",
    "get_plan", "plan_page", "update_plan",
]  # fmt: skip

OUTCOMES = ("met", "not_met")
STATUSES = ("open", "closed")
MAX_TOPICS = 20
MAX_TOPIC = 100
MAX_NOTE = 4000


@dataclass(frozen=True)
class CheckinView:
    id: int
    note: str
    progress: float | None
    author_id: int | None
    at: dt.datetime


@dataclass(frozen=True)
class ImprovementPlanView:
    id: int
    cycle_id: int
    employee_id: int
    employee_name: str
    employee_no: str
    owner_id: int | None
    result_version: int
    form_ref: str
    status: str
    reason: Mapping[str, str]
    gaps: Sequence[Mapping[str, Any]]
    carry: Sequence[Mapping[str, Any]]
    answers: Mapping[str, Any]
    complete: bool
    topics: Sequence[str]
    starts_on: dt.date | None
    ends_on: dt.date | None
    carried_cycle_id: int | None
    outcome: str | None
    outcome_note: str | None
    outcome_by_rule: bool
    closed_by_id: int | None
    closed_at: dt.datetime | None
    revision: int
    opened_at: dt.datetime
    checkins: Sequence[CheckinView] = field(default_factory=tuple)


@dataclass(frozen=True)
class PlanEdit:
    """What an owner changes; a field left None stays as it is."""

    plan_id: int
    expected_revision: int
    answers: Mapping[str, Any] | None = None
    topics: Sequence[str] | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None


async def _form(session: AsyncSession, row: ImprovementPlan) -> Mapping[str, Any]:
    forms = await plans.template_bodies(session, row.tenant_id, [row.form_ref], "form")
    return forms.get(row.form_ref) or {}


async def _views(
    session: AsyncSession, rows: Sequence[tuple[ImprovementPlan, Employee]]
) -> list[ImprovementPlanView]:
    ids = [p.id for p, _ in rows]
    checkins: dict[int, list[CheckinView]] = {i: [] for i in ids}
    if ids:
        found = await session.execute(
            select(ImprovementCheckin)
            .where(ImprovementCheckin.plan_id.in_(ids))
            .order_by(ImprovementCheckin.at.desc(), ImprovementCheckin.id.desc())
        )
        for c in found.scalars():
            checkins[c.plan_id].append(CheckinView(c.id, c.note, c.progress, c.author_id, c.at))
    forms = await plans.template_bodies(
        session, rows[0][0].tenant_id if rows else 0, {p.form_ref for p, _ in rows}, "form"
    )
    out = []
    for p, e in rows:
        form = forms.get(p.form_ref) or {}
        complete = reviews.answer_errors(form, p.answers or {}, draft=False) is None
        out.append(
            ImprovementPlanView(
                id=p.id, cycle_id=p.cycle_id, employee_id=p.employee_id, employee_name=e.name,
                employee_no=e.employee_no, owner_id=p.owner_id, result_version=p.result_version,
                form_ref=p.form_ref, status=p.status, reason=p.reason, gaps=p.gaps,
                carry=p.carry, answers=p.answers, complete=complete, topics=p.topics,
                starts_on=p.starts_on, ends_on=p.ends_on, carried_cycle_id=p.carried_cycle_id,
                outcome=p.outcome, outcome_note=p.outcome_note,
                outcome_by_rule=p.outcome_by_rule, closed_by_id=p.closed_by_id,
                closed_at=p.closed_at, revision=p.revision, opened_at=p.opened_at,
                checkins=tuple(checkins[p.id]),
            )
        )  # fmt: skip
    return out


def _reach(caller: Caller, permission: Permission) -> Any:
    return employees_in_scope(caller, caller.require(permission), ImprovementPlan.employee_id)


async def plan_page(
    session: AsyncSession,
    caller: Caller,
    cycle_id: int,
    *,
    status: str | None = None,
    first: int | None = None,
    after: str | None = None,
    page_cap: int = DEFAULT_PAGE_CAP,
) -> Page[ImprovementPlanView]:
    """The improvement plans opened in the cycle that the caller may read, by employee
    number (``status``: open or closed only)."""
    where = _reach(caller, Permission.IMPROVEMENT_READ)
    cycle = await plans.get_cycle(session, caller, cycle_id)
    if status is not None and status not in STATUSES:
        raise plans.invalid(f"status is one of {', '.join(STATUSES)}", ("status",))
    query = (
        select(ImprovementPlan.id)
        .join(Employee, Employee.id == ImprovementPlan.employee_id)
        .where(
            ImprovementPlan.cycle_id == cycle.id,
            ImprovementPlan.tenant_id == caller.tenant_id,
            where,
        )
    )
    if status is not None:
        query = query.where(ImprovementPlan.status == status)
    page = await keyset_page(
        session, query, (Employee.employee_no, ImprovementPlan.id), first=first, after=after,
        cap=page_cap, what="improvement plan",
    )  # fmt: skip
    if not page.items:
        return Page([], [], page.has_next_page, page.has_previous_page, page.total_count)
    rows = await session.execute(
        select(ImprovementPlan, Employee)
        .join(Employee, Employee.id == ImprovementPlan.employee_id)
        .where(ImprovementPlan.id.in_(page.items))
    )
    by_id = {p.id: (p, e) for p, e in rows.all()}
    views = await _views(session, [by_id[i] for i in page.items])
    return Page(views, page.cursors, page.has_next_page, page.has_previous_page, page.total_count)


async def get_plan(
    session: AsyncSession, caller: Caller, plan_id: int
) -> ImprovementPlanView | None:
    """One plan the caller may read (None: missing or out of reach)."""
    found = await session.execute(
        select(ImprovementPlan, Employee)
        .join(Employee, Employee.id == ImprovementPlan.employee_id)
        .where(
            ImprovementPlan.id == plan_id, ImprovementPlan.tenant_id == caller.tenant_id,
            _reach(caller, Permission.IMPROVEMENT_READ),
        )
    )  # fmt: skip
    row = found.first()
    if row is None:
        return None
    return (await _views(session, [(row[0], row[1])]))[0]


async def _locked(
    session: AsyncSession, caller: Caller, plan_id: int, permission: Permission
) -> ImprovementPlan:
    """The plan, locked and read afresh, when the caller holds ``permission`` over its
    person (NOT_FOUND otherwise); nobody writes their own plan but check-ins."""
    where = _reach(caller, permission)
    rows = await lock_rows(
        session, ImprovementPlan, ImprovementPlan.id == plan_id,
        ImprovementPlan.tenant_id == caller.tenant_id, where,
    )  # fmt: skip
    if not rows:
        raise plans.not_found("improvement plan", ("plan",))
    plan = rows[0]
    if permission is Permission.IMPROVEMENT_WRITE and plan.employee_id == caller.employee_id:
        raise ServiceError.one(
            ErrorCode.FORBIDDEN, "your own improvement plan is written by your manager or HR",
            ("plan",), "own-plan",
        )  # fmt: skip
    return plan


def _check_open(plan: ImprovementPlan, expected: int | None) -> None:
    if expected is not None and plan.revision != expected:
        raise ServiceError.one(
            ErrorCode.CONFLICT,
            f"the improvement plan changed since you read it (revision {expected}, now "
            f"{plan.revision}); read it again and retry",
            ("expectedRevision",), "revision",
        )  # fmt: skip
    if plan.status != "open":
        raise plans.invalid("the improvement plan is closed", ("plan",), "closed")


def _topic_errors(topics: Sequence[str]) -> list[UserError]:
    errors = []
    if len(topics) > MAX_TOPICS:
        errors.append(
            UserError(ErrorCode.INVALID, f"at most {MAX_TOPICS} topics", ("topics",), "too-many")
        )
    for n, topic in enumerate(topics[:MAX_TOPICS]):
        if not topic.strip() or len(topic) > MAX_TOPIC:
            message = f"a topic is 1 to {MAX_TOPIC} characters, not blank"
            errors.append(UserError(ErrorCode.INVALID, message, ("topics", str(n))))
    return errors


def _snapshot(plan: ImprovementPlan) -> dict[str, Any]:
    return {
        "answers": plan.answers, "topics": plan.topics, "revision": plan.revision,
        "startsOn": plan.starts_on.isoformat() if plan.starts_on else None,
        "endsOn": plan.ends_on.isoformat() if plan.ends_on else None,
    }  # fmt: skip


async def update_plan(session: AsyncSession, caller: Caller, edit: PlanEdit) -> ImprovementPlanView:
    """Change a plan's answers, topics or dates at the revision read (see the module)."""
    plan = await _locked(session, caller, edit.plan_id, Permission.IMPROVEMENT_WRITE)
    _check_open(plan, edit.expected_revision)
    errors: list[UserError] = []
    if edit.answers is not None:
        invalid = reviews.answer_errors(await _form(session, plan), edit.answers, draft=True)
        if invalid is not None:
            errors.extend(invalid.errors)
    if edit.topics is not None:
        errors.extend(_topic_errors(edit.topics))
    starts = edit.starts_on or plan.starts_on
    ends = edit.ends_on or plan.ends_on
    if starts is not None and ends is not None and ends < starts:
        errors.append(UserError(ErrorCode.INVALID, "the plan ends before it starts", ("endsOn",)))
    if errors:
        raise ServiceError(errors)
    before = _snapshot(plan)
    if edit.answers is not None:
        plan.answers = dict(edit.answers)
    if edit.topics is not None:
        plan.topics = list(dict.fromkeys(t.strip() for t in edit.topics))
    plan.starts_on, plan.ends_on = starts, ends
    plan.revision += 1
    plan.updated_at = utcnow()
    audit.record(
        session, caller, "improvement.update", "improvement_plan", plan.id,
        before=before, after=_snapshot(plan),
    )  # fmt: skip
    await session.commit()
    view = await get_plan(session, caller, plan.id)
    assert view is not None
    return view


async def add_checkin(
    session: AsyncSession, caller: Caller, plan_id: int, note: str, progress: float | None
) -> CheckinView:
    """A follow-up note (1 to 4,000 characters) with a progress from 0 to 1, on an open plan."""
    errors = []
    if not note.strip() or len(note) > MAX_NOTE:
        errors.append(
            UserError(ErrorCode.INVALID, f"a note is 1 to {MAX_NOTE} characters", ("note",))
        )
    if progress is not None and not 0 <= progress <= 1:
        errors.append(UserError(ErrorCode.INVALID, "progress is between 0 and 1", ("progress",)))
    if errors:
        raise ServiceError(errors)
    where = _reach(caller, Permission.IMPROVEMENT_CHECKIN)
    found = await session.execute(
        keep_rows(
            select(ImprovementPlan).where(
                ImprovementPlan.id == plan_id, ImprovementPlan.tenant_id == caller.tenant_id, where
            ),
            ImprovementPlan,
        )
    )
    plan = found.scalar_one_or_none()
    if plan is None:
        raise plans.not_found("improvement plan", ("plan",))
    _check_open(plan, None)
    row = ImprovementCheckin(
        tenant_id=caller.tenant_id, plan_id=plan.id, note=note, progress=progress,
        author_id=caller.user_id,
    )  # fmt: skip
    session.add(row)
    await session.flush()
    audit.record(
        session, caller, "improvement.checkin", "improvement_plan", plan.id,
        after={"checkin": row.id, "progress": progress},
    )  # fmt: skip
    view = CheckinView(row.id, row.note, row.progress, row.author_id, row.at)
    await session.commit()
    return view


async def close_plan(
    session: AsyncSession,
    caller: Caller,
    plan_id: int,
    outcome: str,
    note: str,
    expected_revision: int,
) -> ImprovementPlanView:
    """Close an open plan as ``met`` or ``not_met`` with a note, at the revision read."""
    if outcome not in OUTCOMES:
        raise plans.invalid(f"outcome is one of {', '.join(OUTCOMES)}", ("outcome",))
    if not note.strip() or len(note) > MAX_NOTE:
        raise plans.invalid(f"a note is 1 to {MAX_NOTE} characters", ("note",))
    plan = await _locked(session, caller, plan_id, Permission.IMPROVEMENT_WRITE)
    _check_open(plan, expected_revision)
    now = utcnow()
    plan.status, plan.outcome, plan.outcome_note = "closed", outcome, note
    plan.closed_by_id, plan.closed_at, plan.outcome_by_rule = caller.user_id, now, False
    plan.revision += 1
    plan.updated_at = now
    audit.record(
        session, caller, "improvement.close", "improvement_plan", plan.id,
        before={"status": "open"}, after={"status": "closed", "outcome": outcome}, note=note,
    )  # fmt: skip
    await session.commit()
    view = await get_plan(session, caller, plan.id)
    assert view is not None
    return view
