"""Organisation, app and cycle queries."""

from __future__ import annotations

import datetime as dt

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.pagination import Connection
from perfloop.api.core.permissions import requires
from perfloop.api.cycles.types import Cycle, InstalledApp, OverdueStage, Position
from perfloop.api.identity.types import Employee, OrgUnit
from perfloop.authz import Permission
from perfloop.services import apps, cycles, org


def as_id(value: strawberry.ID | None) -> int | None:
    """A database id from a GraphQL ID; -1 (matches nothing) when it is not a number."""
    if value is None:
        return None
    text = str(value)
    return int(text) if text.isdigit() else -1


@strawberry.type
class CyclesQueries:
    @strawberry.field(
        description="Org units you may see (by org.read scope), parents before children.",
        extensions=requires(Permission.ORG_READ),
    )
    async def org_units(self, info: Info) -> list[OrgUnit]:
        rows = await org.list_org_units(info.context.session, info.context.caller)
        return [OrgUnit.from_row(r) for r in rows]

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

    @strawberry.field(
        description="Apps installed in your tenant.", extensions=requires(Permission.APP_READ)
    )
    async def installed_apps(self, info: Info, status: str | None = None) -> list[InstalledApp]:
        rows = await apps.list_installed_apps(
            info.context.session, info.context.caller, status=status
        )
        return [InstalledApp.from_row(r) for r in rows]

    @strawberry.field(
        description="One installed app; null when unknown.",
        extensions=requires(Permission.APP_READ),
    )
    async def installed_app(self, info: Info, id: strawberry.ID) -> InstalledApp | None:
        row = await apps.get_installed_app(
            info.context.session, info.context.caller, as_id(id) or -1
        )
        return InstalledApp.from_row(row) if row else None

    @strawberry.field(
        description="Your tenant's cycles, newest period first.",
        extensions=requires(Permission.CYCLE_READ),
    )
    async def cycles(
        self, info: Info, status: str | None = None, app: strawberry.ID | None = None
    ) -> list[Cycle]:
        views = await cycles.list_cycles(
            info.context.session, info.context.caller, status=status, installed_app_id=as_id(app)
        )
        return [Cycle.from_view(v) for v in views]

    @strawberry.field(
        description="One cycle; null when unknown.", extensions=requires(Permission.CYCLE_READ)
    )
    async def cycle(self, info: Info, id: strawberry.ID) -> Cycle | None:
        view = await cycles.get_cycle(info.context.session, info.context.caller, as_id(id) or -1)
        return Cycle.from_view(view) if view else None

    @strawberry.field(
        description=(
            "Stages whose due date is before asOf (default today) and that are not done, "
            "earliest first."
        ),
        extensions=requires(Permission.CYCLE_READ),
    )
    async def overdue_stages(self, info: Info, as_of: dt.date | None = None) -> list[OverdueStage]:
        items = await cycles.overdue_stages(info.context.session, info.context.caller, as_of)
        return [OverdueStage.from_item(i) for i in items]
