"""Org chart queries: units, employees and positions."""

from __future__ import annotations

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.inputs import as_id
from perfloop.api.core.pagination import Connection
from perfloop.api.core.permissions import requires
from perfloop.api.org.types import Employee, OrgUnit, Position
from perfloop.authz import Permission
from perfloop.services import org


@strawberry.type
class OrgQueries:
    @strawberry.field(
        description=(
            "Org units you may see (by org.read scope), parents before children (by path)."
        ),
        extensions=requires(Permission.ORG_READ),
    )
    async def org_units(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[OrgUnit]:
        ctx = info.context
        page = await org.list_org_units(
            ctx.session, ctx.caller, first=first, after=after, page_cap=ctx.settings.max_page_size
        )
        return Connection[OrgUnit].from_page(page, OrgUnit.from_row)

    @strawberry.field(
        description="One org unit; null when unknown or outside your scope.",
        extensions=requires(Permission.ORG_READ),
    )
    async def org_unit(self, info: Info, id: strawberry.ID) -> OrgUnit | None:
        row = await org.get_org_unit(info.context.session, info.context.caller, as_id(id) or -1)
        return OrgUnit.from_row(row) if row else None

    @strawberry.field(
        description="Employees you may see, by employee number; orgUnit keeps its subtree.",
        extensions=requires(Permission.ORG_READ),
    )
    async def employees(
        self,
        info: Info,
        org_unit: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Employee]:
        ctx = info.context
        page = await org.list_employees(
            ctx.session,
            ctx.caller,
            org_unit_id=as_id(org_unit),
            first=first,
            after=after,
            page_cap=ctx.settings.max_page_size,
        )
        return Connection[Employee].from_page(page, Employee.from_row)

    @strawberry.field(
        description="One employee; null when unknown or outside your scope.",
        extensions=requires(Permission.ORG_READ),
    )
    async def employee(self, info: Info, id: strawberry.ID) -> Employee | None:
        row = await org.get_employee(info.context.session, info.context.caller, as_id(id) or -1)
        return Employee.from_row(row) if row else None

    @strawberry.field(
        description="The tenant's positions, by code.", extensions=requires(Permission.ORG_READ)
    )
    async def positions(self, info: Info) -> list[Position]:
        rows = await org.list_positions(info.context.session, info.context.caller)
        return [Position.from_row(r) for r in rows]
