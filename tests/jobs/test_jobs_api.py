"""Jobs over GraphQL: HR starts the company-wide refresh of actuals, a worker (in this
process: procrastinate's on PostgreSQL, an asyncio task on SQLite) runs it department
by department, and `job(id)` shows its progress, result or typed error."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import procrastinate
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from perfloop.authz import EnforcerCache, Permission
from perfloop.services import jobs
from perfloop.services.core.caller import Caller, resolve_caller
from perfloop.services.core.errors import ErrorCode, ServiceError
from perfloop.services.identity import create_tenant
from perfloop.store import make_engine, make_sessionmaker, upgrade
from perfloop.store.jobs import Job
from support import GraphQLClient
from support.actuals import ingest, last_quarter, library_item, open_cycle, order
from support.company import Company, create_company

START = """
mutation($cycle: ID!) {
  startRefreshActuals(cycle: $cycle) {
    created job { id kind status done total parameters } errors { code message path }
  }
}"""
JOB = """
query($id: ID!) {
  job(id: $id) {
    id kind status done total result error { code message } startedAt finishedAt
  }
}"""
SET_ITEMS = """
mutation($cycle: ID!, $employee: ID!, $items: [ScorecardItemInput!]!) {
  setScorecardItems(cycle: $cycle, employee: $employee, items: $items) { errors { message } }
}"""
READ = """
query($employee: ID!, $cycle: ID!) { scorecard(employee: $employee, cycle: $cycle) {
  items { key actual } } }
"""


async def drain(engine: AsyncEngine, concurrency: int = 1) -> None:
    """Run every queued job to its end, as `perfloop worker` would."""
    if engine.dialect.name == "postgresql":
        await jobs.run_worker(engine, wait=False, concurrency=concurrency)
    else:
        await jobs.wait_in_process()


async def _start(company: Company, cycle: str, as_user: str = "hr") -> dict[str, Any]:
    data = await company.ok(START, {"cycle": cycle}, as_user=as_user)
    payload: dict[str, Any] = data["startRefreshActuals"]
    return payload


async def _job(company: Company, job_id: str, as_user: str = "hr") -> Any:
    return (await company.ok(JOB, {"id": job_id}, as_user=as_user))["job"]


async def _sales_plans(company: Company) -> str:
    """Last quarter's cycle, with revenue plans for emp (d1/t1) and other (d2)."""
    period, start, _ = last_quarter()
    cycle = await open_cycle(company, period)
    for who in ("emp", "other"):
        variables = {
            "cycle": cycle,
            "employee": str(company.people[who]),
            "items": [
                library_item("revenue", 100_000, 40),
                library_item("paid_orders", 2, 30),
                library_item("renewal_rate", 85, 30),  # entered by hand: not refreshed
            ],
        }
        data = await company.ok(SET_ITEMS, variables, as_user="hr")
        assert data["setScorecardItems"]["errors"] == []
    await ingest(company, "sales-orders", [
        order(company.email("emp"), start, 60_000),
        order(company.email("other"), start, 20_000),
    ])  # fmt: skip
    return cycle


async def test_hr_refreshes_the_whole_company_as_a_job(
    company: Company, engine: AsyncEngine
) -> None:
    # given two sales plans in two departments and their orders
    cycle = await _sales_plans(company)
    # when HR starts the company-wide refresh
    started = await _start(company, cycle)
    # then a job is queued for it
    assert started["errors"] == []
    assert started["created"] is True
    job = started["job"]
    assert (job["kind"], job["status"], job["parameters"]) == (
        "refresh-actuals", "QUEUED", {"cycle": int(cycle)},
    )  # fmt: skip
    # when a worker runs it
    await drain(engine)
    # then it succeeded, one part per department (d1 with t1, d2, and the company unit)
    done = await _job(company, job["id"])
    assert (done["status"], done["done"], done["total"], done["error"]) == (
        "SUCCEEDED", 3, 3, None,
    )  # fmt: skip
    assert done["result"] == {"updated": 4, "overridden": 0, "failed": 0, "failedItems": []}
    assert done["startedAt"] is not None
    assert done["finishedAt"] is not None
    # and the plans carry the refreshed actuals
    for who, revenue in (("emp", 60_000), ("other", 20_000)):
        variables = {"employee": str(company.people[who]), "cycle": cycle}
        card = (await company.ok(READ, variables, as_user="hr"))["scorecard"]
        assert {i["key"]: i["actual"] for i in card["items"]} == {
            "revenue": revenue, "paid_orders": 1, "renewal_rate": None,
        }  # fmt: skip


