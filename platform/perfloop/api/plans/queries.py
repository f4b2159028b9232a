"""Plans queries: goals, scorecards, the team view, check-ins and reports."""

from __future__ import annotations

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.permissions import requires
from perfloop.api.plans.types import Checkin, GapReport, Goal, ReportDimension, ReportRow, Scorecard
from perfloop.authz import Permission
from perfloop.services import goals
from perfloop.services.plans import actuals, reads, reports


def _id(value: strawberry.ID) -> int:
    try:
        return int(value)
    except ValueError:
        return -1  # an id that matches nothing: answers like a missing object


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
        view = await reads.get_scorecard(
            info.context.session, info.context.caller, _id(employee), _id(cycle)
        )
        return Scorecard.from_view(view) if view else None

    @strawberry.field(
        description=(
            "Every plan of the cycle you may read: a manager's team, a head's unit, HR's tenant."
        ),
        extensions=requires(Permission.SCORECARD_READ),
    )
    async def team_scorecards(self, info: Info, cycle: strawberry.ID) -> list[Scorecard]:
        views = await reads.team_scorecards(info.context.session, info.context.caller, _id(cycle))
        return [Scorecard.from_view(v) for v in views]

    @strawberry.field(
        description="Check-ins on a plan, newest first.",
        extensions=requires(Permission.SCORECARD_READ),
    )
    async def checkins(self, info: Info, scorecard: strawberry.ID) -> list[Checkin]:
        rows = await actuals.list_checkins(
            info.context.session, info.context.caller, _id(scorecard)
        )
        return [Checkin.from_row(r) for r in rows]

    @strawberry.field(
        description=(
            "The cycle's goal tree (flat, by parentId) with coverage and rolled-up progress."
        ),
        extensions=requires(Permission.GOAL_READ),
    )
    async def goals(self, info: Info, cycle: strawberry.ID) -> list[Goal]:
        views = await goals.list_goals(info.context.session, info.context.caller, _id(cycle))
        return [Goal.from_view(v) for v in views]

    @strawberry.field(
        description="Top-down allocation against bottom-up proposals under a goal, per owner.",
        extensions=requires(Permission.GOAL_READ),
    )
    async def goal_gap_report(self, info: Info, goal: strawberry.ID) -> GapReport:
        view = await goals.goal_gap_report(info.context.session, info.context.caller, _id(goal))
        return GapReport.from_view(view)

    @strawberry.field(
        description="Plan items of a cycle aggregated by org unit, indicator and/or period.",
        extensions=requires(Permission.REPORT_READ),
    )
    async def plan_report(
        self, info: Info, cycle: strawberry.ID, group_by: list[ReportDimension]
    ) -> list[ReportRow]:
        rows = await reports.plan_report(
            info.context.session, info.context.caller, _id(cycle), [d.value for d in group_by]
        )
        return [ReportRow.from_view(r) for r in rows]
