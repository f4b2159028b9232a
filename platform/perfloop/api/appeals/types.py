"""Appeals, their trail, feedback meetings and their payloads as GraphQL types."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from enum import Enum
from typing import TYPE_CHECKING, Any

import strawberry

from perfloop.api.core.errors import UserError, user_errors
from perfloop.api.core.scalars import JSON
from perfloop.services import appeals, reviews

if TYPE_CHECKING:
    from perfloop.services.core.errors import ServiceError


def _json(value: Mapping[str, Any] | None) -> JSON | None:
    return JSON(dict(value)) if value is not None else None


@strawberry.enum(description="open: filed and assigned; decided: upheld or adjusted.")
class AppealStatus(Enum):
    OPEN = "open"
    DECIDED = "decided"


@strawberry.enum(description="UPHELD: the result stands; ADJUSTED: a new published result version.")
class AppealDecision(Enum):
    UPHELD = "upheld"
    ADJUSTED = "adjusted"


@strawberry.type(description="One step of an appeal's trail.")
class AppealTrailEntry:
    event: str = strawberry.field(description="filed, assigned or decided.")
    by: str = strawberry.field(description="Who (a name; HR for an appeal HR decides).")
    at: dt.datetime
    note: str | None
    before: JSON | None = strawberry.field(
        description="The result before a decision: version, parts, total, rating, "
        "multiplier, actuals by item."
    )
    after: JSON | None = strawberry.field(description="The result after a decision.")


@strawberry.type(description="An appeal (申诉) against a published result.")
class Appeal:
    id: strawberry.ID
    cycle_id: strawberry.ID
    employee_id: strawberry.ID
    employee_name: str
    result_version: int = strawberry.field(description="The published version appealed.")
    form: str = strawberry.field(description="The appeal form template, key@version.")
    answers: JSON
    status: AppealStatus
    reviewer_rule: str = strawberry.field(
        description="The cycle template's rule that assigned it: manager-of-manager or hr."
    )
    reviewer_id: strawberry.ID | None = strawberry.field(
        description="The employee who decides it; null: HR decides."
    )
    reviewer_name: str | None
    filed_at: dt.datetime
    decision: AppealDecision | None
    reason: str | None
    decided_by: str | None
    decided_at: dt.datetime | None
    before: JSON | None
    after: JSON | None
    new_version: int | None = strawberry.field(
        description="The result version an adjustment published."
    )
    revision: int = strawberry.field(description="State it when deciding (expectedRevision).")
    trail: list[AppealTrailEntry]

    @classmethod
    def from_view(cls, v: appeals.AppealView) -> Appeal:
        return cls(
            id=strawberry.ID(str(v.id)), cycle_id=strawberry.ID(str(v.cycle_id)),
            employee_id=strawberry.ID(str(v.employee_id)), employee_name=v.employee_name,
            result_version=v.result_version, form=v.form, answers=JSON(dict(v.answers)),
            status=AppealStatus(v.status), reviewer_rule=v.reviewer_rule,
            reviewer_id=strawberry.ID(str(v.reviewer_id)) if v.reviewer_id else None,
            reviewer_name=v.reviewer_name, filed_at=v.filed_at,
            decision=AppealDecision(v.decision) if v.decision else None, reason=v.reason,
            decided_by=v.decided_by, decided_at=v.decided_at, before=_json(v.before),
            after=_json(v.after), new_version=v.new_version, revision=v.revision,
            trail=[
                AppealTrailEntry(event=t.event, by=t.by, at=t.at, note=t.note,
                                 before=_json(t.before), after=_json(t.after))
                for t in v.trail
            ],
        )  # fmt: skip


@strawberry.input(description="An item's actual as the decision sets it (null clears it).")
class ActualAdjustmentInput:
    item: str = strawberry.field(description="The item's key in the result.")
    actual: float | None = None


@strawberry.type
class AppealPayload:
    appeal: Appeal | None = None
    form_errors: JSON | None = strawberry.field(
        default=None,
        description="The answers' problems by field, in react-jsonschema-form's extraErrors "
        "shape (as in ReviewAssignmentPayload).",
    )
    errors: list[UserError] = strawberry.field(default_factory=list)

    @classmethod
    def from_service_error(cls, exc: ServiceError) -> AppealPayload:
        extra = exc.extra_errors if isinstance(exc, reviews.AnswersInvalid) else None
        return cls(errors=user_errors(exc), form_errors=_json(extra))


@strawberry.type(description="An action agreed at a feedback meeting.")
class AgreedAction:
    title: str
    owner: str | None
    due: dt.date | None


@strawberry.input
class AgreedActionInput:
    title: str
    owner: str | None = None
    due: dt.date | None = None


@strawberry.type(description="A feedback meeting (one-to-one) about a person's result.")
class FeedbackMeeting:
    id: strawberry.ID
    cycle_id: strawberry.ID
    employee_id: strawberry.ID
    employee_name: str
    result_version: int
    held_on: dt.date
    notes: str
    actions: list[AgreedAction]
    recorded_by: str
    recorded_at: dt.datetime

    @classmethod
    def from_view(cls, v: appeals.MeetingView) -> FeedbackMeeting:
        return cls(
            id=strawberry.ID(str(v.id)), cycle_id=strawberry.ID(str(v.cycle_id)),
            employee_id=strawberry.ID(str(v.employee_id)), employee_name=v.employee_name,
            result_version=v.result_version, held_on=v.held_on, notes=v.notes,
            actions=[
                AgreedAction(
                    title=a["title"], owner=a.get("owner"),
                    due=dt.date.fromisoformat(a["due"]) if a.get("due") else None,
                )
                for a in v.actions
            ],
            recorded_by=v.recorded_by, recorded_at=v.recorded_at,
        )  # fmt: skip


@strawberry.type
class FeedbackMeetingPayload:
    meeting: FeedbackMeeting | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
