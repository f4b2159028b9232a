"""The company-wide assignment of plan items as a job: HR starts it, the request is
checked as a whole first (a bad one is a payload error and no job), and a worker runs
`plans.assign_items` department by department, with the same outcome as the
synchronous `assignScorecardItems`."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from perfloop.authz import EnforcerCache
from perfloop.services import jobs
from perfloop.services import plans as plan_services
from perfloop.services.core.caller import resolve_caller
from perfloop.services.jobs.assign import items_to_json
from perfloop.store.core import AuditEvent, utcnow
from perfloop.store.identity import Tenant
from perfloop.store.jobs import Job
from perfloop.store.plans import Scorecard
from support import GraphQLClient
from support.actuals import last_quarter, open_cycle
from support.company import Company, create_company

START = """
mutation($cycle: ID!, $unit: ID, $position: String, $items: [ScorecardItemInput!]!,
         $overrides: [TargetOverrideInput!], $reason: String) {
  startAssignScorecardItems(cycle: $cycle, orgUnit: $unit, position: $position, items: $items,
                            overrides: $overrides, reason: $reason) {
    created job { id kind status parameters } errors { code message path }
  }
}"""
ASSIGN = """
mutation($cycle: ID!, $unit: ID, $position: String, $items: [ScorecardItemInput!]!,
         $overrides: [TargetOverrideInput!], $reason: String) {
  assignScorecardItems(cycle: $cycle, orgUnit: $unit, position: $position, items: $items,
                       overrides: $overrides, reason: $reason) {
    scorecards { id } reopened removedItems { scorecard keys } errors { code message path }
  }
}"""
JOB = """
query($id: ID!) { job(id: $id) { status done total result error { code message } } }"""
SET_ITEMS = """
mutation($cycle: ID!, $employee: ID!, $items: [ScorecardItemInput!]!) {
  setScorecardItems(cycle: $cycle, employee: $employee, items: $items) {
    scorecard { id revision } errors { message }
  }
}"""
SIGN = """
mutation($id: ID!, $as: SignerRole!, $revision: Int!) {
  signScorecard(scorecard: $id, signer: $as, expectedRevision: $revision) {
    scorecard { status revision } errors { code message }
  }
}"""
READ = """
query($employee: ID!, $cycle: ID!) { scorecard(employee: $employee, cycle: $cycle) {
  status items { key title target weight tasks { title status dueOn } } } }"""

ITEMS: list[dict[str, Any]] = [
    {"key": "sales", "title": "Sales", "target": 100, "weight": 40,
     "tasks": [{"title": "Call the top accounts", "dueOn": "2030-01-31"}]},
    {"key": "quality", "title": "Quality", "target": 95, "unit": "percent", "weight": 30,
     "thresholds": {"threshold": 0.5}},
    {"key": "growth", "title": "Growth", "target": 12, "weight": 30},
]  # fmt: skip
OLD_ITEMS: list[dict[str, Any]] = [
    {"key": "legacy", "title": "Legacy", "target": 1, "weight": 40},
    {"key": "sales", "title": "Sales", "target": 50, "weight": 30},
    {"key": "growth", "title": "Growth", "target": 10, "weight": 30},
]
#: ITEMS as the service takes them
SERVICE_ITEMS = [
    plan_services.ItemInput(
        weight=40, target=100, key="sales", title="Sales",
        tasks=(plan_services.TaskInput("Call the top accounts", None, dt.date(2030, 1, 31)),),
    ),
    plan_services.ItemInput(
        weight=30, target=95, key="quality", title="Quality", unit="percent",
        thresholds={"threshold": 0.5},
    ),
    plan_services.ItemInput(weight=30, target=12, key="growth", title="Growth"),
]  # fmt: skip
#: everyone the company unit reaches, but HR who assigns
REACHED = ("exec", "head", "lead", "emp", "other")


async def drain(engine: AsyncEngine) -> None:
    """Run every queued job to its end, as `perfloop worker` would."""
    if engine.dialect.name == "postgresql":
        await jobs.run_worker(engine, wait=False, concurrency=1)  # parts in order
    else:
        await jobs.wait_in_process()


def _request(company: Company, cycle_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "cycle": cycle_id,
        "unit": str(company.units["co"]),
        "items": ITEMS,
        "overrides": [{"employeeId": str(company.people["other"]), "key": "sales", "target": 70}],
        "reason": "new targets for the year",
        **extra,
    }


async def _start(company: Company, variables: dict[str, Any], as_user: str = "hr") -> Any:
    return (await company.ok(START, variables, as_user=as_user))["startAssignScorecardItems"]


async def _job(company: Company, job_id: str) -> Any:
    return (await company.ok(JOB, {"id": job_id}, as_user="hr"))["job"]


async def _signed_history(company: Company) -> str:
    """A cycle where emp's plan has a legacy item and is signed by both sides."""
    period, _, _ = last_quarter()
    cycle = await open_cycle(company, period)
    variables = {"cycle": cycle, "employee": str(company.people["emp"]), "items": OLD_ITEMS}
    card = (await company.ok(SET_ITEMS, variables, as_user="hr"))["setScorecardItems"]["scorecard"]
    for signer, who in (("EMPLOYEE", "emp"), ("MANAGER", "lead")):
        seen = {"id": card["id"], "revision": card["revision"], "as": signer}
        signed = (await company.ok(SIGN, seen, as_user=who))["signScorecard"]
        assert signed["errors"] == []
    return cycle


