"""Review queries: assignments, one assignment, a subject's summary, an external link's form."""

from __future__ import annotations

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.inputs import as_id, required_id
from perfloop.api.core.pagination import Connection
from perfloop.api.core.permissions import requires
from perfloop.api.reviews.types import ExternalReviewForm, ReviewAssignment, ReviewSummary
from perfloop.authz import Permission
from perfloop.services import reviews


@strawberry.type
class ReviewsQueries:
    @strawberry.field(
        description=(
            "The cycle's review assignments the caller may read, by id: their own forms, and "
            "those about people in their review.read scope (a subject never sees the peer, "
            "subordinate and customer assignments about themself). `mine`: the forms the "
            "caller fills in; `unanswered`: those still waiting (who has not answered yet)."
        ),
        extensions=requires(Permission.REVIEW_WRITE),
    )
    async def review_assignments(
        self,
        info: Info,
        cycle: strawberry.ID,
        stage: str | None = None,
        subject: strawberry.ID | None = None,
        mine: bool | None = None,
        unanswered: bool | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ReviewAssignment]:
        ctx = info.context
        page = await reviews.assignment_page(
            ctx.session, ctx.caller, required_id(cycle), stage=stage, subject_id=as_id(subject),
            mine=bool(mine), unanswered=bool(unanswered), first=first, after=after,
            page_cap=ctx.settings.max_page_size,
        )  # fmt: skip
        return Connection[ReviewAssignment].from_page(page, ReviewAssignment.from_view)

    @strawberry.field(
        description="One review assignment, if the caller may read it (as reviewAssignments).",
        extensions=requires(Permission.REVIEW_WRITE),
    )
    async def review_assignment(self, info: Info, id: strawberry.ID) -> ReviewAssignment | None:
        view = await reviews.get_assignment(
            info.context.session, info.context.caller, as_id(id) or -1
        )
        return ReviewAssignment.from_view(view) if view else None

    @strawberry.field(
        description=(
            "A subject's review part in a cycle: per relation, and combined by the scoring "
            "template's relation weights. Null outside the caller's review.read scope."
        ),
        extensions=requires(Permission.REVIEW_READ),
    )
    async def review_summary(
        self, info: Info, cycle: strawberry.ID, subject: strawberry.ID
    ) -> ReviewSummary | None:
        view = await reviews.review_summary(
            info.context.session, info.context.caller, required_id(cycle), required_id(subject)
        )
        return ReviewSummary.from_view(view) if view else None

    @strawberry.field(
        description=(
            "The one form an external rater's link reaches; no account needed. An unknown, "
            "expired or used link is NOT_FOUND."
        )
    )
    async def external_review_form(self, info: Info, token: str) -> ExternalReviewForm:
        view = await reviews.external_form(info.context.session, token)
        return ExternalReviewForm.from_view(view)
