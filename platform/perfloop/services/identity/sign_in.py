"""The people a demo sign-in offers: a tenant's active accounts with their roles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from perfloop.services.core.caller import LEFT
from perfloop.services.core.errors import ErrorCode, Forbidden, ServiceError
from perfloop.store.identity import RoleAssignment, Tenant, UserAccount
from perfloop.store.org import Employee

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class SignInIdentity:
    email: str
    name: str
    roles: tuple[str, ...]
    position: str | None


async def sign_in_identities(session: AsyncSession, tenant_slug: str) -> list[SignInIdentity]:
    """The tenant's active accounts (not of people who left) by employee number
    (accounts without an employee last), each with its roles; empty when the
    tenant is unknown."""
    rows = (
        await session.execute(
            select(UserAccount.id, UserAccount.email, UserAccount.display_name, Employee.position)
            .join(Tenant, Tenant.id == UserAccount.tenant_id)
            .outerjoin(Employee, Employee.id == UserAccount.employee_id)
            .where(
                Tenant.slug == tenant_slug,
                UserAccount.is_active.is_(True),
                Employee.status.is_distinct_from(LEFT),
            )
            .order_by(Employee.employee_no.is_(None), Employee.employee_no, UserAccount.email)
        )
    ).all()
    roles: dict[int, list[str]] = {}
    ids = [row.id for row in rows]
    if ids:
        for user_id, role in await session.execute(
            select(RoleAssignment.user_id, RoleAssignment.role)
            .where(RoleAssignment.user_id.in_(ids))
            .order_by(RoleAssignment.role)
        ):
            roles.setdefault(user_id, []).append(role)
    return [
        SignInIdentity(
            email=row.email,
            name=row.display_name,
            roles=tuple(roles.get(row.id, ())),
            position=row.position,
        )
        for row in rows
    ]


async def check_sign_in(session: AsyncSession, tenant_slug: str, email: str) -> None:
    """That ``email`` may sign in to the tenant: INVALID (on ``email``) when it is no
    account there, FORBIDDEN when the account is deactivated or its employee left."""
    row = (
        await session.execute(
            select(UserAccount.is_active, Employee.status)
            .join(Tenant, Tenant.id == UserAccount.tenant_id)
            .outerjoin(Employee, Employee.id == UserAccount.employee_id)
            .where(Tenant.slug == tenant_slug, UserAccount.email == email.lower())
        )
    ).first()
    if row is None:
        raise ServiceError.one(
            ErrorCode.INVALID, f"{email!r} is not an account of tenant {tenant_slug!r}", ("email",)
        )
    if not row.is_active:
        raise Forbidden(
            "this account has been deactivated; ask HR to reactivate it",
            zh="此账号已停用，请联系 HR 重新启用",
        )
    if row.status == LEFT:
        raise Forbidden(
            "this account's employee has left the organisation", zh="此账号对应的员工已离职"
        )
