"""Improvement mutations: applying a cycle's results, editing, following up and closing
an improvement plan, deciding a candidate entry."""

from __future__ import annotations

import datetime as dt

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.inputs import required_id
from perfloop.api.core.payloads import mutation
from perfloop.api.core.scalars import JSON, JSONObject
from perfloop.api.improvement.types import (
    ApplyResultsPayload,
    Candidate,
    CandidateDecision,
    DecideCandidatePayload,
    ImprovementCheckin,
    ImprovementCheckinPayload,
    ImprovementOutcome,
    ImprovementPlan,
    ImprovementPlanPayload,
)
from perfloop.authz import Permission
from perfloop.services import improvement


@strawberry.type
class ImprovementMutations:
    @mutation(
        description=(
            "Apply the cycle's published results by its app template's rules: open an "
            "improvement plan for each person the rule names (one per person and cycle), "
            "close the plans carried into this cycle by the rule's outcome, and draw the "
            "candidate lists with each person's reason. For HR; idempotent; audited."
        ),
        permission=Permission.IMPROVEMENT_MANAGE,
    )
    async def apply_results(self, info: Info, cycle: strawberry.ID) -> ApplyResultsPayload:
        ctx = info.context
        done = await improvement.apply_results(ctx.session, ctx.caller, required_id(cycle))
        return ApplyResultsPayload(
            results=done.results,
            opened=done.opened,
            closed=done.closed,
            listed=JSON(dict(done.listed)),
        )

    @mutation(
        description=(
            "Change an open improvement plan: its answers (validated against its form; "
            "required fields may be left for later), training topics and dates, at the "
            "`expectedRevision` you read (CONFLICT when it changed). The person's managers "
            "and HR, not the person; audited."
        ),
        permission=Permission.IMPROVEMENT_WRITE,
    )
    async def update_improvement_plan(
        self,
        info: Info,
        plan: strawberry.ID,
        expected_revision: int,
        answers: JSONObject | None = None,
        topics: list[str] | None = None,
        starts_on: dt.date | None = None,
        ends_on: dt.date | None = None,
    ) -> ImprovementPlanPayload:
        ctx = info.context
        edit = improvement.PlanEdit(
            plan_id=required_id(plan), expected_revision=expected_revision, answers=answers,
            topics=topics, starts_on=starts_on, ends_on=ends_on,
        )  # fmt: skip
        view = await improvement.update_plan(ctx.session, ctx.caller, edit)
        return ImprovementPlanPayload(plan=ImprovementPlan.from_view(view))

    @mutation(
        description=(
            "Add a follow-up note with a progress from 0 to 1 to an open improvement plan "
            "(the person, their managers, HR); audited."
        ),
        permission=Permission.IMPROVEMENT_CHECKIN,
    )
    async def add_improvement_checkin(
        self, info: Info, plan: strawberry.ID, note: str, progress: float | None = None
    ) -> ImprovementCheckinPayload:
        ctx = info.context
        view = await improvement.add_checkin(
            ctx.session, ctx.caller, required_id(plan), note, progress
        )
        return ImprovementCheckinPayload(checkin=ImprovementCheckin.from_view(view))

    @mutation(
        description=(
            "Close an open improvement plan as met or not met, with a note, at the "
            "`expectedRevision` you read. The person's managers and HR; audited."
        ),
        permission=Permission.IMPROVEMENT_WRITE,
    )
    async def close_improvement_plan(
        self,
        info: Info,
        plan: strawberry.ID,
        outcome: ImprovementOutcome,
        note: str,
        expected_revision: int,
    ) -> ImprovementPlanPayload:
        ctx = info.context
        view = await improvement.close_plan(
            ctx.session, ctx.caller, required_id(plan), outcome.value, note, expected_revision
        )
        return ImprovementPlanPayload(plan=ImprovementPlan.from_view(view))

    @mutation(
        description=(
            "Confirm or remove a person on a candidate list, with a note (HR); the decision "
            "may be changed again; audited."
        ),
        permission=Permission.CANDIDATE_MANAGE,
    )
    async def decide_candidate(
        self, info: Info, candidate: strawberry.ID, decision: CandidateDecision, note: str
    ) -> DecideCandidatePayload:
        ctx = info.context
        view = await improvement.decide(
            ctx.session, ctx.caller, required_id(candidate), decision.value, note
        )
        return DecideCandidatePayload(candidate=Candidate.from_view(view))
