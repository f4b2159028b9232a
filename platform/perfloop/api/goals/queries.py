"""Goal queries: the goal tree and the gap report."""

from __future__ import annotations

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.inputs import required_id
from perfloop.api.core.permissions import requires
from perfloop.api.goals.types import GapReport, Goal
from perfloop.authz import Permission
from perfloop.services import goals


@strawberry.type
class GoalsQueries:
    @strawberry.field(
        description=(
            "The cycle's goal tree (flat, by parentId) with coverage and rolled-up progress."
        ),
        extensions=requires(Permission.GOAL_READ),
    )
    async def goals(self, info: Info, cycle: strawberry.ID) -> list[Goal]:
        views = await goals.list_goals(
            info.context.session, info.context.caller, required_id(cycle)
        )
        return [Goal.from_view(v) for v in views]

    @strawberry.field(
        description="Top-down allocation against bottom-up proposals under a goal, per owner.",
        extensions=requires(Permission.GOAL_READ),
    )
    async def goal_gap_report(self, info: Info, goal: strawberry.ID) -> GapReport:
        view = await goals.goal_gap_report(
            info.context.session, info.context.caller, required_id(goal)
        )
        return GapReport.from_view(view)
