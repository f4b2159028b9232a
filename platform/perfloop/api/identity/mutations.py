"""Identity mutations: deactivating and reactivating user accounts (offboarding)."""

from __future__ import annotations

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.inputs import as_id
from perfloop.api.core.payloads import mutation
from perfloop.api.identity.types import User, UserPayload
from perfloop.authz import Permission
from perfloop.services import identity


@strawberry.type
class IdentityMutations:
    @mutation(
        description=(
            "Deactivate a user account: its requests are refused from the next one on, "
            "tokens issued before included (UNAUTHENTICATED). Audited with the reason."
        ),
        permission=Permission.USER_MANAGE,
    )
    async def deactivate_user(
        self, info: Info, id: strawberry.ID, reason: str | None = None
    ) -> UserPayload:
        row = await identity.deactivate_user(
            info.context.session, info.context.caller, as_id(id) or -1, reason=reason
        )
        return UserPayload(user=User.from_row(row))

    @mutation(
        description=(
            "Let a deactivated account sign in again. Refused while its employee's status is left."
        ),
        permission=Permission.USER_MANAGE,
    )
    async def reactivate_user(self, info: Info, id: strawberry.ID) -> UserPayload:
        row = await identity.reactivate_user(
            info.context.session, info.context.caller, as_id(id) or -1
        )
        return UserPayload(user=User.from_row(row))
