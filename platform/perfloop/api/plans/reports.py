"""The plan report: plan items aggregated by org unit, indicator and/or period."""

from __future__ import annotations

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.inputs import required_id
from perfloop.api.core.pagination import Connection
from perfloop.api.core.permissions import requires
from perfloop.api.plans.types import ReportDimension, ReportRow
from perfloop.authz import Permission
from perfloop.services import plans


@strawberry.type
class PlanReportQueries:
    @strawberry.field(
        description=(
            "Plan items of a cycle aggregated by org unit, indicator and/or period; rows "
            "by org unit id, indicator key, then period."
        ),
        extensions=requires(Permission.REPORT_READ),
    )
    async def plan_report(
        self,
        info: Info,
        cycle: strawberry.ID,
        group_by: list[ReportDimension],
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ReportRow]:
        ctx = info.context
        page = await plans.plan_report(
            ctx.session,
            ctx.caller,
            required_id(cycle),
            [d.value for d in group_by],
            first=first,
            after=after,
            page_cap=ctx.settings.max_page_size,
        )
        return Connection[ReportRow].from_page(page, ReportRow.from_view)
