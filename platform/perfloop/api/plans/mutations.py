"""Plan mutations: plan items (one or in bulk), signing, action-plan tasks,
actuals and check-ins."""

from __future__ import annotations

import datetime as dt

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.inputs import as_id, required_id
from perfloop.api.core.payloads import mutation
from perfloop.api.plans.types import (
    ActionTask,
    ActionTaskPayload,
    Actual,
    ActualPayload,
    AssignScorecardItemsPayload,
    Checkin,
    CheckinPayload,
    RefreshActualsPayload,
    Scorecard,
    ScorecardItemInput,
    ScorecardPayload,
    SignerRole,
    TargetOverrideInput,
)
from perfloop.authz import Permission
from perfloop.services import plans


def _items(items: list[ScorecardItemInput]) -> list[plans.ItemInput]:
    return [
        plans.ItemInput(
            weight=i.weight,
            target=i.target,
            key=i.key,
            library=i.library,
            indicator=i.indicator,
            goal_id=as_id(i.goal_id),
            title=i.title,
            unit=i.unit,
            direction=i.direction,
            thresholds=i.thresholds,
            tasks=[
                plans.TaskInput(t.title, as_id(t.owner_id), t.due_on, t.status) for t in i.tasks
            ],
        )
        for i in items
    ]


@strawberry.type
class PlansMutations:
    @mutation(
        description=(
            "Set an employee's plan items for a cycle (replacing them). Weights are checked "
            "against the cycle's scoring template. A signed plan needs a reason; any change "
            "clears the signatures and is audited."
        ),
        permission=Permission.SCORECARD_MANAGE,
    )
    async def set_scorecard_items(
        self,
        info: Info,
        cycle: strawberry.ID,
        employee: strawberry.ID,
        items: list[ScorecardItemInput],
        reason: str | None = None,
    ) -> ScorecardPayload:
        ctx = info.context
        card = await plans.set_items(
            ctx.session,
            ctx.caller,
            required_id(cycle),
            required_id(employee),
            _items(items),
            reason=reason,
        )
        view = await plans.get_scorecard(ctx.session, ctx.caller, card.employee_id, card.cycle_id)
        return ScorecardPayload(scorecard=Scorecard.from_view(view) if view else None)

    @mutation(
        description=(
            "Give every active employee of a position and/or org unit (its subtree) the same "
            "items in one operation, with per-person target overrides."
        ),
        permission=Permission.SCORECARD_MANAGE,
    )
    async def assign_scorecard_items(
        self,
        info: Info,
        cycle: strawberry.ID,
        items: list[ScorecardItemInput],
        org_unit: strawberry.ID | None = None,
        position: str | None = None,
        overrides: list[TargetOverrideInput] | None = None,
        reason: str | None = None,
    ) -> AssignScorecardItemsPayload:
        ctx = info.context
        result = await plans.assign_items(
            ctx.session,
            ctx.caller,
            required_id(cycle),
            _items(items),
            org_unit_id=as_id(org_unit),
            position=position,
            overrides=[
                plans.TargetOverride(required_id(o.employee_id), o.key, o.target)
                for o in overrides or []
            ],
            reason=reason,
        )
        assigned = {c.id for c in result.scorecards}
        views = await plans.team_scorecards(ctx.session, ctx.caller, required_id(cycle))
        return AssignScorecardItemsPayload(
            scorecards=[Scorecard.from_view(v) for v in views if v.id in assigned],
            reopened=result.reopened,
        )

    @mutation(
        description="Sign a plan as the employee (your own) or as their manager.",
        permission=Permission.SCORECARD_SIGN,
    )
    async def sign_scorecard(
        self, info: Info, scorecard: strawberry.ID, signer: SignerRole
    ) -> ScorecardPayload:
        ctx = info.context
        card = await plans.sign(ctx.session, ctx.caller, required_id(scorecard), signer.value)
        view = await plans.get_scorecard(ctx.session, ctx.caller, card.employee_id, card.cycle_id)
        return ScorecardPayload(scorecard=Scorecard.from_view(view) if view else None)

    @mutation(
        description="Move an action-plan task (open, doing, done, dropped).",
        permission=Permission.CHECKIN_WRITE,
    )
    async def update_action_task(
        self, info: Info, task: strawberry.ID, status: str
    ) -> ActionTaskPayload:
        ctx = info.context
        row = await plans.update_task(ctx.session, ctx.caller, required_id(task), status)
        return ActionTaskPayload(task=ActionTask.from_view(row))

    @mutation(
        description="Enter an item's actual by hand (the cycle's period unless given).",
        permission=Permission.ACTUAL_ENTER,
    )
    async def enter_actual(
        self,
        info: Info,
        item: strawberry.ID,
        value: float | None,
        period_start: dt.date | None = None,
        period_end: dt.date | None = None,
        note: str | None = None,
    ) -> ActualPayload:
        ctx = info.context
        row = await plans.enter_actual(
            ctx.session, ctx.caller, required_id(item), value,
            period_start=period_start, period_end=period_end, note=note,
        )  # fmt: skip
        return ActualPayload(actual=Actual.from_row(row))

    @mutation(
        description="Recompute the dataset and formula actuals of the plans in your scope.",
        permission=Permission.ACTUAL_ENTER,
    )
    async def refresh_actuals(self, info: Info, cycle: strawberry.ID) -> RefreshActualsPayload:
        ctx = info.context
        n = await plans.refresh_actuals(ctx.session, ctx.caller, required_id(cycle))
        return RefreshActualsPayload(updated=n)

    @mutation(
        description="Record progress, a note and a confidence (0 to 1) on a plan or an item.",
        permission=Permission.CHECKIN_WRITE,
    )
    async def check_in(
        self,
        info: Info,
        scorecard: strawberry.ID,
        confidence: float,
        note: str,
        progress: float | None = None,
        item: strawberry.ID | None = None,
    ) -> CheckinPayload:
        ctx = info.context
        row = await plans.check_in(
            ctx.session, ctx.caller, required_id(scorecard), confidence=confidence, note=note,
            progress=progress, item_id=as_id(item),
        )  # fmt: skip
        return CheckinPayload(checkin=Checkin.from_row(row))
