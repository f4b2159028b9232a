"""Reading appeals and their trail.

Who reads an appeal (in SQL): whoever holds ``appeal.read`` at a scope reaching the
appellant — the person themself, their managers (team), their head (subtree), HR (the
tenant) — and whoever may decide it (its assigned reviewer, HR). A peer reaches
nobody else's appeal; an appeal out of reach and a missing one answer alike.

The trail is the appeal's own record, in order: *filed* (by the person, when, on which
version), *assigned* (to whom by which rule, or HR), *decided* (upheld or adjusted, by
whom, when, why, the result's numbers before and after, the new version).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.orm import aliased

from perfloop.authz import Permission, Scope
from perfloop.services.core.pagination import DEFAULT_PAGE_CAP, Page, keyset_page
from perfloop.services.core.scopes import employees_in_scope
from perfloop.store.appeals import Appeal
from perfloop.store.org import Employee

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller


@dataclass(frozen=True)
class TrailEntry:
    event: str  # filed | assigned | decided
    by: str
    at: dt.datetime
    note: str | None = None
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class AppealView:
    id: int
    cycle_id: int
    employee_id: int
    employee_name: str
    result_version: int
    form: str
    answers: Mapping[str, Any]
    status: str
    reviewer_rule: str
    reviewer_id: int | None
    reviewer_name: str | None
    filed_at: dt.datetime
    decision: str | None
    reason: str | None
    decided_by: str | None
    decided_at: dt.datetime | None
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None
    new_version: int | None
    revision: int
    trail: list[TrailEntry] = field(default_factory=list)


def decidable(caller: Caller, scope: Scope | None) -> ColumnElement[bool]:
    """The appeals the caller may decide: any of the tenant's with ``appeal.decide`` at
    the tenant, else those assigned to them."""
    if scope is Scope.TENANT:
        return true()
    if scope is None or caller.employee_id is None:
        return false()
    return Appeal.reviewer_id == caller.employee_id


def readable(caller: Caller) -> ColumnElement[bool]:
    """The appeals the caller may read (the module's rule)."""
    read = caller.scope(Permission.APPEAL_READ)
    scoped = employees_in_scope(caller, read, Appeal.employee_id) if read else false()
    return and_(
        Appeal.tenant_id == caller.tenant_id,
        or_(scoped, decidable(caller, caller.scope(Permission.APPEAL_DECIDE))),
    )


_Reviewer = aliased(Employee)


def _query() -> Any:
    return (
        select(Appeal, Employee.name, _Reviewer.name)
        .join(Employee, Employee.id == Appeal.employee_id)
        .outerjoin(_Reviewer, _Reviewer.id == Appeal.reviewer_id)
    )


def _trail(row: Appeal, name: str, reviewer: str | None) -> list[TrailEntry]:
    assigned = reviewer if reviewer is not None else "HR"
    trail = [
        TrailEntry("filed", name, row.filed_at, f"on version {row.result_version}"),
        TrailEntry("assigned", assigned, row.filed_at, f"by the rule {row.reviewer_rule}"),
    ]
    if row.decided_at is not None:
        trail.append(
            TrailEntry(
                "decided",
                row.decided_by_name or "",
                row.decided_at,
                f"{row.decision}: {row.reason}",
                row.before,
                row.after,
            )
        )
    return trail


def _view(row: Appeal, name: str, reviewer: str | None) -> AppealView:
    return AppealView(
        id=row.id, cycle_id=row.cycle_id, employee_id=row.employee_id, employee_name=name,
        result_version=row.result_version, form=row.form_ref, answers=row.answers,
        status=row.status, reviewer_rule=row.reviewer_rule, reviewer_id=row.reviewer_id,
        reviewer_name=reviewer, filed_at=row.filed_at, decision=row.decision,
        reason=row.reason, decided_by=row.decided_by_name, decided_at=row.decided_at,
        before=row.before, after=row.after, new_version=row.new_version,
        revision=row.revision, trail=_trail(row, name, reviewer),
    )  # fmt: skip


async def get_appeal(session: AsyncSession, caller: Caller, appeal_id: int) -> AppealView | None:
    """One appeal with its trail; None when missing or out of reach."""
    found = (
        await session.execute(
            _query()
            .where(Appeal.id == appeal_id, readable(caller))
            .execution_options(populate_existing=True)
        )
    ).first()
    return _view(*found) if found is not None else None


async def appeal_page(
    session: AsyncSession,
    caller: Caller,
    *,
    cycle_id: int | None = None,
    employee_id: int | None = None,
    status: str | None = None,
    assigned_to_me: bool = False,
    first: int | None = None,
    after: str | None = None,
    page_cap: int = DEFAULT_PAGE_CAP,
) -> Page[AppealView]:
    """The appeals the caller may read, newest first; ``assignedToMe``: those the
    caller may decide that are assigned to them (HR: those assigned to HR as well)."""
    query = _query().where(readable(caller))
    if cycle_id is not None:
        query = query.where(Appeal.cycle_id == cycle_id)
    if employee_id is not None:
        query = query.where(Appeal.employee_id == employee_id)
    if status is not None:
        query = query.where(Appeal.status == status)
    if assigned_to_me:
        mine = Appeal.reviewer_id == (caller.employee_id or 0)
        if caller.scope(Permission.APPEAL_DECIDE) is Scope.TENANT:
            mine = or_(mine, Appeal.reviewer_id.is_(None))
        query = query.where(mine)
    page = await keyset_page(
        session, query, [Appeal.id.desc()], first=first, after=after, cap=page_cap,
        what="appeal",
    )  # fmt: skip
    return replace(page, items=[_view(*item) for item in page.items])


__all__ = ["AppealView", "TrailEntry", "appeal_page", "decidable", "get_appeal", "readable"]
