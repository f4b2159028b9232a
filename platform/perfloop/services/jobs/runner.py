"""Running a job: claim it, cut it into parts, run and commit each part, record
progress, and end it succeeded or failed (see ``records`` for the rules)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from perfloop.authz import EnforcerCache
from perfloop.services.core.caller import resolve_caller
from perfloop.services.core.errors import ErrorCode, ServiceError
from perfloop.services.jobs.records import (
    FAILED,
    KINDS,
    RUNNING,
    SUCCEEDED,
    JobKind,
    claimable,
    set_state,
)
from perfloop.store.core import batched_statistics, utcnow
from perfloop.store.identity import Tenant, UserAccount
from perfloop.store.jobs import Job

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from perfloop.services.core.caller import Caller

log = logging.getLogger(__name__)

#: what a client reads when a part failed on a bug rather than an expected failure
UNEXPECTED = "the job stopped on an unexpected error, logged on the server as job {id}; try again"


async def _caller_of(session: AsyncSession, job: Job) -> Caller:
    """The job runs as the person who started it, with their rights as they are now
    (a deactivated account's job fails)."""
    row = (
        await session.execute(
            select(Tenant.slug, UserAccount.email)
            .join(UserAccount, UserAccount.tenant_id == Tenant.id)
            .where(Tenant.id == job.tenant_id, UserAccount.id == job.created_by_id)
        )
    ).first()
    if row is None:
        raise ServiceError.one(ErrorCode.NOT_FOUND, "the account that started the job is gone")
    return await resolve_caller(session, EnforcerCache(), row.slug, row.email)


#: Parts of one job run at once on PostgreSQL, each in its own session and
#: transaction (they touch disjoint rows: departments). Two keep both the worker's
#: Python and the database busy on a two-core machine; more workers (processes or
#: machines) run more jobs. SQLite has one writer: its parts run one at a time.
PARTS_AT_ONCE = 2


async def execute(sessions: async_sessionmaker[AsyncSession], job_id: int) -> None:
    """Run job ``job_id`` to its end. Never raises: the outcome is on the row."""
    async with sessions() as session:
        job = (await session.execute(select(Job).where(claimable(job_id)))).scalar_one_or_none()
        if job is None:
            return  # ended already (a retried message): nothing to do
        parameters: dict[str, Any] = dict(job.parameters)
        kind = KINDS.get(job.kind)
        try:
            if kind is None:
                raise ServiceError.one(ErrorCode.INVALID, f"unknown job kind {job.kind!r}")
            caller = await _caller_of(session, job)
            parts = await kind.parts(session, caller, parameters)
            await set_state(
                session, job_id, status=RUNNING, started_at=utcnow(), done=0, total=len(parts)
            )
            async with batched_statistics(session):  # not one ANALYZE per part
                result = await _run_parts(
                    session, sessions, job_id, kind, caller, parameters, parts
                )
            await set_state(session, job_id, status=SUCCEEDED, result=result)
        except ServiceError as exc:
            await session.rollback()
            first = exc.errors[0]
            await set_state(
                session, job_id, status=FAILED, error_code=str(first.code), error=first.message
            )
        except Exception:
            log.exception("job %s (%s) failed", job_id, job.kind)
            await session.rollback()
            await set_state(
                session, job_id, status=FAILED, error_code=str(ErrorCode.JOB_FAILED),
                error=UNEXPECTED.format(id=job_id),
            )  # fmt: skip


async def _run_parts(
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    job_id: int,
    kind: JobKind,
    caller: Caller,
    parameters: Mapping[str, Any],
    parts: Sequence[Any],
) -> dict[str, Any]:
    """Run the parts, up to :data:`PARTS_AT_ONCE` at a time (one on SQLite), each in a
    session of its own that the part commits; progress is written as each ends. The
    result merges the parts' results in part order, whatever order they end in. A
    failing part stops the parts not started yet; those running finish (their work is
    committed and stays, and counts as done), then the failure is raised."""
    width = 1 if session.get_bind().dialect.name == "sqlite" else PARTS_AT_ONCE
    results: list[dict[str, Any] | None] = [None] * len(parts)
    failure: list[BaseException] = []
    gate = asyncio.Semaphore(width)

    async def run(index: int, part: Any) -> None:
        async with gate:
            if failure:
                return
            try:
                async with sessions() as own:
                    results[index] = await kind.run_part(own, caller, parameters, part)
            except Exception as exc:
                failure.append(exc)

    def merged() -> dict[str, Any]:
        total: dict[str, Any] = {}
        for done_part in results:
            if done_part is not None:
                total = kind.merge(total, done_part)
        return total

    tasks = [asyncio.ensure_future(run(i, part)) for i, part in enumerate(parts)]
    recorded = 0
    for finished in asyncio.as_completed(tasks):
        await finished
        done = sum(r is not None for r in results)
        if done > recorded:  # a part ended well (also after another failed: it is committed)
            recorded = done
            await set_state(session, job_id, done=done, result=merged())
    if failure:
        raise failure[0]
    return merged()
