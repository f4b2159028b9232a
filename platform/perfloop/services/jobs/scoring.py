"""The scoring run of a cycle, as a job.

``results.score_part`` scores the signed plans of the people placed in some org units
and writes their draft results; this job runs it by departments (those of
``departments_within`` that hold part of the org unit named, or all of them, put
together into parts of up to ``PART_PEOPLE`` people by ``parts_within``), each part
committed on its own, so a run over 100,000 people holds a few thousand people at a
time, reports progress per part and, on PostgreSQL, runs on procrastinate workers
(each part a task of its own, so on every worker at once).

Rules:

- Only a caller whose ``result.manage`` scope is the whole tenant (HR) starts it, and
  the job runs with the starter's rights as they are when it runs.
- One scoring run per cycle at a time: asking again while it is queued or running
  returns that job (``created: false``); asking for another org unit meanwhile is a
  CONFLICT naming the running job.
- A part run again (a crash, a job handed out twice, HR starting the run again)
  overwrites the same draft rows (``results`` upserts by cycle, person and version):
  no double results.
- Its result counts the people scored, those whose published result stands unchanged,
  the plans not scored because they are not signed and those that failed, listing up
  to 100 of each with the employee and the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from perfloop.authz import Permission, Scope
from perfloop.services import plans, results
from perfloop.services.core.errors import ErrorCode, Forbidden, ServiceError
from perfloop.services.jobs.queue import dispatch
from perfloop.services.jobs.records import JobKind, JobView, create_job, register
from perfloop.services.jobs.refresh import cycle_parts
from perfloop.store.org import OrgUnit

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller

SCORE_RESULTS = "score-results"


def _company_wide(caller: Caller) -> None:
    if caller.require(Permission.RESULT_MANAGE) is not Scope.TENANT:
        raise Forbidden("a scoring run needs result.manage for the whole company")


async def _parts(
    session: AsyncSession, caller: Caller, parameters: Mapping[str, Any]
) -> Sequence[list[int]]:
    _company_wide(caller)  # still: the job runs with the starter's rights as they are now
    return await cycle_parts(session, caller, parameters)


async def _run_part(
    session: AsyncSession, caller: Caller, parameters: Mapping[str, Any], units: list[int]
) -> dict[str, Any]:
    done = await results.score_part(session, caller, int(parameters["cycle"]), units)
    return done.as_json()


register(JobKind(SCORE_RESULTS, Permission.RESULT_MANAGE, _parts, _run_part, results.merge))


async def start_scoring_run(
    session: AsyncSession, caller: Caller, cycle_id: int, org_unit_id: int | None = None
) -> tuple[JobView, bool]:
    """Queue the scoring run of the cycle (of one org unit's subtree, or all), or return
    the one already queued or running for the cycle. Returns the job and whether it is
    new."""
    _company_wide(caller)
    cycle = await plans.get_cycle(session, caller, cycle_id)
    if org_unit_id is not None:
        unit = await session.get(OrgUnit, org_unit_id)
        if unit is None or unit.tenant_id != caller.tenant_id:
            raise plans.not_found("org unit", ("orgUnit",))
    parameters: dict[str, Any] = {"cycle": cycle.id, "orgUnit": org_unit_id}
    job, new = await create_job(session, caller, SCORE_RESULTS, f"cycle:{cycle.id}", parameters)
    if not new and dict(job.parameters) != parameters:
        raise ServiceError.one(
            ErrorCode.CONFLICT,
            f"another scoring run of this cycle is running (job {job.id});"
            " start yours once it has ended",
            ("cycle",),
        )
    if new:
        await dispatch(session, job.id)
        await session.refresh(job)  # a job that could not be queued says so at once
    return JobView.of(job), new
