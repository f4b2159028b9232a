"""Running a job as parts: start it (claim it, cut it into parts, write a row per
part), run each part on its own, and end it succeeded or failed (see ``records`` for
the rules).

- :func:`start` claims a queued job, asks its kind for the parts, writes them as
  ``job_parts`` rows and sets the job running with its total, in one transaction;
  it returns the parts to run (a job already started: the parts not done yet).
- :func:`run_part` runs one part: it skips when the job no longer runs or the part
  is done (a part handed out twice, a job resumed), else runs the kind's
  ``run_part`` in a session of its own (which commits), then in one short
  transaction locks the job row (``SELECT … FOR UPDATE`` on PostgreSQL), marks the
  part done with its result, and sets the job's ``done`` (parts done) and ``result``
  (the done parts' results merged in part order); the last part analyzes what the
  job left over, then ends the job SUCCEEDED. A failing part fails the job with its
  error (the first failure wins) and the parts not started yet are skipped; parts
  running finish, stay committed and count.
- :func:`execute` runs a whole job in this process (SQLite): start, then the parts
  one at a time, skipping those done before a crash.

On PostgreSQL each part is a queue task of its own (``queue``), so the parts of one
job run on every worker at once. Statistics: each part counts the rows it changed
(``store.core.deferred_statistics``); the ledger kept with the job says when a table
is analyzed, by whichever worker ends the part, and what is left when the job ends.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update

from perfloop.authz import EnforcerCache
from perfloop.services.core.caller import resolve_caller
from perfloop.services.core.errors import ErrorCode, ServiceError
from perfloop.services.jobs.records import (
    FAILED,
    KINDS,
    QUEUED,
    RUNNING,
    SKIPPED,
    SUCCEEDED,
    JobKind,
    claimable,
)
from perfloop.store.core import analyze, deferred_statistics, utcnow
from perfloop.store.core import statistics as stats
from perfloop.store.identity import Tenant, UserAccount
from perfloop.store.jobs import Job, JobPart

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from perfloop.services.core.caller import Caller

log = logging.getLogger(__name__)

#: what a client reads when a part failed on a bug rather than an expected failure
UNEXPECTED = "the job stopped on an unexpected error, logged on the server as job {id}; try again"


def this_process() -> str:
    """Who runs a part, as its row says: this machine and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


async def _caller_of(
    session: AsyncSession, job: Job, enforcers: EnforcerCache | None = None
) -> Caller:
    """The job runs as the person who started it, with their rights as they are now
    (a deactivated account's job fails). ``enforcers``: a worker's cache of Casbin
    enforcers (reloaded when a tenant's policy version moves), so each part does not
    build its tenant's enforcer again."""
    row = (
        await session.execute(
            select(Tenant.slug, UserAccount.email)
            .join(UserAccount, UserAccount.tenant_id == Tenant.id)
            .where(Tenant.id == job.tenant_id, UserAccount.id == job.created_by_id)
        )
    ).first()
    if row is None:
        raise ServiceError.one(ErrorCode.NOT_FOUND, "the account that started the job is gone")
    return await resolve_caller(session, enforcers or EnforcerCache(), row.slug, row.email)


def _kind(job: Job) -> JobKind:
    kind = KINDS.get(job.kind)
    if kind is None:
        raise ServiceError.one(ErrorCode.INVALID, f"unknown job kind {job.kind!r}")
    return kind


def _error_of(job_id: int, kind: str, exc: BaseException) -> tuple[str, str]:
    """The code and message a client reads: an expected failure's own, anything else
    JOB_FAILED with a fixed message (the traceback goes to the log only)."""
    if isinstance(exc, ServiceError):
        first = exc.errors[0]
        return str(first.code), first.message
    log.error("job %s (%s) failed", job_id, kind, exc_info=exc)
    return str(ErrorCode.JOB_FAILED), UNEXPECTED.format(id=job_id)


