"""Appeal mutations: file, decide; record a feedback meeting."""

from __future__ import annotations

import datetime as dt

import strawberry

from perfloop.api.appeals.types import (
    ActualAdjustmentInput,
    AgreedActionInput,
    Appeal,
    AppealDecision,
    AppealPayload,
    FeedbackMeeting,
    FeedbackMeetingPayload,
)
from perfloop.api.core.context import Info
from perfloop.api.core.inputs import required_id
from perfloop.api.core.payloads import mutation
from perfloop.api.core.scalars import JSONObject
from perfloop.authz import Permission
from perfloop.services import appeals


@strawberry.type
class AppealsMutations:
    @mutation(
        description=(
            "Appeal your published result of the cycle, within the appeal window of the "
            "cycle's template (INVALID at `cycle`, detail appeal.window, outside it), with "
            "the answers of its appeal form (each problem an INVALID at its JSON pointer, "
            "and formErrors). Assigned by the template's rule to your manager's manager or "
            "HR; audited. One open appeal per cycle (CONFLICT, detail appeal.open)."
        ),
        permission=Permission.APPEAL_FILE,
    )
    async def file_appeal(
        self, info: Info, cycle: strawberry.ID, answers: JSONObject
    ) -> AppealPayload:
        ctx = info.context
        view = await appeals.file_appeal(ctx.session, ctx.caller, required_id(cycle), answers)
        return AppealPayload(appeal=Appeal.from_view(view))

    @mutation(
        description=(
            "Decide an appeal assigned to you (HR: any): UPHELD leaves the result as it is; "
            "ADJUSTED sets items' actuals (`actuals`) and/or the rating band (`rating`) and "
            "publishes a new result version scored by the result's own template. A reason is "
            "required. State the appeal's revision you read: CONFLICT when it changed or was "
            "decided meanwhile. Audited; the appeal's trail shows before and after."
        ),
        permission=Permission.APPEAL_DECIDE,
    )
    async def decide_appeal(
        self,
        info: Info,
        appeal: strawberry.ID,
        decision: AppealDecision,
        reason: str,
        expected_revision: int,
        actuals: list[ActualAdjustmentInput] | None = None,
        rating: str | None = None,
    ) -> AppealPayload:
        ctx = info.context
        adjusted = {a.item: a.actual for a in actuals} if actuals else None
        view = await appeals.decide_appeal(
            ctx.session, ctx.caller,
            appeals.DecideInput(
                appeal_id=required_id(appeal), decision=decision.value, reason=reason,
                expected_revision=expected_revision, actuals=adjusted, rating=rating,
            ),
        )  # fmt: skip
        return AppealPayload(appeal=Appeal.from_view(view))

    @mutation(
        description=(
            "Record a feedback meeting (one-to-one) about a person's published result of the "
            "cycle: when, notes and the actions agreed (owner, due date). For their managers, "
            "head and HR; the person reads it. Audited."
        ),
        permission=Permission.FEEDBACK_WRITE,
    )
    async def record_feedback_meeting(
        self,
        info: Info,
        cycle: strawberry.ID,
        employee: strawberry.ID,
        held_on: dt.date,
        notes: str,
        actions: list[AgreedActionInput] | None = None,
    ) -> FeedbackMeetingPayload:
        ctx = info.context
        view = await appeals.record_meeting(
            ctx.session, ctx.caller,
            appeals.MeetingInput(
                cycle_id=required_id(cycle), employee_id=required_id(employee), held_on=held_on,
                notes=notes,
                actions=[appeals.ActionInput(a.title, a.owner, a.due) for a in actions or []],
            ),
        )  # fmt: skip
        return FeedbackMeetingPayload(meeting=FeedbackMeeting.from_view(view))
