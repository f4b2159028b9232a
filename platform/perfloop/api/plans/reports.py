"""The plan report: plan items aggregated by org unit, indicator and/or period."""

from __future__ import annotations

from typing import Annotated

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.inputs import required_id
from perfloop.api.core.pagination import Connection
from perfloop.api.core.permissions import requires
from perfloop.api.plans.types import RelativePeriod, ReportDimension, ReportRow
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
        compare_with: Annotated[
            RelativePeriod | None,
            strawberry.argument(
                description="Add each row's same group in the previous cycle or a year ago."
            ),
        ] = None,
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
            compare_with=compare_with.value if compare_with is not None else None,
        )
        return Connection[ReportRow].from_page(page, ReportRow.from_view)
