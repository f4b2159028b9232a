"""GraphQL types of jobs: long work and its progress."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import TYPE_CHECKING

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.errors import ErrorCode, UserError
from perfloop.api.core.scalars import JSON
from perfloop.services import jobs
from perfloop.services.core.errors import generic_zh
from perfloop.services.jobs import JobPartView

if TYPE_CHECKING:
    from perfloop.services.jobs import JobView


@strawberry.enum(description="Where a job stands: queued → running → succeeded or failed.")
class JobStatus(Enum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@strawberry.enum(
    description="Where a job's part stands: queued → running → succeeded or failed; "
    "skipped when the job failed before it started."
)
class JobPartStatus(Enum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"


@strawberry.type(description="One part of a job (a group of whole departments), run by one worker.")
class JobPart:
    index: int = strawberry.field(description="The part's place in the job, from 0.")
    status: JobPartStatus
    worker: str | None = strawberry.field(
        description="Who ran it last: the worker's name, by default `host:pid`."
    )
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    error: str | None = strawberry.field(description="Why it failed (the job's error).")

    @classmethod
    def from_view(cls, view: JobPartView) -> JobPart:
        return cls(
            index=view.index,
            status=JobPartStatus(view.status),
            worker=view.worker,
            started_at=view.started_at,
            finished_at=view.finished_at,
            error=view.error,
        )


@strawberry.type(
    description="Long work (a company-wide refresh, assignment or scoring run), run outside "
    "the request."
)
class Job:
    id: strawberry.ID
    kind: str = strawberry.field(description="What the job does, e.g. `refresh-actuals`.")
    status: JobStatus
    done: int = strawberry.field(description="Parts done (a part: one department).")
    total: int | None = strawberry.field(description="Parts in all; null until it starts.")
    parameters: JSON = strawberry.field(description="What the job was asked, e.g. the cycle.")
    result: JSON | None = strawberry.field(
        description=(
            "What the job did so far, then in all (for `refresh-actuals`: `updated`, "
            "`overridden`, `failed` and up to 100 `failedItems`; for `assign-items`: "
            "`assigned`, `reopened`, `removed` and up to 100 `removedItems`; for "
            "`score-results`: `scored`, `unchanged`, `unsigned`, `failed`, "
            "`calibrationsKept`, `recalibrate` and up to 100 `unsignedPlans`, `failedPlans` "
            "and `recalibratePlans`)."
        )
    )
    error: UserError | None = strawberry.field(
        description="Why a failed job stopped (the parts done before it stay done)."
    )
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    _parts: strawberry.Private[tuple[JobPartView, ...] | None] = None

    @strawberry.field(
        description="The job's parts in order, with who ran each (empty until it starts)."
    )
    async def parts(self, info: Info) -> list[JobPart]:
        views = self._parts
        if views is None:
            views = tuple(await jobs.job_parts(info.context.session, int(self.id)))
        return [JobPart.from_view(v) for v in views]

    @classmethod
    def from_view(cls, view: JobView) -> Job:
        error = None
        if view.error is not None:
            code = ErrorCode[view.error_code or "JOB_FAILED"]
            error = UserError(
                code=code,
                message=view.error,
                path=[],
                message_zh=generic_zh(code.value, view.error),
            )
        return cls(
            id=strawberry.ID(str(view.id)),
            kind=view.kind,
            status=JobStatus(view.status),
            done=view.done,
            total=view.total,
            parameters=JSON(view.parameters),
            result=JSON(view.result) if view.result is not None else None,
            error=error,
            created_at=view.created_at,
            started_at=view.started_at,
            finished_at=view.finished_at,
            _parts=view.parts,
        )


@strawberry.type
class JobPayload:
    job: Job | None = None
    created: bool = strawberry.field(
        default=False, description="False: the same work was already queued or running."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)
