"""Review mutations: assignments, peers, answers, reopening, external raters."""

from __future__ import annotations

from typing import TYPE_CHECKING

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.inputs import required_id
from perfloop.api.core.payloads import mutation
from perfloop.api.core.scalars import JSONObject
from perfloop.api.reviews.types import (
    CreateReviewAssignmentsPayload,
    InviteExternalReviewerPayload,
    PeersPayload,
    ReviewAssignment,
    ReviewAssignmentPayload,
    SubmitExternalReviewPayload,
)
from perfloop.authz import Permission
from perfloop.services import reviews

if TYPE_CHECKING:
    from perfloop.store.reviews import ReviewAssignment as Row


async def _payload(info: Info, row: Row) -> ReviewAssignmentPayload:
    view = await reviews.assignment_view(info.context.session, row)
    return ReviewAssignmentPayload(assignment=ReviewAssignment.from_view(view))


@strawberry.type
class ReviewsMutations:
    @mutation(
        description=(
            "Create the self, manager and subordinate review assignments of a cycle stage from "
            "its forms and the org chart; a repeated call creates only what is missing."
        ),
        permission=Permission.REVIEW_MANAGE,
    )
    async def create_review_assignments(
        self, info: Info, cycle: strawberry.ID, stage: str
    ) -> CreateReviewAssignmentsPayload:
        ctx = info.context
        result = await reviews.create_assignments(
            ctx.session, ctx.caller, required_id(cycle), stage
        )
        return CreateReviewAssignmentsPayload(created=result.created, total=result.total)

    @mutation(
        description="Choose a subject's peer reviewers (their manager, a head above, or HR).",
        permission=Permission.REVIEW_ASSIGN,
    )
    async def choose_peers(
        self,
        info: Info,
        cycle: strawberry.ID,
        stage: str,
        subject: strawberry.ID,
        peers: list[strawberry.ID],
    ) -> PeersPayload:
        ctx = info.context
        result = await reviews.choose_peers(
            ctx.session, ctx.caller, required_id(cycle), stage, required_id(subject),
            [required_id(p) for p in peers],
        )  # fmt: skip
        views = await reviews.assignment_views(ctx.session, result.assignments)
        return PeersPayload(
            assignments=[ReviewAssignment.from_view(v) for v in views], minimum=result.minimum
        )

    @mutation(
        description="Propose one's own peer reviewers; the manager approves or rejects each.",
        permission=Permission.REVIEW_PROPOSE,
    )
    async def propose_peers(
        self, info: Info, cycle: strawberry.ID, stage: str, peers: list[strawberry.ID]
    ) -> PeersPayload:
        ctx = info.context
        result = await reviews.propose_peers(
            ctx.session, ctx.caller, required_id(cycle), stage, [required_id(p) for p in peers]
        )
        views = await reviews.assignment_views(ctx.session, result.assignments)
        return PeersPayload(
            assignments=[ReviewAssignment.from_view(v) for v in views], minimum=result.minimum
        )

    @mutation(
        description="Approve or reject a proposed peer reviewer.",
        permission=Permission.REVIEW_ASSIGN,
    )
    async def decide_peer_proposal(
        self, info: Info, assignment: strawberry.ID, approve: bool
    ) -> ReviewAssignmentPayload:
        ctx = info.context
        row = await reviews.decide_proposal(
            ctx.session, ctx.caller, required_id(assignment), approve
        )
        return await _payload(info, row)

    @mutation(
        description=(
            "Save a draft of one's review answers (required fields may still be missing). "
            "expectedRevision, when sent, must be the revision read (CONFLICT otherwise)."
        ),
        permission=Permission.REVIEW_WRITE,
    )
    async def save_review_draft(
        self,
        info: Info,
        assignment: strawberry.ID,
        answers: JSONObject,
        expected_revision: int | None = None,
    ) -> ReviewAssignmentPayload:
        ctx = info.context
        row = await reviews.save_answers(
            ctx.session, ctx.caller, required_id(assignment), answers, submit=False,
            expected_revision=expected_revision,
        )  # fmt: skip
        return await _payload(info, row)

    @mutation(
        description=(
            "Submit one's review answers, validated against the form; once. Problems come "
            "back per field (errors with paths, formErrors for a form renderer)."
        ),
        permission=Permission.REVIEW_WRITE,
    )
    async def submit_review(
        self,
        info: Info,
        assignment: strawberry.ID,
        answers: JSONObject,
        expected_revision: int | None = None,
    ) -> ReviewAssignmentPayload:
        ctx = info.context
        row = await reviews.save_answers(
            ctx.session, ctx.caller, required_id(assignment), answers, submit=True,
            expected_revision=expected_revision,
        )  # fmt: skip
        return await _payload(info, row)

    @mutation(
        description="Reopen a submitted review (HR), with a reason; audited.",
        permission=Permission.REVIEW_MANAGE,
    )
    async def reopen_review(
        self, info: Info, assignment: strawberry.ID, reason: str
    ) -> ReviewAssignmentPayload:
        ctx = info.context
        row = await reviews.reopen(ctx.session, ctx.caller, required_id(assignment), reason)
        return await _payload(info, row)

    @mutation(
        description=(
            "Invite a customer or other external rater to review a subject: returns the "
            "signed, expiring, single-use link token (shown once)."
        ),
        permission=Permission.REVIEW_ASSIGN,
    )
    async def invite_external_reviewer(
        self,
        info: Info,
        cycle: strawberry.ID,
        stage: str,
        subject: strawberry.ID,
        name: str,
        email: str,
        ttl_days: int = reviews.DEFAULT_TTL_DAYS,
    ) -> InviteExternalReviewerPayload:
        ctx = info.context
        invitation = await reviews.invite_external(
            ctx.session, ctx.caller, required_id(cycle), stage, required_id(subject), name,
            email, ttl_days,
        )  # fmt: skip
        view = await reviews.assignment_view(ctx.session, invitation.assignment)
        return InviteExternalReviewerPayload(
            assignment=ReviewAssignment.from_view(view),
            token=invitation.token,
            expires_at=invitation.expires_at,
        )

    @mutation(
        description=(
            "Submit an external rater's answers through their link; no account needed. The "
            "link is spent: a second submission is refused."
        ),
        permission=None,
    )
    async def submit_external_review(
        self, info: Info, token: str, answers: JSONObject
    ) -> SubmitExternalReviewPayload:
        await reviews.submit_external(info.context.session, token, answers)
        return SubmitExternalReviewPayload(submitted=True)
