"""Plan queries: one scorecard, the team view and check-ins."""

from __future__ import annotations

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.inputs import required_id
from perfloop.api.core.pagination import Connection, asks_total
from perfloop.api.core.permissions import requires
from perfloop.api.plans.types import Checkin, Scorecard
from perfloop.authz import Permission
from perfloop.services import plans


@strawberry.type
class PlansQueries:
    @strawberry.field(
        description=(
            "One employee's plan for a cycle with progress; null when missing or not yours to see."
        ),
        extensions=requires(Permission.SCORECARD_READ),
    )
    async def scorecard(
        self, info: Info, employee: strawberry.ID, cycle: strawberry.ID
    ) -> Scorecard | None:
        view = await plans.get_scorecard(
            info.context.session, info.context.caller, required_id(employee), required_id(cycle)
        )
        return Scorecard.from_view(view) if view else None

    @strawberry.field(
        description=(
            "Every plan of the cycle you may read: a manager's team, a head's unit, HR's "
            "tenant; by employee number."
        ),
        extensions=requires(Permission.SCORECARD_READ),
    )
    async def team_scorecards(
        self, info: Info, cycle: strawberry.ID, first: int | None = None, after: str | None = None
    ) -> Connection[Scorecard]:
        ctx = info.context
        page = await plans.team_scorecard_page(
            ctx.session,
            ctx.caller,
            required_id(cycle),
            first=first,
            after=after,
            page_cap=ctx.settings.max_page_size,
            count=asks_total(info),
        )
        return Connection[Scorecard].from_page(page, Scorecard.from_view)

    @strawberry.field(
        description="Check-ins on a plan, newest first.",
        extensions=requires(Permission.SCORECARD_READ),
    )
    async def checkins(
        self,
        info: Info,
        scorecard: strawberry.ID,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Checkin]:
        ctx = info.context
        page = await plans.list_checkins(
            ctx.session,
            ctx.caller,
            required_id(scorecard),
            first=first,
            after=after,
            page_cap=ctx.settings.max_page_size,
        )
        return Connection[Checkin].from_page(page, Checkin.from_row)