async def _locked(session: AsyncSession, job_id: int) -> Job | None:
    """The job's row, locked until the transaction ends (PostgreSQL; SQLite has one
    writer at a time)."""
    return (
        await session.execute(
            select(Job)
            .where(Job.id == job_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()


async def start(sessions: async_sessionmaker[AsyncSession], job_id: int) -> list[int]:
    """Claim job ``job_id``, cut it into parts and write them, and set it running.
    Returns the indexes of the parts to run: all of them for a new job, the parts not
    done for one already started (a start handed out twice, a resumed job), none for a
    job that has ended or failed to start. Never raises: a failure is on the row."""
    async with sessions() as session:
        job = (
            await session.execute(select(Job).where(claimable(job_id)).with_for_update())
        ).scalar_one_or_none()
        if job is None:
            return []  # ended already (a retried message): nothing to do
        found = (
            await session.execute(
                select(JobPart.index, JobPart.status)
                .where(JobPart.job_id == job_id)
                .order_by(JobPart.index)
            )
        ).all()
        if found:
            await session.commit()
            return [index for index, status in found if status != SUCCEEDED]
        kind_name = job.kind
        try:
            kind = _kind(job)
            caller = await _caller_of(session, job)
            parts = list(await kind.parts(session, caller, dict(job.parameters)))
        except Exception as exc:
            await session.rollback()
            await _fail(sessions, job_id, kind_name, exc)
            return []
        session.add_all(
            JobPart(job_id=job_id, index=i, part=part, status=QUEUED)
            for i, part in enumerate(parts)
        )
        values: dict[str, Any] = {
            "status": RUNNING, "started_at": utcnow(), "done": 0, "total": len(parts),
        }  # fmt: skip
        if not parts:
            values.update(status=SUCCEEDED, result={}, active_key=None, finished_at=utcnow())
        await session.execute(update(Job).where(Job.id == job_id).values(**values))
        await session.commit()
        return list(range(len(parts)))


async def run_part(
    sessions: async_sessionmaker[AsyncSession],
    job_id: int,
    index: int,
    worker: str,
    enforcers: EnforcerCache | None = None,
) -> None:
    """Run part ``index`` of job ``job_id`` (see the module) as ``worker``. Never
    raises."""
    async with sessions() as session:
        found = (
            await session.execute(
                select(Job, JobPart)
                .join(JobPart, JobPart.job_id == Job.id)
                .where(Job.id == job_id, JobPart.index == index)
            )
        ).first()
        if found is None:
            return
        job, part = found
        if job.status != RUNNING:
            return  # the job failed meanwhile
        if part.status == SUCCEEDED:  # handed out twice: done already
            await _end_if_done(session, job_id)
            return
        kind_name, parameters, payload = job.kind, dict(job.parameters), part.part
        await session.execute(
            update(JobPart)
            .where(JobPart.id == part.id)
            .values(status=RUNNING, started_at=utcnow(), finished_at=None, worker=worker)
        )
        await session.commit()
        try:
            kind = _kind(job)
            caller = await _caller_of(session, job, enforcers)
        except Exception as exc:
            await session.rollback()
            await _fail(sessions, job_id, kind_name, exc, index)
            return
    try:
        with deferred_statistics() as changes:
            async with sessions() as own:
                result = await kind.run_part(own, caller, parameters, payload)
    except Exception as exc:
        await _fail(sessions, job_id, kind_name, exc, index)
        return
    await _part_done(sessions, job_id, kind, index, result, changes)


async def _part_done(
    sessions: async_sessionmaker[AsyncSession],
    job_id: int,
    kind: JobKind,
    index: int,
    result: dict[str, Any],
    changes: Mapping[str, int],
) -> None:
    """Mark the part done and bring the job up to date, the job's row locked; then
    analyze the tables the job's changes make due (and, when it ended, the rest)."""
    async with sessions() as session:
        job = await _locked(session, job_id)
        if job is None:
            return
        await session.execute(
            update(JobPart)
            .where(JobPart.job_id == job_id, JobPart.index == index)
            .values(status=SUCCEEDED, result=result, error=None, finished_at=utcnow())
        )
        done = (
            await session.execute(
                select(JobPart.result)
                .where(JobPart.job_id == job_id, JobPart.status == SUCCEEDED)
                .order_by(JobPart.index)
            )
        ).scalars()
        merged: dict[str, Any] = {}
        count = 0
        for part_result in done:
            merged = kind.merge(merged, part_result or {})
            count += 1
        ledger: dict[str, Any] = dict(job.statistics or {})
        tables = stats.due(ledger, changes)
        ending = job.status == RUNNING and count == job.total
        if ending:
            tables += stats.left_over(ledger)
        await session.execute(
            update(Job).where(Job.id == job_id).values(done=count, result=merged, statistics=ledger)
        )
        await session.commit()
        await analyze(session, sorted(set(tables)))
        if ending:  # after its last ANALYZE: a client reading SUCCEEDED finds fresh statistics
            await _end_if_done(session, job_id)


async def _end_if_done(session: AsyncSession, job_id: int) -> None:
    """Mark the running job SUCCEEDED if every part is done (the part that did the
    last one, or — should its worker have died in between — the part's task handed
    out again)."""
    done = (
        select(func.count())
        .select_from(JobPart)
        .where(JobPart.job_id == job_id, JobPart.status == SUCCEEDED)
        .scalar_subquery()
    )
    await session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == RUNNING, Job.total == done)
        .values(status=SUCCEEDED, active_key=None, finished_at=utcnow())
    )
    await session.commit()


async def _fail(
    sessions: async_sessionmaker[AsyncSession],
    job_id: int,
    kind: str,
    exc: BaseException,
    index: int | None = None,
) -> None:
    """Fail the job with ``exc`` unless it has ended (the first failure wins), mark
    the failing part and skip the parts not started; analyze what the parts done
    left over."""
    code, message = _error_of(job_id, kind, exc)
    async with sessions() as session:
        job = await _locked(session, job_id)
        if job is None:
            return
        now = utcnow()
        if index is not None:
            await session.execute(
                update(JobPart)
                .where(JobPart.job_id == job_id, JobPart.index == index)
                .values(status=FAILED, error=message, finished_at=now)
            )
        tables: list[str] = []
        if job.status in (QUEUED, RUNNING):
            await session.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(
                    status=FAILED, error_code=code, error=message, active_key=None,
                    finished_at=now,
                )
            )  # fmt: skip
            await session.execute(
                update(JobPart)
                .where(JobPart.job_id == job_id, JobPart.status == QUEUED)
                .values(status=SKIPPED)
            )
            tables = stats.left_over(job.statistics or {})
        await session.commit()
        await analyze(session, tables)


async def execute(
    sessions: async_sessionmaker[AsyncSession], job_id: int, worker: str | None = None
) -> None:
    """Run job ``job_id`` to its end in this process (SQLite: one writer, so the parts
    run one at a time), skipping the parts done before. Never raises."""
    worker = worker or this_process()
    enforcers = EnforcerCache()
    for index in await start(sessions, job_id):
        async with sessions() as session:
            status = (
                await session.execute(select(Job.status).where(Job.id == job_id))
            ).scalar_one_or_none()
        if status != RUNNING:
            return
        await run_part(sessions, job_id, index, worker, enforcers)
