"""Job subscriptions: a job's progress as it changes."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.inputs import as_id
from perfloop.api.core.permissions import requires
from perfloop.api.jobs.types import Job
from perfloop.authz import Permission
from perfloop.services import jobs


@strawberry.type
class JobsSubscriptions:
    @strawberry.subscription(
        description=(
            "The job as it changes (status, progress, result, parts), read every half "
            "second, until it has ended: its last state is the last one sent, then the "
            "subscription completes. For whoever may read it with `job(id)`; anyone else "
            "gets null once. Over WebSocket (graphql-transport-ws), authenticated by "
            "`Authorization: Bearer <token>` in the `connection_init` payload."
        ),
        extensions=requires(Permission.ME_READ),
    )
    async def job_progress(self, info: Info, id: strawberry.ID) -> AsyncGenerator[Job | None]:
        ctx = info.context
        job_id = as_id(id)
        if job_id is None:
            yield None
            return
        async with ctx.new_session() as session:
            async for view in jobs.follow_job(session, ctx.caller, job_id):
                yield Job.from_view(view) if view is not None else None
