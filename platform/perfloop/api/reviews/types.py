"""Review assignments, summaries, external links and their payloads as GraphQL types."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import strawberry

from perfloop.api.core.errors import UserError, user_errors
from perfloop.api.core.scalars import JSON
from perfloop.services import reviews

if TYPE_CHECKING:
    from perfloop.services.core.errors import ServiceError


def _json(value: Mapping[str, Any] | None) -> JSON | None:
    return JSON(dict(value)) if value is not None else None


def _id(value: int | None) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value is not None else None


@strawberry.type(description="A form one rater fills in about one subject at a stage of a cycle.")
class ReviewAssignment:
    id: strawberry.ID
    cycle_id: strawberry.ID
    stage: str
    form: str = strawberry.field(description="The form template, key@version.")
    relation: str = strawberry.field(
        description="The rater's relation to the subject: self, manager, peer, subordinate, "
        "customer."
    )
    required: bool
    subject_id: strawberry.ID
    subject_name: str
    rater_id: strawberry.ID | None = strawberry.field(description="Null for an external rater.")
    rater_name: str
    external: bool
    status: str = strawberry.field(
        description="proposed (a peer awaiting approval), rejected, pending, draft or submitted."
    )
    answers: JSON | None
    score: float | None = strawberry.field(
        description="The rating (0-100) by the form's score rule, once submitted."
    )
    revision: int
    submitted_at: dt.datetime | None

    @classmethod
    def from_view(cls, v: reviews.AssignmentView) -> ReviewAssignment:
        return cls(
            id=strawberry.ID(str(v.id)),
            cycle_id=strawberry.ID(str(v.cycle_id)),
            stage=v.stage,
            form=v.form,
            relation=v.relation,
            required=v.required,
            subject_id=strawberry.ID(str(v.subject_id)),
            subject_name=v.subject_name,
            rater_id=_id(v.rater_id),
            rater_name=v.rater_name,
            external=v.external,
            status=v.status,
            answers=_json(v.answers),
            score=v.score,
            revision=v.revision,
            submitted_at=v.submitted_at,
        )


@strawberry.type(description="One relation of a subject's review part.")
class ReviewRelation:
    relation: str
    weight: float | None = strawberry.field(description="The scoring template's weight.")
    score: float | None = strawberry.field(
        description="The relation's score; null without answers or while hidden."
    )
    answered: int
    assigned: int
    minimum: int | None = strawberry.field(
        description="Answers an anonymous relation needs before its subject sees it."
    )
    hidden: bool
    averages: JSON | None = strawberry.field(
        description="The mean of each numeric answer field; null while hidden."
    )


@strawberry.type(description="A subject's review part in a cycle, by relation.")
class ReviewSummary:
    cycle_id: strawberry.ID
    subject_id: strawberry.ID
    score: float | None = strawberry.field(
        description="Combined by the relation weights; null without answers or while an "
        "anonymous relation is below its minimum (for the subject)."
    )
    hidden: bool
    relations: list[ReviewRelation]

    @classmethod
    def from_view(cls, v: reviews.SummaryView) -> ReviewSummary:
        return cls(
            cycle_id=strawberry.ID(str(v.cycle_id)),
            subject_id=strawberry.ID(str(v.subject_id)),
            score=v.score,
            hidden=v.hidden,
            relations=[
                ReviewRelation(
                    relation=r.relation,
                    weight=r.weight,
                    score=r.score,
                    answered=r.answered,
                    assigned=r.assigned,
                    minimum=r.minimum,
                    hidden=r.hidden,
                    averages=_json(r.averages),
                )
                for r in v.relations
            ],
        )


@strawberry.type(description="The one form an external rater's link reaches.")
class ExternalReviewForm:
    subject_name: str
    rater_name: str
    form: str
    template: JSON = strawberry.field(description="The form template (answers, uiSchema).")
    answers: JSON | None = strawberry.field(description="A draft saved earlier, if any.")
    expires_at: dt.datetime

    @classmethod
    def from_view(cls, v: reviews.ExternalForm) -> ExternalReviewForm:
        return cls(
            subject_name=v.subject_name,
            rater_name=v.assignment.external_name or "",
            form=v.assignment.form_ref,
            template=JSON(dict(v.form)),
            answers=_json(v.assignment.answers),
            expires_at=v.expires_at,
        )


def _form_errors(exc: ServiceError) -> dict[str, Any] | None:
    return exc.extra_errors if isinstance(exc, reviews.AnswersInvalid) else None


@strawberry.type
class CreateReviewAssignmentsPayload:
    created: int = 0
    total: int = 0
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ReviewAssignmentPayload:
    assignment: ReviewAssignment | None = None
    form_errors: JSON | None = strawberry.field(
        default=None,
        description="The answers' problems by field, in react-jsonschema-form's extraErrors "
        'shape: {"overall_rating": {"__errors": ["..."]}}.',
    )
    errors: list[UserError] = strawberry.field(default_factory=list)

    @classmethod
    def from_service_error(cls, exc: ServiceError) -> ReviewAssignmentPayload:
        return cls(errors=user_errors(exc), form_errors=_json(_form_errors(exc)))


@strawberry.type
class PeersPayload:
    assignments: list[ReviewAssignment] = strawberry.field(default_factory=list)
    minimum: int | None = strawberry.field(
        default=None, description="How many peers the stage's form asks for."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class InviteExternalReviewerPayload:
    assignment: ReviewAssignment | None = None
    token: str | None = strawberry.field(
        default=None,
        description="The link's secret, shown once: send it to the rater "
        "(externalReviewForm, submitExternalReview).",
    )
    expires_at: dt.datetime | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SubmitExternalReviewPayload:
    submitted: bool = False
    form_errors: JSON | None = strawberry.field(
        default=None, description="As in ReviewAssignmentPayload."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)

    @classmethod
    def from_service_error(cls, exc: ServiceError) -> SubmitExternalReviewPayload:
        return cls(errors=user_errors(exc), form_errors=_json(_form_errors(exc)))
