"""Reading the audit log: who did what to which object, when, with before and after.

Rules:

- Every mutation writes audit events (``services.core.audit.record``): the actor
  (a user account), the action (``appeal.decide``), the object (type and id), a
  snapshot before and after, and a note (a reason).
- ``audit_page`` (``audit.read``, HR at the tenant) reads the caller's tenant's events,
  newest first, filtered by object (``objectType`` and optionally ``objectId``), by
  actor (a user account) or by the employee acting (their account), and by action.
- Managers get no team scope: an event's snapshots hold whatever the object held (a
  draft result, a reopened review's answers), whose read rules differ object by
  object; a manager reads what changed for their team through each domain's own trail
  (an appeal's trail, a result's versions and calibrations). ``audit.read`` held at a
  narrower scope than the tenant reads nothing (``FORBIDDEN``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from perfloop.authz import Permission, Scope
from perfloop.services.core.errors import Forbidden
from perfloop.services.core.pagination import DEFAULT_PAGE_CAP, Page, keyset_page
from perfloop.store.core import AuditEvent
from perfloop.store.identity import UserAccount

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller


@dataclass(frozen=True)
class AuditEntry:
    id: int
    action: str
    object_type: str
    object_id: str
    actor_id: int | None
    actor_name: str | None
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None
    note: str | None
    at: dt.datetime


@dataclass(frozen=True)
class AuditFilter:
    object_type: str | None = None
    object_id: str | None = None
    actor_id: int | None = None
    employee_id: int | None = None
    action: str | None = None


async def audit_page(
    session: AsyncSession,
    caller: Caller,
    where: AuditFilter,
    *,
    first: int | None = None,
    after: str | None = None,
    page_cap: int = DEFAULT_PAGE_CAP,
) -> Page[AuditEntry]:
    """The tenant's audit events matching ``where``, newest first (see the module)."""
    if caller.require(Permission.AUDIT_READ) is not Scope.TENANT:
        raise Forbidden("reading the audit log needs audit.read for the whole company")
    query: Any = (
        select(AuditEvent, UserAccount.display_name)
        .outerjoin(UserAccount, UserAccount.id == AuditEvent.actor_id)
        .where(AuditEvent.tenant_id == caller.tenant_id)
    )
    if where.object_type is not None:
        query = query.where(AuditEvent.object_type == where.object_type)
    if where.object_id is not None:
        query = query.where(AuditEvent.object_id == where.object_id)
    if where.actor_id is not None:
        query = query.where(AuditEvent.actor_id == where.actor_id)
    if where.employee_id is not None:
        accounts = select(UserAccount.id).where(
            UserAccount.tenant_id == caller.tenant_id, UserAccount.employee_id == where.employee_id
        )
        query = query.where(AuditEvent.actor_id.in_(accounts))
    if where.action is not None:
        query = query.where(AuditEvent.action == where.action)
    page = await keyset_page(
        session, query, [AuditEvent.id.desc()], first=first, after=after, cap=page_cap,
        what="audit",
    )  # fmt: skip
    return replace(
        page,
        items=[
            AuditEntry(
                id=e.id,
                action=e.action,
                object_type=e.object_type,
                object_id=e.object_id,
                actor_id=e.actor_id,
                actor_name=name,
                before=e.before,
                after=e.after,
                note=e.note,
                at=e.at,
            )
            for e, name in page.items
        ],
    )


__all__ = ["AuditEntry", "AuditFilter", "audit_page"]
