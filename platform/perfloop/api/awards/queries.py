"""Award and annual summary queries."""

from __future__ import annotations

import strawberry

from perfloop.api.awards.types import AnnualResult, Award
from perfloop.api.core.context import Info
from perfloop.api.core.inputs import as_id, required_id
from perfloop.api.core.pagination import Connection
from perfloop.api.core.permissions import requires
from perfloop.authz import Permission
from perfloop.services import awards


@strawberry.type
class AwardsQueries:
    @strawberry.field(
        description=(
            "The cycle's award winners (one per award and org unit), by award and unit: "
            "the announced ones for everyone with award.read, and for HR (award.manage) "
            "the preview of the units not announced yet, computed now from the published "
            "results as the scoring template's `awards` say. `award`: that award's key; "
            "`orgUnit`: the units at or below it."
        ),
        extensions=requires(Permission.AWARD_READ),
    )
    async def awards(
        self,
        info: Info,
        cycle: strawberry.ID,
        award: str | None = None,
        org_unit: strawberry.ID | None = None,
    ) -> list[Award]:
        ctx = info.context
        views = await awards.awards(
            ctx.session, ctx.caller, required_id(cycle), award_key=award,
            org_unit_id=as_id(org_unit),
        )  # fmt: skip
        return [Award.from_view(v) for v in views]

    @strawberry.field(
        description=(
            "Each person's annual result of a summary cycle (the year of a quarterly "
            "template) that you may read, by employee number: from their periods' published "
            "results as the cycle template's summary says (combine, weights, missing), "
            "rated by their scoring template. Read like results (result.read scope)."
        ),
        extensions=requires(Permission.RESULT_READ),
    )
    async def annual_results(
        self,
        info: Info,
        cycle: strawberry.ID,
        org_unit: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AnnualResult]:
        ctx = info.context
        page = await awards.annual_results(
            ctx.session, ctx.caller, required_id(cycle), org_unit_id=as_id(org_unit),
            first=first, after=after, page_cap=ctx.settings.max_page_size,
        )  # fmt: skip
        return Connection[AnnualResult].from_page(page, AnnualResult.from_view)

    @strawberry.field(
        description=(
            "One person's annual result of a summary cycle; null when out of reach or "
            "without any published period result (as `result`)."
        ),
        extensions=requires(Permission.RESULT_READ),
    )
    async def annual_result(
        self, info: Info, cycle: strawberry.ID, employee: strawberry.ID
    ) -> AnnualResult | None:
        employee_id = as_id(employee)
        if employee_id is None:
            return None
        view = await awards.annual_result(
            info.context.session, info.context.caller, required_id(cycle), employee_id
        )
        return AnnualResult.from_view(view) if view is not None else None