async def test_asking_again_while_it_runs_returns_the_same_job(
    company: Company, engine: AsyncEngine
) -> None:
    # given a company-wide refresh HR started and no worker has run yet
    period, _, _ = last_quarter()
    cycle = await open_cycle(company, period)
    first = await _start(company, cycle)
    # when HR asks again
    again = await _start(company, cycle)
    # then it is the same job, not a second one
    assert again["errors"] == []
    assert (again["created"], again["job"]["id"]) == (False, first["job"]["id"])
    # and once it has ended, a new request is a new job
    await drain(engine)
    assert (await _job(company, first["job"]["id"]))["status"] == "SUCCEEDED"
    later = await _start(company, cycle)
    assert later["created"] is True
    assert later["job"]["id"] != first["job"]["id"]
    await drain(engine)


async def test_only_company_wide_callers_start_it_and_others_cannot_read_it(
    company: Company,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    gql: GraphQLClient,
) -> None:
    # given HR's company-wide refresh
    period, _, _ = last_quarter()
    cycle = await open_cycle(company, period)
    job_id = (await _start(company, cycle))["job"]["id"]
    await drain(engine)
    # when people without the whole company in scope try to start one
    for who in ("lead", "head", "emp"):
        payload = await _start(company, cycle, as_user=who)
        # then they are refused, and pointed to refreshActuals
        assert payload["job"] is None
        assert [e["code"] for e in payload["errors"]] == ["FORBIDDEN"]
    # and they cannot read HR's job: it does not exist for them
    for who in ("emp", "lead", "head"):
        assert await _job(company, job_id, as_user=who) is None
    # nor can another tenant's HR
    outsider = await create_company(sessions, gql)
    assert await _job(outsider, job_id) is None
    # and a malformed or unknown id is simply no job
    assert await _job(company, "x") is None
    assert await _job(company, "999999999") is None


class _Boom(Exception):
    pass


async def _parts(session: AsyncSession, caller: Caller, parameters: Any) -> list[int]:
    return [1, 2, 3]


async def _run_part(
    session: AsyncSession, caller: Caller, parameters: Any, part: int
) -> dict[str, Any]:
    if part == parameters["fail_at"]:
        if parameters["how"] == "expected":
            raise ServiceError.one(ErrorCode.INVALID, "part 2 has no data", ("cycle",))
        raise _Boom("a bug with a secret in its message")
    return {"parts": [part]}


def _merge(total: dict[str, Any], part: dict[str, Any]) -> dict[str, Any]:
    return {"parts": total.get("parts", []) + part["parts"]}


FLAKY = jobs.register(
    jobs.JobKind("test-flaky", Permission.ACTUAL_ENTER, _parts, _run_part, _merge)
)


_running: list[int] = []
_widest: list[int] = [0]


async def _run_slowly(
    session: AsyncSession, caller: Caller, parameters: Any, part: int
) -> dict[str, Any]:
    _running.append(part)
    _widest[0] = max(_widest[0], len(_running))
    await asyncio.sleep(0.02 * (6 - part))  # later parts end sooner
    _running.remove(part)
    return {"parts": [part]}


async def _six(session: AsyncSession, caller: Caller, parameters: Any) -> list[int]:
    return [1, 2, 3, 4, 5, 6]


WIDE = jobs.register(jobs.JobKind("test-wide", Permission.ACTUAL_ENTER, _six, _run_slowly, _merge))


