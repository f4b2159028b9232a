"""Plan queries: one scorecard, the team view and check-ins."""

from __future__ import annotations

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.inputs import required_id
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
            "Every plan of the cycle you may read: a manager's team, a head's unit, HR's tenant."
        ),
        extensions=requires(Permission.SCORECARD_READ),
    )
    async def team_scorecards(self, info: Info, cycle: strawberry.ID) -> list[Scorecard]:
        views = await plans.team_scorecards(
            info.context.session, info.context.caller, required_id(cycle)
        )
        return [Scorecard.from_view(v) for v in views]

    @strawberry.field(
        description="Check-ins on a plan, newest first.",
        extensions=requires(Permission.SCORECARD_READ),
    )
    async def checkins(self, info: Info, scorecard: strawberry.ID) -> list[Checkin]:
        rows = await plans.list_checkins(
            info.context.session, info.context.caller, required_id(scorecard)
        )
        return [Checkin.from_row(r) for r in rows]
