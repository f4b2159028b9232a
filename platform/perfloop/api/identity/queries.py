"""Identity queries."""

from __future__ import annotations

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.permissions import requires
from perfloop.api.identity.types import Me, Tenant, User
from perfloop.authz import Permission
from perfloop.services import identity


@strawberry.type
class IdentityQueries:
    @strawberry.field(
        description="Who the bearer token says you are.", extensions=requires(Permission.ME_READ)
    )
    async def me(self, info: Info) -> Me:
        ctx = info.context
        who = await identity.me(ctx.session, ctx.caller)
        return Me(
            user=User.from_row(who.user),
            tenant=Tenant(slug=who.tenant.slug, name=who.tenant.name),
            roles=who.roles,
            employee_id=who.user.employee_id,
        )
