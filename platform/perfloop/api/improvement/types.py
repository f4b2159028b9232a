"""Improvement plans, their check-ins, candidate lists and training needs as GraphQL types."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry

from perfloop.api.core.errors import UserError
from perfloop.api.core.scalars import JSON, I18nText
from perfloop.services import improvement


def _id(value: int | None) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value is not None else None


@strawberry.enum(description="open: followed up; closed: its outcome recorded.")
class ImprovementStatus(Enum):
    OPEN = "open"
    CLOSED = "closed"


@strawberry.enum(description="How an improvement plan ended.")
class ImprovementOutcome(Enum):
    MET = "met"
    NOT_MET = "not_met"


@strawberry.enum(description="proposed by the rule; confirmed or removed by HR.")
class CandidateStatus(Enum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    REMOVED = "removed"


@strawberry.enum(description="HR's decision on a candidate entry.")
class CandidateDecision(Enum):
    CONFIRM = "confirm"
    REMOVE = "remove"


@strawberry.type(description="A follow-up note on an improvement plan.")
class ImprovementCheckin:
    id: strawberry.ID
    note: str
    progress: float | None = strawberry.field(description="From 0 to 1.")
    author_id: strawberry.ID | None = strawberry.field(description="The user account.")
    at: dt.datetime

    @classmethod
    def from_view(cls, v: improvement.CheckinView) -> ImprovementCheckin:
        return cls(
            id=strawberry.ID(str(v.id)), note=v.note, progress=v.progress,
            author_id=_id(v.author_id), at=v.at,
        )  # fmt: skip


@strawberry.type(description="A person's improvement plan (绩效改进计划), opened by a result.")
class ImprovementPlan:
    id: strawberry.ID
    cycle_id: strawberry.ID = strawberry.field(description="The cycle whose result opened it.")
    employee_id: strawberry.ID
    employee_name: str
    employee_no: str
    owner_id: strawberry.ID | None = strawberry.field(
        description="The person's manager when the plan was opened (an employee)."
    )
    result_version: int
    form: str = strawberry.field(description="The form template its answers follow.")
    status: ImprovementStatus
    reason: I18nText = strawberry.field(description="Why the rule opened it.")
    gaps: JSON = strawberry.field(
        description="The result's items the rule named: key, title, unit, direction, target, "
        "actual, completion."
    )
    carry: JSON = strawberry.field(
        description="The items it adds to the person's plan of the next cycle: key, title, "
        "unit, direction, target, weight."
    )
    answers: JSON
    complete: bool = strawberry.field(description="The answers fill in the form's required fields.")
    topics: list[str] = strawberry.field(description="Training topics.")
    starts_on: dt.date | None
    ends_on: dt.date | None
    carried_cycle_id: strawberry.ID | None = strawberry.field(
        description="The cycle its items were carried into."
    )
    outcome: ImprovementOutcome | None
    outcome_note: str | None
    outcome_by_rule: bool = strawberry.field(
        description="Closed by the template's rule on the next cycle's result."
    )
    closed_by_id: strawberry.ID | None = strawberry.field(description="The user account.")
    closed_at: dt.datetime | None
    revision: int
    opened_at: dt.datetime
    checkins: list[ImprovementCheckin] = strawberry.field(description="Newest first.")

    @classmethod
    def from_view(cls, v: improvement.ImprovementPlanView) -> ImprovementPlan:
        return cls(
            id=strawberry.ID(str(v.id)), cycle_id=strawberry.ID(str(v.cycle_id)),
            employee_id=strawberry.ID(str(v.employee_id)), employee_name=v.employee_name,
            employee_no=v.employee_no, owner_id=_id(v.owner_id), result_version=v.result_version,
            form=v.form_ref, status=ImprovementStatus(v.status),
            reason=I18nText.from_dict(v.reason), gaps=JSON(list(v.gaps)), carry=JSON(list(v.carry)),
            answers=JSON(dict(v.answers)), complete=v.complete, topics=list(v.topics),
            starts_on=v.starts_on, ends_on=v.ends_on, carried_cycle_id=_id(v.carried_cycle_id),
            outcome=ImprovementOutcome(v.outcome) if v.outcome else None,
            outcome_note=v.outcome_note, outcome_by_rule=v.outcome_by_rule,
            closed_by_id=_id(v.closed_by_id), closed_at=v.closed_at, revision=v.revision,
            opened_at=v.opened_at,
            checkins=[ImprovementCheckin.from_view(c) for c in v.checkins],
        )  # fmt: skip


@strawberry.type(description="A person on a candidate list, with the reason.")
class Candidate:
    id: strawberry.ID
    cycle_id: strawberry.ID
    list_key: str = strawberry.field(name="list", description="The list's key in the app template.")
    employee_id: strawberry.ID
    employee_name: str
    employee_no: str
    result_version: int
    reason: I18nText
    topics: list[str] = strawberry.field(description="Training topics (a training list's).")
    status: CandidateStatus
    note: str | None
    decided_by_id: strawberry.ID | None = strawberry.field(description="The user account.")
    decided_at: dt.datetime | None

    @classmethod
    def from_view(cls, v: improvement.CandidateView) -> Candidate:
        return cls(
            id=strawberry.ID(str(v.id)), cycle_id=strawberry.ID(str(v.cycle_id)),
            list_key=v.list_key, employee_id=strawberry.ID(str(v.employee_id)),
            employee_name=v.employee_name, employee_no=v.employee_no,
            result_version=v.result_version, reason=I18nText.from_dict(v.reason),
            topics=list(v.topics), status=CandidateStatus(v.status), note=v.note,
            decided_by_id=_id(v.decided_by_id), decided_at=v.decided_at,
        )  # fmt: skip


@strawberry.type(description="A candidate list of the cycle's app, with its entries by status.")
class CandidateList:
    key: str
    title: I18nText
    training: bool
    proposed: int
    confirmed: int
    removed: int

    @classmethod
    def from_view(cls, v: improvement.CandidateListView) -> CandidateList:
        return cls(
            key=v.key, title=I18nText.from_dict(v.title), training=v.training,
            proposed=v.proposed, confirmed=v.confirmed, removed=v.removed,
        )  # fmt: skip


@strawberry.type(description="A training topic and how many people need it.")
class TrainingNeed:
    topic: str
    people: int
    from_lists: int = strawberry.field(description="People on a training list for it.")
    from_plans: int = strawberry.field(description="People whose improvement plan names it.")


@strawberry.type
class ApplyResultsPayload:
    results: int = strawberry.field(default=0, description="Published results read.")
    opened: int = strawberry.field(default=0, description="Improvement plans opened.")
    closed: int = strawberry.field(
        default=0, description="Plans carried into this cycle closed by the rule."
    )
    listed: JSON = strawberry.field(
        default_factory=dict, description="People on each candidate list, by key."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ImprovementPlanPayload:
    plan: ImprovementPlan | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ImprovementCheckinPayload:
    checkin: ImprovementCheckin | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DecideCandidatePayload:
    candidate: Candidate | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