async def _plans(company: Company, cycle: str) -> dict[str, Any]:
    out = {}
    for who in REACHED:
        variables = {"employee": str(company.people[who]), "cycle": cycle}
        out[who] = (await company.ok(READ, variables, as_user="hr"))["scorecard"]
    return out


async def _job_count(sessions: async_sessionmaker[AsyncSession], company: Company) -> int:
    async with sessions() as session:
        count = await session.execute(
            select(func.count())
            .select_from(Job)
            .join(Tenant, Tenant.id == Job.tenant_id)
            .where(Tenant.slug == company.slug, Job.kind == jobs.ASSIGN_ITEMS)
        )
        return int(count.scalar_one())


async def test_the_job_assigns_what_the_synchronous_mutation_does(
    company: Company,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    gql: GraphQLClient,
) -> None:
    # given two identical companies, each with a signed plan holding a legacy item
    twin = await create_company(sessions, gql)
    cycle, twin_cycle = await _signed_history(company), await _signed_history(twin)
    # when HR assigns the same items to the whole of one synchronously
    sync = (await twin.ok(ASSIGN, _request(twin, twin_cycle), as_user="hr"))["assignScorecardItems"]
    assert sync["errors"] == []
    # and starts the same assignment as a job in the other
    started = await _start(company, _request(company, cycle))
    assert started["errors"] == []
    assert started["created"] is True
    assert (started["job"]["kind"], started["job"]["status"]) == ("assign-items", "QUEUED")
    assert started["job"]["parameters"]["items"][0]["tasks"][0]["dueOn"] == "2030-01-31"
    await drain(engine)
    # then the job succeeded, one part per department (d1 with t1, d2, the company unit)
    done = await _job(company, started["job"]["id"])
    assert (done["status"], done["done"], done["total"], done["error"]) == (
        "SUCCEEDED", 3, 3, None,
    )  # fmt: skip
    # and it counts what the synchronous assignment answered
    result = done["result"]
    assert result["assigned"] == len(sync["scorecards"]) == len(REACHED)
    assert result["reopened"] == sync["reopened"] == 1
    assert result["removed"] == sum(len(r["keys"]) for r in sync["removedItems"]) == 1
    assert [(r["employee"], r["key"]) for r in result["removedItems"]] == [
        (company.people["emp"], "legacy")
    ]
    # and every plan reads the same in both companies
    assert await _plans(company, cycle) == await _plans(twin, twin_cycle)
    mine = await _plans(company, cycle)
    assert mine["other"]["items"][0]["target"] == 70  # the override
    assert mine["emp"]["status"] == "draft"  # reopened


async def test_a_position_or_a_department_is_assigned_in_its_parts_only(
    company: Company, engine: AsyncEngine
) -> None:
    # given a cycle
    period, _, _ = last_quarter()
    cycle = await open_cycle(company, period)
    # when HR assigns d1 (with t1) as a job
    d1 = await _start(company, _request(company, cycle, unit=str(company.units["d1"]),
                                        overrides=[]))  # fmt: skip
    await drain(engine)
    # then it ran one part, d1's department, for its three people
    done = await _job(company, d1["job"]["id"])
    assert (done["status"], done["done"], done["total"]) == ("SUCCEEDED", 1, 1)
    assert done["result"]["assigned"] == 3
    # when HR assigns a position across the company
    staff = await _start(company, _request(company, cycle, unit=None, position="Staff"))
    await drain(engine)
    # then every department is a part and everyone holding it has the items
    done = await _job(company, staff["job"]["id"])
    assert (done["status"], done["done"], done["total"]) == ("SUCCEEDED", 3, 3)
    assert done["result"]["assigned"] == len(REACHED)
    assert (await _plans(company, cycle))["other"]["items"][0]["target"] == 70


