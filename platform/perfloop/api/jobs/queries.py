"""Job queries: one job and its progress."""

from __future__ import annotations

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.inputs import as_id
from perfloop.api.core.permissions import requires
from perfloop.api.jobs.types import Job
from perfloop.authz import Permission
from perfloop.services import jobs


@strawberry.type
class JobsQueries:
    @strawberry.field(
        description=(
            "A job you started, or any job of a kind you act on for the whole company "
            "(HR); null otherwise. Poll it for progress."
        ),
        extensions=requires(Permission.ME_READ),
    )
    async def job(self, info: Info, id: strawberry.ID) -> Job | None:
        job_id = as_id(id)
        if job_id is None:
            return None
        view = await jobs.get_job(info.context.session, info.context.caller, job_id)
        return Job.from_view(view) if view is not None else None
