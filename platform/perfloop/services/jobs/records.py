"""Jobs: long work that runs outside the request and that clients follow.

Rules:

- A job is a row of ``jobs``: its kind, parameters, status (queued → running →
  succeeded | failed), progress (``done`` of ``total`` parts), result and error.
  The row is the truth clients read; the queue only says "run job N".
- Asking twice for the same work while it is queued or running returns the first
  job: (tenant, kind, key) is unique among active jobs (``active_key``), and a
  request that loses the race reads the winner's row.
- Work is split into parts (a company-wide refresh: departments put together) and
  each part commits on its own, so memory and statement sizes follow the part,
  never the company, and progress is ``parts done / parts``. Each part is a row of
  ``job_parts`` (status, result, error, when and by whom it ran): on PostgreSQL a
  queue task of its own, so one job's parts run on every worker at once; a part
  done is never run again (a part handed out twice, a job resumed after a crash).
- A part that raises a ``ServiceError`` fails the job with that error's message;
  anything else fails it with a fixed message and is logged with its traceback,
  which never reaches a client. Parts done before stay done.
- A job is read by its creator, or by whoever's scope for the kind's permission
  is the whole tenant; to anyone else it does not exist.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from perfloop.authz import Permission, Scope
from perfloop.services.core import audit
from perfloop.services.core.errors import ErrorCode, ServiceError
from perfloop.store.core import utcnow
from perfloop.store.jobs import Job, JobPart

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller

QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
ACTIVE = (QUEUED, RUNNING)
#: a part's status when its job failed before it started
SKIPPED = "skipped"


@dataclass(frozen=True)
class JobKind:
    """What a kind of job needs: who may read its jobs at tenant scope, how its work
    is cut into parts, how one part runs, and how the parts' results add up."""

    name: str
    permission: Permission
    parts: Callable[[AsyncSession, Caller, Mapping[str, Any]], Awaitable[Sequence[Any]]]
    run_part: Callable[[AsyncSession, Caller, Mapping[str, Any], Any], Awaitable[dict[str, Any]]]
    merge: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]


KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> JobKind:
    KINDS[kind.name] = kind
    return kind


@dataclass(frozen=True)
class JobPartView:
    index: int
    status: str
    worker: str | None
    error: str | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


@dataclass(frozen=True)
class JobView:
    id: int
    kind: str
    status: str
    done: int
    total: int | None
    parameters: dict[str, Any]
    result: dict[str, Any] | None
    error_code: str | None
    error: str | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    #: the parts, when read with the job (``follow_job``); None: not read
    parts: tuple[JobPartView, ...] | None = None

    @classmethod
    def of(cls, row: Job) -> JobView:
        return cls(
            row.id, row.kind, row.status, row.done, row.total, dict(row.parameters),
            row.result, row.error_code, row.error, row.created_at, row.started_at, row.finished_at,
        )  # fmt: skip


async def job_parts(session: AsyncSession, job_id: int) -> list[JobPartView]:
    """The parts of a job the caller was shown (``get_job`` decides who may), in
    order."""
    rows = await session.execute(
        select(
            JobPart.index, JobPart.status, JobPart.worker, JobPart.error,
            JobPart.started_at, JobPart.finished_at,
        )
        .where(JobPart.job_id == job_id)
        .order_by(JobPart.index)
    )  # fmt: skip
    return [JobPartView(*row) for row in rows.all()]


async def create_job(
    session: AsyncSession, caller: Caller, kind: str, key: str, parameters: dict[str, Any]
) -> tuple[Job, bool]:
    """Store a queued job, or find the one already queued or running for the same
    (tenant, kind, key). Returns the job and whether it is new; commits."""
    active = select(Job).where(
        Job.tenant_id == caller.tenant_id, Job.kind == kind, Job.active_key == key
    )
    found = (await session.execute(active)).scalar_one_or_none()
    if found is not None:
        return found, False
    job = Job(
        tenant_id=caller.tenant_id, kind=kind, key=key, active_key=key, parameters=parameters,
        status=QUEUED, done=0, created_by_id=caller.user_id,
    )  # fmt: skip
    try:
        async with session.begin_nested():
            session.add(job)
            await session.flush()
    except IntegrityError:  # another request queued it first: theirs is the job
        found = (
            await session.execute(active.execution_options(populate_existing=True))
        ).scalar_one_or_none()
        if found is None:  # it finished in between: ask again
            raise ServiceError.one(
                ErrorCode.CONFLICT, "the same job was just started and finished; try again"
            ) from None
        return found, False
    audit.record(session, caller, "job.start", "job", job.id, after={"kind": kind, "key": key})
    await session.commit()
    return job, True


async def get_job(session: AsyncSession, caller: Caller, job_id: int) -> JobView | None:
    """The job, if the caller started it or reads its kind at tenant scope."""
    row = (
        await session.execute(
            select(Job).where(Job.id == job_id, Job.tenant_id == caller.tenant_id)
        )
    ).scalar_one_or_none()
    if row is None:
        return None
    kind = KINDS.get(row.kind)
    wide = kind is not None and caller.scope(kind.permission) is Scope.TENANT
    if row.created_by_id != caller.user_id and not wide:
        return None
    return JobView.of(row)


#: Seconds between two reads of a followed job (``follow_job``).
FOLLOW_EVERY = 0.5


async def follow_job(
    session: AsyncSession, caller: Caller, job_id: int, *, every: float = FOLLOW_EVERY
) -> AsyncIterator[JobView | None]:
    """The job as it changes, read every ``every`` seconds, until it has ended (its last
    state is the last one yielded). A job the caller may not read (``get_job``) yields
    None once and ends. Between reads the transaction ends, so each read sees what
    the workers committed and no connection is held while waiting. The views carry
    their parts, so a part starting on a worker is a change too."""
    last: JobView | None = None
    while True:
        view = await get_job(session, caller, job_id)
        if view is not None:
            view = dataclasses.replace(view, parts=tuple(await job_parts(session, job_id)))
        await session.rollback()
        if view is None:
            yield None
            return
        if view != last:
            last = view
            yield view
        if view.status not in ACTIVE:
            return
        await asyncio.sleep(every)


async def set_state(session: AsyncSession, job_id: int, **values: Any) -> None:
    """Write a job's status or progress in its own short transaction."""
    if values.get("status") in (SUCCEEDED, FAILED):
        values.update(active_key=None, finished_at=utcnow())
    await session.execute(update(Job).where(Job.id == job_id).values(**values))
    await session.commit()


def claimable(job_id: int) -> Any:
    """The condition under which a runner may start the job (queued, or running
    after a worker died: procrastinate retries only what it was told to)."""
    return (Job.id == job_id) & or_(Job.status == QUEUED, Job.status == RUNNING)
