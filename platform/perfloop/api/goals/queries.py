"""Goal queries: the goal tree and the gap report."""

from __future__ import annotations

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.inputs import required_id
from perfloop.api.core.pagination import Connection
from perfloop.api.core.permissions import requires
from perfloop.api.goals.types import GapReport, Goal
from perfloop.authz import Permission
from perfloop.services import goals


@strawberry.type
class GoalsQueries:
    @strawberry.field(
        description=(
            "The cycle's goal tree (flat, by parentId; by id) with coverage and rolled-up "
            "progress over the whole tree."
        ),
        extensions=requires(Permission.GOAL_READ),
    )
    async def goals(
        self, info: Info, cycle: strawberry.ID, first: int | None = None, after: str | None = None
    ) -> Connection[Goal]:
        ctx = info.context
        page = await goals.goal_page(
            ctx.session,
            ctx.caller,
            required_id(cycle),
            first=first,
            after=after,
            page_cap=ctx.settings.max_page_size,
        )
        return Connection[Goal].from_page(page, Goal.from_view)

    @strawberry.field(
        description="Top-down allocation against bottom-up proposals under a goal, per owner.",
        extensions=requires(Permission.GOAL_READ),
    )
    async def goal_gap_report(self, info: Info, goal: strawberry.ID) -> GapReport:
        view = await goals.goal_gap_report(
            info.context.session, info.context.caller, required_id(goal)
        )
        return GapReport.from_view(view)
