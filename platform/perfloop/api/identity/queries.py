"""Identity queries."""

from __future__ import annotations

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.pagination import Connection
from perfloop.api.core.permissions import requires
from perfloop.api.identity.types import Me, PermissionGrant, Tenant, User
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
            permissions=[
                PermissionGrant(permission=p.value, scope=s.value) for p, s in who.permissions
            ],
            employee_id=who.user.employee_id,
        )

    @strawberry.field(
        description=(
            "User accounts you may see, by email: the tenant's with org.read at tenant "
            "scope, otherwise yours and those of the employees you reach."
        ),
        extensions=requires(Permission.ORG_READ),
    )
    async def users(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[User]:
        ctx = info.context
        page = await identity.list_users(
            ctx.session, ctx.caller, first=first, after=after, page_cap=ctx.settings.max_page_size
        )
        return Connection[User].from_page(page, User.from_row)
