"""Result queries: a cycle's results in the caller's scope, one person's result, a
unit's calibration."""

from __future__ import annotations

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.inputs import as_id, required_id
from perfloop.api.core.pagination import Connection
from perfloop.api.core.permissions import requires
from perfloop.api.core.scalars import JSONObject
from perfloop.api.results.types import Calibration, PerformanceResult, ResultStatus
from perfloop.api.results.whatif import WhatIf
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

    @strawberry.field(
        description=(
            "The cycle's results as they would be with a modified scoring template "
            "(`scoring`: a whole scoring template document, checked as publishing checks "
            "it) or modified parameters (`parameters`: merged into the installed ones — "
            "weights, thresholds, bands, tiers, relation weights), compared with the "
            "current results (the stored latest result, else the current template's "
            "score): people per band and the mean before and after, and the people who "
            "move, by absolute change (the first `first`, default 50, at most 1000). "
            "Nothing is stored. For HR; `orgUnit`: that unit's subtree. A bad template "
            "or parameter is a TEMPLATE_INVALID error naming its JSON pointer."
        ),
        extensions=requires(Permission.RESULT_MANAGE),
    )
    async def what_if(
        self,
        info: Info,
        cycle: strawberry.ID,
        scoring: JSONObject | None = None,
        parameters: JSONObject | None = None,
        org_unit: strawberry.ID | None = None,
        first: int | None = None,
    ) -> WhatIf:
        ctx = info.context
        answer = await results.what_if(
            ctx.session, ctx.caller, required_id(cycle), scoring=scoring, parameters=parameters,
            org_unit_id=as_id(org_unit), first=first, max_bytes=ctx.settings.max_document_bytes,
        )  # fmt: skip
        return WhatIf.from_view(answer)
