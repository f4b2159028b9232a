"""The caller, user accounts and tenants as GraphQL types."""

from __future__ import annotations

from typing import TYPE_CHECKING

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.errors import UserError
from perfloop.api.org.types import Employee
from perfloop.store.identity import UserAccount

if TYPE_CHECKING:
    pass


@strawberry.type
class Tenant:
    slug: str
    name: str


@strawberry.type(
    description=(
        "A user account. Reached through another object (createdBy, openedBy, …) only "
        "when it is yours or its employee is within your org.read scope; null otherwise."
    )
)
class User:
    id: strawberry.ID
    email: str
    display_name: str
    is_active: bool = strawberry.field(
        description="False once deactivated: the account's requests are refused."
    )

    @classmethod
    def from_row(cls, row: UserAccount) -> User:
        return cls(
            id=strawberry.ID(str(row.id)),
            email=row.email,
            display_name=row.display_name,
            is_active=row.is_active,
        )


@strawberry.type
class UserPayload:
    user: User | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="A permission the caller holds, with the widest scope of it.")
class PermissionGrant:
    permission: str = strawberry.field(description="resource.action, such as scorecard.sign.")
    scope: str = strawberry.field(description="tenant, subtree, team or self.")


@strawberry.type(
    description="The caller: their account, tenant, roles, permissions and employee record."
)
class Me:
    user: User
    tenant: Tenant
    roles: list[str]
    permissions: list[PermissionGrant] = strawberry.field(
        description=(
            "Every permission your roles give you here, by name, with its widest scope: "
            "what a client may offer you (each operation still checks)."
        )
    )
    employee_id: strawberry.Private[int | None]

    @strawberry.field
    async def employee(self, info: Info) -> Employee | None:
        if self.employee_id is None:
            return None
        row = await info.context.loaders.employee.load(self.employee_id)
        return Employee.from_row(row) if row else None


async def user_by_id(info: Info, user_id: int | None) -> User | None:
    if user_id is None:
        return None
    row = await info.context.loaders.user.load(user_id)
    return User.from_row(row) if row else None
