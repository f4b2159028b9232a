"""Tenants, their default policy, and role assignments."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlalchemy import select

from perfloop.authz import Role, default_policy_lines
from perfloop.services.core import audit
from perfloop.services.core.errors import ErrorCode, ServiceError
from perfloop.store.identity import PolicyRule, RoleAssignment, Tenant

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

_SLUG = re.compile(r"^[a-z][a-z0-9-]{1,62}$")


async def create_tenant(session: AsyncSession, slug: str, name: str) -> Tenant:
    """Create a tenant with the default roles' policy (does not commit)."""
    if not _SLUG.match(slug):
        raise ServiceError.one(
            ErrorCode.INVALID,
            "a tenant slug is 2-63 lower-case letters, digits or hyphens, starting with a letter",
            ("slug",),
        )
    if (await session.execute(select(Tenant.id).where(Tenant.slug == slug))).first():
        raise ServiceError.one(ErrorCode.CONFLICT, f"tenant {slug!r} exists already", ("slug",))
    tenant = Tenant(slug=slug, name=name)
    session.add(tenant)
    await session.flush()
    session.add_all(
        PolicyRule(tenant_id=tenant.id, ptype="p", v0=r, v1=d, v2=o, v3=a, v4=s)
        for r, d, o, a, s in default_policy_lines(slug)
    )
    audit.record(
        session, None, "tenant.create", "tenant", slug, after={"name": name}, tenant_id=tenant.id
    )
    return tenant


async def assign_roles(
    session: AsyncSession, tenant_id: int, user_id: int, roles: list[Role]
) -> None:
    """Give a user roles in their tenant.

    No enforcer is rebuilt for it: a caller's roles are read with their account
    on every request, so the user's next request in any worker sees them.
    """
    session.add_all(
        RoleAssignment(tenant_id=tenant_id, user_id=user_id, role=r.value) for r in roles
    )
