"""The caller's own identity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from perfloop.authz import Permission
from perfloop.store.identity import Tenant, UserAccount

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller


@dataclass(frozen=True)
class WhoAmI:
    user: UserAccount
    tenant: Tenant
    roles: list[str]


async def me(session: AsyncSession, caller: Caller) -> WhoAmI:
    caller.require(Permission.ME_READ)
    user = await session.get_one(UserAccount, caller.user_id)
    tenant = await session.get_one(Tenant, caller.tenant_id)
    return WhoAmI(user=user, tenant=tenant, roles=caller.roles)
