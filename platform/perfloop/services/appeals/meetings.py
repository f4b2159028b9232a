"""Feedback meetings (绩效面谈, one-to-ones) recorded against a person's result.

Rules:

- ``record_meeting`` (``feedback.write``: a manager for their team, a head for their
  subtree, HR for everyone) records a meeting about the person's latest published
  result of the cycle: the day it was held, notes (required, up to 10,000
  characters) and the actions agreed, each a title (required), an owner (a name) and
  a due date. A person without a published result has nothing to discuss yet:
  ``NOT_FOUND`` at ``employee``. Audited as ``feedback.record``.
- ``meeting_page`` (``feedback.read``): the person reads their own, their managers,
  heads and HR theirs in scope; newest first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, select

from perfloop.authz import Permission
from perfloop.services import plans, results
from perfloop.services.core import audit
from perfloop.services.core.pagination import DEFAULT_PAGE_CAP, Page, keyset_page
from perfloop.services.core.scopes import employees_in_scope
from perfloop.store.appeals import FeedbackMeeting
from perfloop.store.core import utcnow
from perfloop.store.org import Employee
from perfloop.store.results import Result

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller

MAX_NOTES = 10_000
MAX_ACTIONS = 50
MAX_TEXT = 500


@dataclass(frozen=True)
class ActionInput:
    title: str
    owner: str | None = None
    due: dt.date | None = None


@dataclass(frozen=True)
class MeetingInput:
    cycle_id: int
    employee_id: int
    held_on: dt.date
    notes: str
    actions: Sequence[ActionInput] = ()


@dataclass(frozen=True)
class MeetingView:
    id: int
    cycle_id: int
    employee_id: int
    employee_name: str
    result_version: int
    held_on: dt.date
    notes: str
    actions: Sequence[dict[str, Any]]
    recorded_by: str
    recorded_at: dt.datetime


def _actions(actions: Sequence[ActionInput]) -> list[dict[str, Any]]:
    if len(actions) > MAX_ACTIONS:
        raise plans.invalid(f"at most {MAX_ACTIONS} actions", ("actions",))
    out = []
    for n, action in enumerate(actions):
        title, owner = action.title.strip(), (action.owner or "").strip()
        if not title:
            raise plans.invalid(
                "an action needs a title", ("actions", str(n), "title"), zh="行动项需要填写标题"
            )
        if len(title) > MAX_TEXT or len(owner) > MAX_TEXT:
            raise plans.invalid(f"longer than {MAX_TEXT} characters", ("actions", str(n)))
        out.append(
            {"title": title, "owner": owner or None,
             "due": action.due.isoformat() if action.due else None}
        )  # fmt: skip
    return out


async def record_meeting(
    session: AsyncSession, caller: Caller, meeting: MeetingInput
) -> MeetingView:
    """Record a feedback meeting (see the module). Commits."""
    notes = meeting.notes.strip()
    employee = await plans.employee_in_scope(
        session, caller, Permission.FEEDBACK_WRITE, meeting.employee_id
    )
    if employee.id == caller.employee_id:
        raise plans.not_found("employee", ("employee",))  # one records it about others
    if not notes:
        raise plans.invalid("the meeting needs notes", ("notes",), zh="面谈需要填写记录")
    if len(notes) > MAX_NOTES:
        raise plans.invalid(
            f"the notes are longer than {MAX_NOTES} characters",
            ("notes",),
            zh=f"记录不能超过 {MAX_NOTES} 个字符",
        )
    actions = _actions(meeting.actions)
    cycle = await plans.get_cycle(session, caller, meeting.cycle_id)
    version = (
        await session.execute(
            select(func.max(Result.version)).where(
                Result.cycle_id == cycle.id,
                Result.employee_id == employee.id,
                Result.status == results.PUBLISHED,
            )
        )
    ).scalar()
    if version is None:
        raise plans.not_found("published result", ("employee",))
    row = FeedbackMeeting(
        tenant_id=cycle.tenant_id, cycle_id=cycle.id, employee_id=employee.id,
        result_version=version, held_on=meeting.held_on, notes=notes, actions=actions,
        recorded_by_id=caller.user_id, recorded_by_name=caller.display_name,
        recorded_at=utcnow(),
    )  # fmt: skip
    session.add(row)
    await session.flush()
    audit.record(
        session, caller, "feedback.record", "feedback-meeting", row.id,
        after={"cycle": cycle.id, "employee": employee.id, "resultVersion": version,
               "heldOn": meeting.held_on.isoformat(), "actions": len(actions)},
    )  # fmt: skip
    await session.commit()
    return _view(row, employee.name)


def _view(row: FeedbackMeeting, name: str) -> MeetingView:
    return MeetingView(
        id=row.id, cycle_id=row.cycle_id, employee_id=row.employee_id, employee_name=name,
        result_version=row.result_version, held_on=row.held_on, notes=row.notes,
        actions=list(row.actions or []), recorded_by=row.recorded_by_name,
        recorded_at=row.recorded_at,
    )  # fmt: skip


async def meeting_page(
    session: AsyncSession,
    caller: Caller,
    cycle_id: int,
    *,
    employee_id: int | None = None,
    first: int | None = None,
    after: str | None = None,
    page_cap: int = DEFAULT_PAGE_CAP,
) -> Page[MeetingView]:
    """The cycle's feedback meetings the caller may read, newest first."""
    scope = caller.require(Permission.FEEDBACK_READ)
    query: Any = (
        select(FeedbackMeeting, Employee.name)
        .join(Employee, Employee.id == FeedbackMeeting.employee_id)
        .where(
            and_(
                FeedbackMeeting.tenant_id == caller.tenant_id,
                FeedbackMeeting.cycle_id == cycle_id,
                employees_in_scope(caller, scope, FeedbackMeeting.employee_id),
            )
        )
    )
    if employee_id is not None:
        query = query.where(FeedbackMeeting.employee_id == employee_id)
    page = await keyset_page(
        session, query, [FeedbackMeeting.id.desc()], first=first, after=after, cap=page_cap,
        what="feedback meeting",
    )  # fmt: skip
    return replace(page, items=[_view(*item) for item in page.items])


__all__ = ["ActionInput", "MeetingInput", "MeetingView", "meeting_page", "record_meeting"]
