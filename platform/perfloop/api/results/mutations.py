"""Result mutations: a scoring run, publication, calibration."""

from __future__ import annotations

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.inputs import as_id, required_id
from perfloop.api.core.payloads import mutation
from perfloop.api.jobs.types import Job, JobPayload
from perfloop.api.results.types import (
    CalibrateResultPayload,
    PerformanceResult,
    PublishResultsPayload,
)
from perfloop.authz import Permission
from perfloop.services import jobs, results


@strawberry.type
class ResultsMutations:
    @mutation(
        description=(
            "Score the cycle (all of it, or the people of one org unit's subtree) as a job "
            "run department by department (read it with `job(id)`): each signed plan is "
            "scored by its scoring template with the person's submitted reviews, and the "
            "result is written as the person's draft (version n+1 after a published one). "
            "Unsigned plans are not scored and are listed in the job's result. For HR; "
            "asking again while it runs returns the same job (`created: false`)."
        ),
        permission=Permission.RESULT_MANAGE,
    )
    async def start_scoring_run(
        self, info: Info, cycle: strawberry.ID, org_unit: strawberry.ID | None = None
    ) -> JobPayload:
        ctx = info.context
        view, created = await jobs.start_scoring_run(
            ctx.session, ctx.caller, required_id(cycle), as_id(org_unit)
        )
        return JobPayload(job=Job.from_view(view), created=created)

    @mutation(
        description=(
            "Publish the cycle's draft results (of one org unit's subtree, or all): the "
            "people and their managers can then read them, and they are never changed "
            "again (a later run makes a new version). For HR; audited."
        ),
        permission=Permission.RESULT_MANAGE,
    )
    async def publish_results(
        self, info: Info, cycle: strawberry.ID, org_unit: strawberry.ID | None = None
    ) -> PublishResultsPayload:
        ctx = info.context
        published = await results.publish(
            ctx.session, ctx.caller, required_id(cycle), as_id(org_unit)
        )
        return PublishResultsPayload(published=published)

    @mutation(
        description=(
            "Move a person's latest result to another band of its scoring template, with a "
            "reason (calibration): the multiplier follows through the template's incentive "
            "formula, the move is audited and shown in the person's explanation. A draft is "
            "updated; a published result gets version n+1 as a draft. State the `version` "
            "and `revision` you read: CONFLICT when it changed meanwhile. For HR."
        ),
        permission=Permission.RESULT_CALIBRATE,
    )
    async def calibrate_result(
        self,
        info: Info,
        cycle: strawberry.ID,
        employee: strawberry.ID,
        rating: str,
        reason: str,
        expected_version: int,
        expected_revision: int,
    ) -> CalibrateResultPayload:
        ctx = info.context
        move = results.CalibrateInput(
            cycle_id=required_id(cycle), employee_id=required_id(employee), rating=rating,
            reason=reason, expected_version=expected_version,
            expected_revision=expected_revision,
        )  # fmt: skip
        view = await results.calibrate(ctx.session, ctx.caller, move)
        return CalibrateResultPayload(result=PerformanceResult.from_view(view))