async def test_parts_run_side_by_side_on_postgresql_and_merge_in_part_order(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """A worker runs as many parts at once as its concurrency (two by default)."""
    # given a job of six parts, each later part ending sooner than the one before
    _widest[0] = 0
    async with sessions() as session:
        hr = await resolve_caller(session, EnforcerCache(), company.slug, company.email("hr"))
        job, _ = await jobs.create_job(session, hr, WIDE.name, "wide", {})
        await jobs.dispatch(session, job.id)
    # when a worker runs it
    await drain(engine, concurrency=jobs.CONCURRENCY)
    # then PostgreSQL ran two parts at once, SQLite (one writer) one at a time
    done = await _job(company, str(job.id))
    assert (done["status"], done["done"], done["total"]) == ("SUCCEEDED", 6, 6)
    assert _widest[0] == (jobs.CONCURRENCY if engine.dialect.name == "postgresql" else 1)
    # and the result lists the parts in their order, not in the order they ended
    assert done["result"] == {"parts": [1, 2, 3, 4, 5, 6]}


@pytest.mark.parametrize(
    ("how", "code", "message"),
    [
        ("expected", "INVALID", "part 2 has no data"),
        ("bug", "JOB_FAILED", "the job stopped on an unexpected error, logged on the server"),
    ],
)
async def test_a_failing_part_fails_the_job_with_a_typed_error(
    company: Company,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    how: str,
    code: str,
    message: str,
) -> None:
    # given a job whose second of three parts fails
    async with sessions() as session:
        hr = await resolve_caller(session, EnforcerCache(), company.slug, company.email("hr"))
        job, _ = await jobs.create_job(
            session, hr, FLAKY.name, f"flaky:{how}", {"fail_at": 2, "how": how}
        )
        await jobs.dispatch(session, job.id)
    # when a worker runs it
    await drain(engine)
    # then the job failed with a typed error, after the first part, and no traceback
    done = await _job(company, str(job.id))
    assert (done["status"], done["done"], done["total"]) == ("FAILED", 1, 3)
    assert done["error"]["code"] == code
    assert done["error"]["message"].startswith(message)
    assert "secret" not in done["error"]["message"]
    assert "Traceback" not in done["error"]["message"]
    assert done["result"] == {"parts": [1]}
    # and the same work may be asked for again
    async with sessions() as session:
        hr = await resolve_caller(session, EnforcerCache(), company.slug, company.email("hr"))
        again, new = await jobs.create_job(session, hr, FLAKY.name, f"flaky:{how}", {})
    assert new is True
    assert again.id != job.id


async def test_a_restarted_sqlite_server_resumes_its_unfinished_jobs(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    if engine.dialect.name == "postgresql":
        pytest.skip("on PostgreSQL the queue keeps unfinished jobs for the workers")
    # given a job a stopped server left queued (stored, never started)
    async with sessions() as session:
        hr = await resolve_caller(session, EnforcerCache(), company.slug, company.email("hr"))
        job, _ = await jobs.create_job(session, hr, FLAKY.name, "resume", {"fail_at": 0})
    # when the server starts again
    assert await jobs.resume_in_process(engine) >= 1
    await jobs.wait_in_process()
    # then the job ran to its end
    done = await _job(company, str(job.id))
    assert (done["status"], done["done"], done["result"]) == ("SUCCEEDED", 3, {"parts": [1, 2, 3]})


async def test_two_requests_at_once_make_one_job(company: Company, engine: AsyncEngine) -> None:
    # given a cycle with no refresh running
    period, _, _ = last_quarter()
    cycle = await open_cycle(company, period)
    # when HR's two browser tabs start the company-wide refresh at the same moment
    first, second = await asyncio.gather(_start(company, cycle), _start(company, cycle))
    # then both answer with the one job, one of them having created it
    assert first["errors"] == second["errors"] == []
    assert first["job"]["id"] == second["job"]["id"]
    assert sorted([first["created"], second["created"]]) == [False, True]
    await drain(engine)


async def test_a_job_the_queue_refuses_fails_at_once(
    company: Company, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs jobs in-process: there is no queue to refuse them")

    # given a queue that cannot be reached
    async def unreachable(*args: Any, **kwargs: Any) -> None:
        raise OSError("connection refused")

    monkeypatch.setattr(procrastinate.PsycopgConnector, "open_async", unreachable)
    period, _, _ = last_quarter()
    cycle = await open_cycle(company, period)
    # when HR starts the company-wide refresh
    started = await _start(company, cycle)
    # then the job is reported failed, with a typed error and no internals
    job = await _job(company, started["job"]["id"])
    assert job["status"] == "FAILED"
    assert job["error"]["code"] == "JOB_FAILED"
    assert "connection refused" not in job["error"]["message"]
    # and it does not block the next request once the queue is back
    monkeypatch.undo()
    again = await _start(company, cycle)
    assert again["created"] is True
    await drain(engine)


HOLD_LOCK = """
import fcntl, sys, time
handle = open(sys.argv[1], "ab")
fcntl.flock(handle, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(60)
"""


async def test_one_process_per_sqlite_file_resumes_its_jobs(tmp_path: Path) -> None:
    # given a SQLite database with a job a stopped server left queued
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/perfloop.db")
    await upgrade(engine)
    async with make_sessionmaker(engine)() as session:
        tenant = await create_tenant(session, "resume", "Resume")
        session.add(
            Job(tenant_id=tenant.id, kind=FLAKY.name, key="x", active_key="x", parameters={})
        )
        await session.commit()
    # when another serving process of the same file holds the resume lock
    other = await asyncio.create_subprocess_exec(
        sys.executable, "-c", HOLD_LOCK, f"{tmp_path}/perfloop.db.jobs.lock",
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert other.stdout is not None
        assert (await other.stdout.readline()).strip() == b"held"
        # then this one leaves the job to it
        assert await jobs.resume_in_process(engine) == 0
    finally:
        other.kill()
        await other.wait()
    # and once that process is gone, this one resumes it (and keeps doing so)
    assert await jobs.resume_in_process(engine) == 1
    await jobs.wait_in_process()
    async with make_sessionmaker(engine)() as session:
        status = (await session.execute(select(Job.status))).scalar_one()
    assert status == jobs.FAILED  # it ran: the account that started it does not exist
    await engine.dispose()
