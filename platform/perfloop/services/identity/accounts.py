"""User accounts: who may sign in, and offboarding.

Rules:

- A request is served only while the token's account is active and its
  employee record, if it has one, has not left (status ``left``). That check
  is part of the one query that maps every request's token to its caller
  (``services.core.caller.resolve_caller``), so deactivating an account or
  marking its employee as left refuses that user's very next request, in
  every worker, whatever tokens were issued before and whatever enforcers
  are cached. An employee whose status is ``inactive`` (on leave) keeps
  access; deactivate the account to stop it.
- HR (``user.manage``) deactivates and reactivates the accounts of their
  tenant; the CLI (``perfloop users deactivate EMAIL``) does the same as the
  operator, without a caller. Nobody deactivates their own account.
- Reactivating an account whose employee has left is refused: change the
  employee's status first (``updateEmployee``), so one does not undo the other
  by accident.
- Doing again what is done already (deactivating an inactive account) changes
  nothing and writes no audit event; every change is audited
  (``identity.user.deactivate`` / ``identity.user.reactivate``, with the reason).
- Accounts are listed (``users``) by ``org.read`` scope: the tenant, or the
  caller's own account and those of the employees they reach.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from perfloop.authz import Permission
from perfloop.services.core import audit
from perfloop.services.core.caller import LEFT
from perfloop.services.core.errors import ErrorCode, ServiceError
from perfloop.services.core.pagination import Page, keyset_page
from perfloop.services.core.scopes import readable
from perfloop.store.identity import Tenant, UserAccount
from perfloop.store.org import Employee

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller

_REASON_LIMIT = 500


async def list_users(
    session: AsyncSession, caller: Caller, *, first: int | None, after: str | None, page_cap: int
) -> Page[UserAccount]:
    """Accounts the caller may see (``org.read`` scope), by email."""
    caller.require(Permission.ORG_READ)
    return await keyset_page(
        session,
        select(UserAccount).where(readable(caller, UserAccount)),
        (UserAccount.email, UserAccount.id),
        first=first,
        after=after,
        cap=page_cap,
        what="user",
    )


async def deactivate_user(
    session: AsyncSession, caller: Caller, user_id: int, *, reason: str | None = None
) -> UserAccount:
    """Refuse the account's requests from now on (its tokens included)."""
    caller.require(Permission.USER_MANAGE)
    return await _set_active(session, caller, caller.tenant_id, user_id, False, reason)


async def reactivate_user(session: AsyncSession, caller: Caller, user_id: int) -> UserAccount:
    """Let a deactivated account sign in again (not when its employee has left)."""
    caller.require(Permission.USER_MANAGE)
    return await _set_active(session, caller, caller.tenant_id, user_id, True, None)


async def set_user_active_by_email(
    session: AsyncSession, tenant_slug: str, email: str, active: bool, reason: str | None = None
) -> UserAccount:
    """The operator's (CLI's) deactivate or reactivate, by tenant and email."""
    tenant_id = (
        await session.execute(select(Tenant.id).where(Tenant.slug == tenant_slug))
    ).scalar()
    if tenant_id is None:
        raise ServiceError.one(ErrorCode.NOT_FOUND, f"no tenant {tenant_slug!r}", ("tenant",))
    user_id = (
        await session.execute(
            select(UserAccount.id).where(
                UserAccount.tenant_id == tenant_id, UserAccount.email == email.strip().lower()
            )
        )
    ).scalar()
    if user_id is None:
        raise ServiceError.one(
            ErrorCode.NOT_FOUND, f"no user {email!r} in tenant {tenant_slug!r}", ("email",)
        )
    return await _set_active(session, None, tenant_id, user_id, active, reason)


def _check_reason(reason: str | None) -> str | None:
    if reason is None:
        return None
    reason = reason.strip()
    if len(reason) > _REASON_LIMIT:
        raise ServiceError.one(
            ErrorCode.INVALID, f"reason must be at most {_REASON_LIMIT} characters", ("reason",)
        )
    return reason or None


async def _set_active(
    session: AsyncSession,
    caller: Caller | None,
    tenant_id: int,
    user_id: int,
    active: bool,
    reason: str | None,
) -> UserAccount:
    reason = _check_reason(reason)
    found = (
        await session.execute(
            select(UserAccount, Employee.status)
            .outerjoin(Employee, Employee.id == UserAccount.employee_id)
            .where(UserAccount.id == user_id, UserAccount.tenant_id == tenant_id)
            .with_for_update(of=UserAccount)
        )
    ).first()
    if found is None:
        raise ServiceError.one(ErrorCode.NOT_FOUND, "no such user", ("id",))
    user, employee_status = found
    if caller is not None and user.id == caller.user_id and not active:
        raise ServiceError.one(ErrorCode.INVALID, "you cannot deactivate your own account", ("id",))
    if active and employee_status == LEFT:
        raise ServiceError.one(
            ErrorCode.INVALID,
            f"{user.email}'s employee record says they have left; "
            "change the employee's status before reactivating the account",
            ("id",),
        )
    if user.is_active == active:
        return user
    user.is_active = active
    audit.record(
        session,
        caller,
        "identity.user.reactivate" if active else "identity.user.deactivate",
        "user",
        user.id,
        before={"is_active": not active},
        after={"is_active": active},
        note=reason,
        tenant_id=tenant_id,
    )
    await session.commit()
    return user
