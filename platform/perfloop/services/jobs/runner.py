"""Running a job: claim it, cut it into parts, run and commit each part, record
progress, and end it succeeded or failed (see ``records`` for the rules)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from perfloop.authz import EnforcerCache
from perfloop.services.core.caller import resolve_caller
from perfloop.services.core.errors import ErrorCode, ServiceError
from perfloop.services.jobs.records import FAILED, KINDS, RUNNING, SUCCEEDED, claimable, set_state
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
            result: dict[str, Any] = {}
            async with batched_statistics(session):  # not one ANALYZE per part
                for done, part in enumerate(parts, 1):
                    done_part = await kind.run_part(session, caller, parameters, part)
                    result = kind.merge(result, done_part)
                    await set_state(session, job_id, done=done, result=result)
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