async def test_asking_again_while_it_is_queued_returns_the_same_job(
    company: Company,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given HR's assignment job, not run yet (held back from the queue)
    held: list[int] = []

    async def hold(session: AsyncSession, job_id: int) -> None:
        held.append(job_id)

    monkeypatch.setattr("perfloop.services.jobs.assign.dispatch", hold)
    period, _, _ = last_quarter()
    cycle = await open_cycle(company, period)
    first = await _start(company, _request(company, cycle))
    assert first["created"] is True
    # when HR asks for the same assignment again
    again = await _start(company, _request(company, cycle))
    # then it is the same job
    assert again["errors"] == []
    assert (again["created"], again["job"]["id"]) == (False, first["job"]["id"])
    # and a different assignment to the cycle's plans meanwhile is a conflict, no job
    other = await _start(company, _request(company, cycle, reason="another reason"))
    assert other["job"] is None
    assert [(e["code"], e["path"]) for e in other["errors"]] == [("CONFLICT", ["cycle"])]
    assert first["job"]["id"] in other["errors"][0]["message"]
    # and once it has run, a new request is a new job
    monkeypatch.undo()
    async with sessions() as session:
        await jobs.dispatch(session, held[0])
    await drain(engine)
    assert (await _job(company, first["job"]["id"]))["status"] == "SUCCEEDED"
    later = await _start(company, _request(company, cycle))
    assert later["created"] is True
    assert later["job"]["id"] != first["job"]["id"]
    await drain(engine)


async def test_only_company_wide_callers_start_it(company: Company) -> None:
    # given a cycle
    period, _, _ = last_quarter()
    cycle = await open_cycle(company, period)
    # when a head and a team lead (scorecard.manage over part of the company) try
    for who in ("head", "lead"):
        payload = await _start(company, _request(company, cycle), as_user=who)
        # then they are refused and pointed to the synchronous assignment
        assert payload["job"] is None
        assert [e["code"] for e in payload["errors"]] == ["FORBIDDEN"]
        assert "assignScorecardItems" in payload["errors"][0]["message"]
    # and an employee (no scorecard.manage at all) is refused by the mutation's permission
    body = await company.raw(START, _request(company, cycle), as_user="emp")
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]


def _bad_requests(company: Company) -> list[tuple[dict[str, Any], str, list[str]]]:
    """(what differs from a good request, code, path)"""
    nobody = {"employeeId": "999999", "key": "sales", "target": 1}
    no_key = {"employeeId": str(company.people["emp"]), "key": "nope", "target": 1}
    self_ = {"employeeId": str(company.people["hr"]), "key": "sales", "target": 1}
    return [
        ({"items": [{"library": "sales-kpis@1", "indicator": "nope", "weight": 100}]},
         "INVALID", ["items", "0", "indicator"]),
        ({"items": [dict(ITEMS[0], direction="sideways"), *ITEMS[1:]]},
         "INVALID", ["items", "0", "direction"]),
        ({"items": [dict(ITEMS[0], weight=60), *ITEMS[1:]]}, "INVALID", ["items", "sales"]),
        ({"overrides": [nobody]}, "INVALID", ["overrides", "0", "employee"]),
        ({"overrides": [self_]}, "INVALID", ["overrides", "0", "employee"]),
        ({"overrides": [no_key]}, "INVALID", ["overrides", "0", "key"]),
        ({"unit": "999999"}, "NOT_FOUND", ["orgUnit"]),
        ({"unit": None, "position": "Astronaut"}, "NOT_FOUND", ["position"]),
        ({"unit": None}, "INVALID", ["orgUnit"]),
        ({"cycle": "999999"}, "NOT_FOUND", ["cycle"]),
    ]  # fmt: skip


