"""Result queries: a cycle's results in the caller's scope, one person's result, a
unit's calibration."""

from __future__ import annotations

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.inputs import as_id, required_id
from perfloop.api.core.pagination import Connection
from perfloop.api.core.permissions import requires
from perfloop.api.results.types import Calibration, PerformanceResult, ResultStatus
from perfloop.authz import Permission
from perfloop.services import results


@strawberry.type
class ResultsQueries:
    @strawberry.field(
        description=(
            "Each person's latest result of the cycle that you may read, by employee "
            "number: published results in your result.read scope (yourself, your team, "
            "your subtree, the company), and drafts only with result.manage (HR). "
            "`orgUnit`: people placed in that unit's subtree; `status`: that status only."
        ),
        extensions=requires(Permission.RESULT_READ),
    )
    async def results(
        self,
        info: Info,
        cycle: strawberry.ID,
        org_unit: strawberry.ID | None = None,
        status: ResultStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[PerformanceResult]:
        ctx = info.context
        page = await results.result_page(
            ctx.session, ctx.caller, required_id(cycle), org_unit_id=as_id(org_unit),
            status=status.value if status is not None else None, first=first, after=after,
            page_cap=ctx.settings.max_page_size,
        )  # fmt: skip
        return Connection[PerformanceResult].from_page(page, PerformanceResult.from_view)

    @strawberry.field(
        description=(
            "One person's result of the cycle: `version`, or the latest you may read; null "
            "when missing or out of reach (as `results`)."
        ),
        extensions=requires(Permission.RESULT_READ),
    )
    async def result(
        self,
        info: Info,
        cycle: strawberry.ID,
        employee: strawberry.ID,
        version: int | None = None,
    ) -> PerformanceResult | None:
        employee_id = as_id(employee)
        if employee_id is None:
            return None
        view = await results.get_result(
            info.context.session, info.context.caller, required_id(cycle), employee_id, version
        )
        return PerformanceResult.from_view(view) if view is not None else None

    @strawberry.field(
        description=(
            "The rating distribution of the people in `orgUnit`'s subtree (or all you may "
            "calibrate), over each person's latest result (drafts included), per scoring "
            "template and band, against the template's target distribution (over/under), "
            "with the people in each band. Needs result.calibrate (HR): null without it, "
            "as for an object out of reach."
        ),
        extensions=requires(Permission.RESULT_READ),
    )
    async def calibration(
        self, info: Info, cycle: strawberry.ID, org_unit: strawberry.ID | None = None
    ) -> Calibration | None:
        ctx = info.context
        view = await results.calibration(
            ctx.session, ctx.caller, required_id(cycle), as_id(org_unit)
        )
        return Calibration.from_view(view) if view is not None else None
