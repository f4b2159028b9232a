"""Job mutations: starting company-wide work."""

from __future__ import annotations

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.inputs import required_id
from perfloop.api.core.payloads import mutation
from perfloop.api.jobs.types import Job, JobPayload
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
