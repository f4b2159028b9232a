"""Improvement queries: a cycle's improvement plans, one plan, candidate lists and
training needs."""

from __future__ import annotations

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.inputs import required_id
from perfloop.api.core.pagination import Connection
from perfloop.api.core.permissions import requires
from perfloop.api.improvement.types import (
    Candidate,
    CandidateList,
    CandidateStatus,
    ImprovementPlan,
    ImprovementStatus,
    TrainingNeed,
)
from perfloop.authz import Permission
from perfloop.services import improvement


@strawberry.type
class ImprovementQueries:
    @strawberry.field(
        description=(
            "The improvement plans opened by the cycle's results that you may read, by "
            "employee number: your own, your team's, your subtree's, or everyone's (HR)."
        ),
        extensions=requires(Permission.IMPROVEMENT_READ),
    )
    async def improvement_plans(
        self,
        info: Info,
        cycle: strawberry.ID,
        status: ImprovementStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ImprovementPlan]:
        ctx = info.context
        page = await improvement.plan_page(
            ctx.session, ctx.caller, required_id(cycle),
            status=status.value if status is not None else None, first=first, after=after,
            page_cap=ctx.settings.max_page_size,
        )  # fmt: skip
        return Connection[ImprovementPlan].from_page(page, ImprovementPlan.from_view)

    @strawberry.field(
        description="One improvement plan with its check-ins; null when missing or out of reach.",
        extensions=requires(Permission.IMPROVEMENT_READ),
    )
    async def improvement_plan(self, info: Info, id: strawberry.ID) -> ImprovementPlan | None:
        ctx = info.context
        view = await improvement.get_plan(ctx.session, ctx.caller, required_id(id))
        return ImprovementPlan.from_view(view) if view is not None else None

    @strawberry.field(
        description="The candidate lists the cycle's app defines, with their entries by status.",
        extensions=requires(Permission.CANDIDATE_READ),
    )
    async def candidate_lists(self, info: Info, cycle: strawberry.ID) -> list[CandidateList]:
        ctx = info.context
        views = await improvement.candidate_lists(ctx.session, ctx.caller, required_id(cycle))
        return [CandidateList.from_view(v) for v in views]

    @strawberry.field(
        description=(
            "The people on the cycle's candidate lists (`list`: one list; `status`: one "
            "status), each with the reason in zh-CN and en, by list then employee number."
        ),
        extensions=requires(Permission.CANDIDATE_READ),
    )
    async def candidates(
        self,
        info: Info,
        cycle: strawberry.ID,
        list: str | None = None,
        status: CandidateStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Candidate]:
        ctx = info.context
        page = await improvement.candidate_page(
            ctx.session, ctx.caller, required_id(cycle), list_key=list,
            status=status.value if status is not None else None, first=first, after=after,
            page_cap=ctx.settings.max_page_size,
        )  # fmt: skip
        return Connection[Candidate].from_page(page, Candidate.from_view)

    @strawberry.field(
        description=(
            "Training needs of the cycle by topic: the people on a training list (not "
            "removed) or with an improvement plan naming the topic, most people first."
        ),
        extensions=requires(Permission.CANDIDATE_READ),
    )
    async def training_needs(self, info: Info, cycle: strawberry.ID) -> list[TrainingNeed]:
        ctx = info.context
        needs = await improvement.training_needs(ctx.session, ctx.caller, required_id(cycle))
        return [TrainingNeed(topic=n.topic, people=n.people, from_lists=n.from_lists,
                             from_plans=n.from_plans) for n in needs]  # fmt: skip
