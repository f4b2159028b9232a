"""Cycle queries."""

from __future__ import annotations

import datetime as dt

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.inputs import as_id
from perfloop.api.core.pagination import Connection
from perfloop.api.core.permissions import requires
from perfloop.api.cycles.types import Cycle, OverdueStage
from perfloop.authz import Permission
from perfloop.services import cycles


@strawberry.type
class CyclesQueries:
    @strawberry.field(
        description="Your tenant's cycles, newest period first.",
        extensions=requires(Permission.CYCLE_READ),
    )
    async def cycles(
        self,
        info: Info,
        status: str | None = None,
        app: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Cycle]:
        ctx = info.context
        page = await cycles.list_cycles(
            ctx.session,
            ctx.caller,
            status=status,
            installed_app_id=as_id(app),
            first=first,
            after=after,
            page_cap=ctx.settings.max_page_size,
        )
        return Connection[Cycle].from_page(page, Cycle.from_view)

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