async def test_a_bad_request_is_a_payload_error_and_no_job(
    company: Company, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given a cycle, and emp's plan signed by both sides
    cycle = await _signed_history(company)
    cases = [
        *_bad_requests(company),
        ({"reason": None}, "CONFLICT", ["reason"]),  # a signed plan needs a reason
        ({"reason": "  "}, "CONFLICT", ["reason"]),
    ]
    before = await _job_count(sessions, company)
    for differs, code, path in cases:
        # when HR starts an assignment that cannot run
        payload = await _start(company, _request(company, cycle, **differs))
        # then it is answered at once, naming the input, and no job is created
        assert payload["job"] is None, differs
        found = [(e["code"], e["path"]) for e in payload["errors"]]
        assert (code, path) in found, (differs, payload["errors"])
    assert await _job_count(sessions, company) == before


async def test_a_part_that_fails_keeps_the_parts_before_and_a_rerun_finishes_the_work(
    company: Company,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    gql: GraphQLClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # (drain runs the parts one at a time, so which departments ran before the failure
    # is fixed)
    # given an assignment checked while nobody's plan was signed, then other's plan
    # (in d2, the second department) signed before the job ran, without a reason
    period, _, _ = last_quarter()
    cycle = await open_cycle(company, period)
    variables = {"cycle": cycle, "employee": str(company.people["other"]), "items": OLD_ITEMS}
    card = (await company.ok(SET_ITEMS, variables, as_user="hr"))["setScorecardItems"]["scorecard"]
    async with sessions() as session:  # other has no manager who signs in this small company
        await session.execute(
            update(Scorecard)
            .where(Scorecard.id == int(card["id"]))
            .values(status="signed", employee_signed_at=utcnow(), manager_signed_at=utcnow())
        )
        await session.commit()
    parameters = {
        "cycle": int(cycle), "orgUnit": company.units["co"], "position": None,
        "items": items_to_json(SERVICE_ITEMS), "overrides": [], "reason": None,
    }  # fmt: skip
    async with sessions() as session:
        hr = await resolve_caller(session, EnforcerCache(), company.slug, company.email("hr"))
        job, _ = await jobs.create_job(session, hr, jobs.ASSIGN_ITEMS, f"cycle:{cycle}", parameters)
        await jobs.dispatch(session, job.id)
    # when a worker runs it
    await drain(engine)
    # then it failed on d2 with the typed error, d1 assigned and committed
    failed = await _job(company, str(job.id))
    assert (failed["status"], failed["done"], failed["total"]) == ("FAILED", 1, 3)
    assert failed["error"]["code"] == "CONFLICT"
    assert failed["result"]["assigned"] == 3  # head, lead, emp
    plans = await _plans(company, cycle)
    assert [i["key"] for i in plans["emp"]["items"]] == ["sales", "quality", "growth"]
    assert plans["other"]["status"] == "signed"
    # when HR starts it again, with a reason
    again = await _start(company, _request(company, cycle, overrides=[]))
    assert again["errors"] == []
    await drain(engine)
    # then it finished the work, and d1 again is the same plans (items replaced by key)
    done = await _job(company, again["job"]["id"])
    assert done["status"] == "SUCCEEDED"
    assert done["result"]["assigned"] == len(REACHED)
    assert (done["result"]["reopened"], done["result"]["removed"]) == (1, 1)
    after = await _plans(company, cycle)
    assert after["emp"] == plans["emp"]
    keys = {who: [i["key"] for i in p["items"]] for who, p in after.items()}
    assert keys == {who: ["sales", "quality", "growth"] for who in REACHED}
    # and running it once more changes nothing but the revisions
    third = await _start(company, _request(company, cycle, overrides=[]))
    await drain(engine)
    result = (await _job(company, third["job"]["id"]))["result"]
    assert (result["assigned"], result["reopened"], result["removed"]) == (len(REACHED), 0, 0)
    assert await _plans(company, cycle) == after


async def test_the_audit_entry_of_an_assignment_stays_small(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given a company-wide assignment run as a job
    period, _, _ = last_quarter()
    cycle = await open_cycle(company, period)
    await _start(company, _request(company, cycle))
    await drain(engine)
    # then each part's audit entry counts the people instead of listing them
    async with sessions() as session:
        rows = (
            await session.execute(
                select(AuditEvent.after).where(
                    AuditEvent.action == "scorecard.items.assign",
                    AuditEvent.object_id == str(cycle),
                )
            )
        ).scalars()
        counts = sorted(r["employees"] for r in rows)
    assert counts == [1, 1, 3]  # the company unit (exec), d2 (other), d1 (head, lead, emp)
