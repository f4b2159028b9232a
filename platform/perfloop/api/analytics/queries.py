"""Analytics queries: trends across cycles, a plan compared with an earlier one, a
cycle's dashboard."""

from __future__ import annotations

from typing import Annotated

import strawberry

from perfloop.api.analytics.types import Dashboard, ScorecardComparison, TrendPoint, TrendSubject
from perfloop.api.core.context import Info
from perfloop.api.core.inputs import as_id, required_id
from perfloop.api.core.permissions import requires
from perfloop.api.plans.types import RelativePeriod
from perfloop.authz import Permission
from perfloop.services import analytics


@strawberry.type
class AnalyticsQueries:
    @strawberry.field(
        description=(
            "One point per cycle, oldest first, for a person, an org unit's subtree or an "
            "indicator: the plan items' numbers (as planReport), the published results "
            "and the change on the point before. Name the cycles, or one cycle and how "
            "many before it (last, default 4; at most 24)."
        ),
        extensions=requires(Permission.REPORT_READ),
    )
    async def trend(
        self,
        info: Info,
        subject: TrendSubject,
        cycles: list[strawberry.ID] | None = None,
        cycle: strawberry.ID | None = None,
        last: int | None = None,
    ) -> list[TrendPoint]:
        ctx = info.context
        points = await analytics.trend(
            ctx.session, ctx.caller, subject.to_service(),
            cycle_ids=[required_id(c) for c in cycles] if cycles is not None else None,
            cycle_id=as_id(cycle), last=last,
        )  # fmt: skip
        return [TrendPoint.of(p) for p in points]

    @strawberry.field(
        description=(
            "A person's plan next to their plan of the previous cycle (or a year ago), "
            "item by item; null when the plan is missing or out of reach."
        ),
        extensions=requires(Permission.SCORECARD_READ),
    )
    async def scorecard_comparison(
        self,
        info: Info,
        cycle: strawberry.ID,
        employee: strawberry.ID,
        compare_with: RelativePeriod = RelativePeriod.PREVIOUS,
    ) -> ScorecardComparison | None:
        ctx = info.context
        found = await analytics.scorecard_comparison(
            ctx.session, ctx.caller, required_id(cycle), required_id(employee), compare_with.value
        )
        return ScorecardComparison.of(found) if found is not None else None

    @strawberry.field(
        description=(
            "A cycle's aggregates for an org unit's subtree (or the company): progress "
            "against plan, completion by indicator, published results by band (and per "
            "child unit), the top and bottom `ranked` people by published total."
        ),
        extensions=requires(Permission.REPORT_READ),
    )
    async def dashboard(
        self,
        info: Info,
        cycle: strawberry.ID,
        org_unit: strawberry.ID | None = None,
        ranked: Annotated[
            int, strawberry.argument(description="How many top and bottom people (0 to 100).")
        ] = 5,
    ) -> Dashboard:
        ctx = info.context
        board = await analytics.dashboard(
            ctx.session, ctx.caller, required_id(cycle), org_unit_id=as_id(org_unit), ranked=ranked
        )
        return Dashboard.of(board)
