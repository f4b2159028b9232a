"""GraphQL types of jobs: long work and its progress."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import TYPE_CHECKING

import strawberry

from perfloop.api.core.errors import ErrorCode, UserError
from perfloop.api.core.scalars import JSON

if TYPE_CHECKING:
    from perfloop.services.jobs import JobView


@strawberry.enum(description="Where a job stands: queued → running → succeeded or failed.")
class JobStatus(Enum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


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

    @classmethod
    def from_view(cls, view: JobView) -> Job:
        error = None
        if view.error is not None:
            error = UserError(
                code=ErrorCode[view.error_code or "JOB_FAILED"], message=view.error, path=[]
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
        )


@strawberry.type
class JobPayload:
    job: Job | None = None
    created: bool = strawberry.field(
        default=False, description="False: the same work was already queued or running."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)
