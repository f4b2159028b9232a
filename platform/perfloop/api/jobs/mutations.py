"""Job mutations: starting company-wide work."""

from __future__ import annotations

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.inputs import as_id, required_id
from perfloop.api.core.payloads import mutation
from perfloop.api.jobs.types import Job, JobPayload
from perfloop.api.plans.types import (
    ScorecardItemInput,
    TargetOverrideInput,
    item_inputs,
    target_overrides,
)
from perfloop.authz import Permission
from perfloop.services import jobs


@strawberry.type
class JobsMutations:
    @mutation(
        description=(
            "Refresh the cycle's computed actuals for the whole company, as a job run "
            "department by department (read it with `job(id)`). For a caller whose scope "
            "is the whole company (HR); asking again while it is queued or running returns "
            "the same job (`created: false`). `refreshActuals` stays the synchronous "
            "refresh of a team-sized scope."
        ),
        permission=Permission.ACTUAL_ENTER,
    )
    async def start_refresh_actuals(self, info: Info, cycle: strawberry.ID) -> JobPayload:
        ctx = info.context
        view, created = await jobs.start_refresh_actuals(
            ctx.session, ctx.caller, required_id(cycle)
        )
        return JobPayload(job=Job.from_view(view), created=created)

    @mutation(
        description=(
            "Give every active employee of a position and/or org unit (its subtree) the same "
            "items, as `assignScorecardItems` does, as a job run department by department "
            "(read it with `job(id)`; its result counts the plans assigned and reopened and "
            "the items removed). The request is checked as a whole first: a bad item, org "
            "unit, position or override is answered in `errors` and starts no job. For a "
            "caller whose scope is the whole company (HR); asking again for the same "
            "assignment while it is queued or running returns the same job "
            "(`created: false`), a different one for the cycle is a CONFLICT."
        ),
        permission=Permission.SCORECARD_MANAGE,
    )
    async def start_assign_scorecard_items(
        self,
        info: Info,
        cycle: strawberry.ID,
        items: list[ScorecardItemInput],
        org_unit: strawberry.ID | None = None,
        position: str | None = None,
        overrides: list[TargetOverrideInput] | None = None,
        reason: str | None = None,
    ) -> JobPayload:
        ctx = info.context
        view, created = await jobs.start_assign_items(
            ctx.session,
            ctx.caller,
            required_id(cycle),
            item_inputs(items),
            org_unit_id=as_id(org_unit),
            position=position,
            overrides=target_overrides(overrides),
            reason=reason,
        )
        return JobPayload(job=Job.from_view(view), created=created)
