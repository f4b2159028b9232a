"""The caller's own identity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from perfloop.authz import Permission, Scope
from perfloop.store.identity import Tenant, UserAccount

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller


@dataclass(frozen=True)
class WhoAmI:
    user: UserAccount
    tenant: Tenant
    roles: list[str]
    #: every permission the caller holds, with its widest scope, by permission name
    permissions: list[tuple[Permission, Scope]]


async def me(session: AsyncSession, caller: Caller) -> WhoAmI:
    caller.require(Permission.ME_READ)
    user = await session.get_one(UserAccount, caller.user_id)
    tenant = await session.get_one(Tenant, caller.tenant_id)
    held = ((p, caller.scope(p)) for p in sorted(Permission, key=str))
    return WhoAmI(
        user=user,
        tenant=tenant,
        roles=caller.roles,
        permissions=[(p, scope) for p, scope in held if scope is not None],
    )
