"""A job's parts: each a row saying who ran it, on PostgreSQL a queue task of its own
(so the parts of one job spread over every worker), never run twice once done (a
part delivered twice, a job resumed after a crash), and a failing part stopping the
parts after it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from perfloop.authz import EnforcerCache, Permission
from perfloop.services import jobs
from perfloop.services.core.caller import Caller, resolve_caller
from perfloop.services.core.errors import ErrorCode, ServiceError
from perfloop.services.jobs import queue, runner
from perfloop.store.jobs import JobPart
from support.company import Company

JOB = """
query($id: ID!) {
  job(id: $id) {
    status done total result error { code message }
    parts { index status worker startedAt finishedAt error }
  }
}"""

#: how often each part of the jobs below ran its work, by (job key, part)
RUNS: dict[tuple[str, int], int] = {}


async def _parts(session: AsyncSession, caller: Caller, parameters: Any) -> list[int]:
    return list(range(int(parameters["parts"])))


async def _run_part(
    session: AsyncSession, caller: Caller, parameters: Any, part: int
) -> dict[str, Any]:
    key = (str(parameters["key"]), part)
    RUNS[key] = RUNS.get(key, 0) + 1
    await asyncio.sleep(float(parameters.get("sleep", 0)))
    if part == parameters.get("fail_at"):
        raise ServiceError.one(ErrorCode.CONFLICT, f"part {part} met a signed plan")
    return {"parts": [part]}


def _merge(total: dict[str, Any], part: dict[str, Any]) -> dict[str, Any]:
    return {"parts": total.get("parts", []) + part["parts"]}


COUNTED = jobs.register(
    jobs.JobKind("test-counted", Permission.ACTUAL_ENTER, _parts, _run_part, _merge)
)


async def _create(
    company: Company, sessions: async_sessionmaker[AsyncSession], key: str, **parameters: Any
) -> int:
    for earlier in [k for k in RUNS if k[0] == key]:  # the other database's run
        del RUNS[earlier]
    async with sessions() as session:
        hr = await resolve_caller(session, EnforcerCache(), company.slug, company.email("hr"))
        job, new = await jobs.create_job(session, hr, COUNTED.name, key, {"key": key, **parameters})
    assert new
    return job.id


async def _job(company: Company, job_id: int, as_user: str = "hr") -> Any:
    return (await company.ok(JOB, {"id": str(job_id)}, as_user=as_user))["job"]


async def _runs(key: str) -> list[int]:
    return [RUNS.get((key, i), 0) for i in range(max(i for k, i in RUNS if k == key) + 1)]


async def _until_ended(company: Company, job_id: int, seconds: float = 60) -> Any:
    for _ in range(int(seconds / 0.1)):
        job = await _job(company, job_id)
        if job["status"] in ("SUCCEEDED", "FAILED"):
            return job
        await asyncio.sleep(0.1)
    raise AssertionError(f"job {job_id} did not end within {seconds} s")


async def test_two_workers_run_the_parts_of_one_job(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs a job's parts in the serving process, one at a time")
    # given one job of six parts, each a quarter of a second of work
    job_id = await _create(company, sessions, "two-workers", parts=6, sleep=0.25)
    async with sessions() as session:
        await jobs.dispatch(session, job_id)
    # when two workers (as on two machines) run the queue, one part at a time each
    workers = [
        asyncio.create_task(jobs.run_worker(engine, concurrency=1, name=name, signals=False))
        for name in ("machine-a:1", "machine-b:1")
    ]
    try:
        job = await _until_ended(company, job_id)
    finally:
        for worker in workers:
            worker.cancel()  # a clean stop: the part at hand finishes
        await asyncio.gather(*workers, return_exceptions=True)
    # then the job succeeded, every part ran once, merged in part order
    assert (job["status"], job["done"], job["total"]) == ("SUCCEEDED", 6, 6)
    assert job["result"] == {"parts": [0, 1, 2, 3, 4, 5]}
    assert await _runs("two-workers") == [1] * 6
    # and the part rows say both workers ran parts of it
    parts = job["parts"]
    assert [p["index"] for p in parts] == list(range(6))
    assert {p["status"] for p in parts} == {"SUCCEEDED"}
    assert {p["worker"] for p in parts} == {"machine-a:1", "machine-b:1"}
    assert all(p["startedAt"] and p["finishedAt"] for p in parts)


async def _drain(engine: AsyncEngine) -> None:
    if engine.dialect.name == "postgresql":
        await jobs.run_worker(engine, wait=False, concurrency=1)
    else:
        await jobs.wait_in_process()


async def test_a_failing_part_fails_the_job_and_the_parts_after_it_do_not_run(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given a job of four parts whose second fails
    job_id = await _create(company, sessions, "fails", parts=4, fail_at=1)
    async with sessions() as session:
        await jobs.dispatch(session, job_id)
    # when a worker runs it
    await _drain(engine)
    # then the job failed with the part's error, the first part done and counted
    job = await _job(company, job_id)
    assert (job["status"], job["done"], job["total"]) == ("FAILED", 1, 4)
    assert job["error"] == {"code": "CONFLICT", "message": "part 1 met a signed plan"}
    assert job["result"] == {"parts": [0]}
    # and the parts after it never ran: skipped
    assert [p["status"] for p in job["parts"]] == ["SUCCEEDED", "FAILED", "SKIPPED", "SKIPPED"]
    assert job["parts"][1]["error"] == "part 1 met a signed plan"
    assert await _runs("fails") == [1, 1]


async def test_a_part_delivered_twice_runs_once(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given a job of three parts that has started
    job_id = await _create(company, sessions, "twice", parts=3)
    assert await runner.start(sessions, job_id) == [0, 1, 2]
    # when its first part is delivered twice, before and after the others ran
    await runner.run_part(sessions, job_id, 0, "w1")
    await runner.run_part(sessions, job_id, 0, "w2")
    await runner.run_part(sessions, job_id, 1, "w1")
    await runner.run_part(sessions, job_id, 2, "w1")
    if engine.dialect.name == "postgresql":  # and through the queue, once more
        app = queue.make_queue(engine.url, min_size=1, max_size=1)
        async with app.open_async():
            await app.configure_task(queue.PART_TASK, queue=queue.QUEUE).batch_defer_async(
                {"job_id": job_id, "index": 0}, {"job_id": job_id, "index": 2}
            )
        await _drain(engine)
    else:
        await runner.run_part(sessions, job_id, 0, "w3")
    # then each part ran its work once, and the result counts it once
    assert await _runs("twice") == [1, 1, 1]
    job = await _job(company, job_id)
    assert (job["status"], job["done"], job["result"]) == ("SUCCEEDED", 3, {"parts": [0, 1, 2]})
    assert job["parts"][0]["worker"] == "w1"


async def test_a_job_resumed_after_a_crash_skips_the_parts_done(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    if engine.dialect.name == "postgresql":
        pytest.skip("on PostgreSQL the queue keeps the parts not done for the workers")
    # given a job of four parts whose server stopped after two, in the middle of the third
    job_id = await _create(company, sessions, "resumed", parts=4)
    await runner.start(sessions, job_id)
    await runner.run_part(sessions, job_id, 0, "before")
    await runner.run_part(sessions, job_id, 1, "before")
    async with sessions() as session:
        await session.execute(
            update(JobPart)
            .where(JobPart.job_id == job_id, JobPart.index == 2)
            .values(status=jobs.RUNNING, worker="before")
        )
        await session.commit()
    # when the server starts again
    assert await jobs.resume_in_process(engine) >= 1
    await jobs.wait_in_process()
    # then only the parts not done ran, and the result counts every part once
    assert await _runs("resumed") == [1, 1, 1, 1]
    job = await _job(company, job_id)
    assert (job["status"], job["done"], job["result"]) == (
        "SUCCEEDED", 4, {"parts": [0, 1, 2, 3]},
    )  # fmt: skip
    async with sessions() as session:
        workers = (
            await session.execute(
                select(JobPart.worker).where(JobPart.job_id == job_id).order_by(JobPart.index)
            )
        ).scalars()
        assert list(workers)[:2] == ["before", "before"]
