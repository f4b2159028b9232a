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
    FailedActual,
    RefreshActualsPayload,
    RemovedItems,
    Scorecard,
    ScorecardItemInput,
    ScorecardPayload,
    SetScorecardItemsPayload,
    SignatureInput,
    SignerRole,
    SignScorecardsPayload,
    TargetOverrideInput,
    item_inputs,
    target_overrides,
)
from perfloop.authz import Permission
from perfloop.services import plans


@strawberry.type
class PlansMutations:
    @mutation(
        description=(
            "Set an employee's plan items for a cycle (replacing them, by key: an item whose "
            "key remains keeps its actuals, check-ins and tasks; removed items are listed in "
            "`removedItems`, their history kept in the audit trail). Weights are checked "
            "against the cycle's scoring template. A signed plan needs a reason; any change "
            "bumps the revision, clears the signatures and is audited. Your own plan is set "
            "by the next level up. With `expectedRevision`, a plan changed since you read it "
            "is a CONFLICT (read it again) instead of being overwritten."
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
        expected_revision: int | None = None,
    ) -> SetScorecardItemsPayload:
        ctx = info.context
        result = await plans.set_items(
            ctx.session,
            ctx.caller,
            required_id(cycle),
            required_id(employee),
            item_inputs(items),
            reason=reason,
            expected_revision=expected_revision,
        )
        card = result.scorecard
        view = await plans.get_scorecard(ctx.session, ctx.caller, card.employee_id, card.cycle_id)
        return SetScorecardItemsPayload(
            scorecard=Scorecard.from_view(view) if view else None, removed_items=result.removed
        )

    @mutation(
        description=(
            "Give every active employee of a position and/or org unit (its subtree) the same "
            "items in one operation, with per-person target overrides. Items are replaced by "
            "key, as in `setScorecardItems`; you are left out (your own plan is set by the "
            "next level up). For the whole company, `startAssignScorecardItems` runs the "
            "same assignment as a job."
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
            item_inputs(items),
            org_unit_id=as_id(org_unit),
            position=position,
            overrides=target_overrides(overrides),
            reason=reason,
        )
        views = await plans.scorecards_by_id(
            ctx.session, ctx.caller, required_id(cycle), [c.id for c in result.scorecards]
        )
        return AssignScorecardItemsPayload(
            scorecards=[Scorecard.from_view(v) for v in views],
            reopened=result.reopened,
            removed_items=[
                RemovedItems(scorecard=strawberry.ID(str(card)), keys=keys)
                for card, keys in sorted(result.removed.items())
            ],
        )

    @mutation(
        description=(
            "Sign a plan as the employee (your own) or as their manager, at the revision you "
            "read (`Scorecard.revision`): a plan changed since is a CONFLICT, read it again."
        ),
        permission=Permission.SCORECARD_SIGN,
    )
    async def sign_scorecard(
        self, info: Info, scorecard: strawberry.ID, signer: SignerRole, expected_revision: int
    ) -> ScorecardPayload:
        ctx = info.context
        card = await plans.sign(
            ctx.session, ctx.caller, required_id(scorecard), signer.value,
            expected_revision=expected_revision,
        )  # fmt: skip
        view = await plans.get_scorecard(ctx.session, ctx.caller, card.employee_id, card.cycle_id)
        return ScorecardPayload(scorecard=Scorecard.from_view(view) if view else None)

    @mutation(
        description=(
            "Sign many plans as their manager in one action, each at the revision you read, "
            "with the rules of `signScorecard` for each (in your scope, not your own, not "
            "empty, not changed since). All or nothing: when any plan is refused, none is "
            "signed and `errors` names every refused one by its index "
            '(`["signatures", "3", "expectedRevision"]`).'
        ),
        permission=Permission.SCORECARD_SIGN,
    )
    async def sign_scorecards(
        self, info: Info, signatures: list[SignatureInput]
    ) -> SignScorecardsPayload:
        ctx = info.context
        cards = await plans.sign_many(
            ctx.session,
            ctx.caller,
            [plans.Signature(required_id(s.scorecard), s.expected_revision) for s in signatures],
        )
        cycle_ids = {c.cycle_id for c in cards}
        views = {
            v.id: v
            for cycle_id in sorted(cycle_ids)
            for v in await plans.scorecards_by_id(
                ctx.session, ctx.caller, cycle_id, [c.id for c in cards if c.cycle_id == cycle_id]
            )
        }
        return SignScorecardsPayload(
            scorecards=[Scorecard.from_view(views[c.id]) for c in cards if c.id in views]
        )

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
        description=(
            "Enter an item's actual by hand (the cycle's period unless given). An item whose "
            "source computes its actual (dataset, formula) takes an `override` only: entered "
            "by someone who manages the plan (not on their own), with a reason in `note`; "
            "audited, and left alone by refreshes."
        ),
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
        override: bool = False,
    ) -> ActualPayload:
        ctx = info.context
        row = await plans.enter_actual(
            ctx.session, ctx.caller, required_id(item), value,
            period_start=period_start, period_end=period_end, note=note, override=override,
        )  # fmt: skip
        return ActualPayload(actual=Actual.from_row(row))

    @mutation(
        description=(
            "Recompute the dataset, formula and plugin actuals of the plans in your scope. A "
            "source that fails (a plugin missing, failing or too slow included) marks its items "
            "as failed (listed in `failed`, stored with the reason) and the others refresh; "
            "overrides are left as they are."
        ),
        permission=Permission.ACTUAL_ENTER,
    )
    async def refresh_actuals(self, info: Info, cycle: strawberry.ID) -> RefreshActualsPayload:
        ctx = info.context
        result = await plans.refresh_actuals(
            ctx.session,
            ctx.caller,
            required_id(cycle),
            plugin_timeout=ctx.settings.plugin_timeout_seconds,
        )
        return RefreshActualsPayload(
            updated=result.updated,
            overridden=result.overridden,
            failed=[FailedActual.from_view(f) for f in result.failed],
        )

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
