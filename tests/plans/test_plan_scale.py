"""Work on a team costs the team: a bulk change's reply reads only the plans it
changed, lists that grow with the company are cut into chunks (the same result
in one chunk or many, on both databases), a manager signs many plans in one
action, and a large change refreshes the planner's statistics."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from perfloop.services.plans import reads
from perfloop.store.core import AuditEvent, chunks, statistics
from perfloop.store.identity import Tenant
from perfloop.store.org import Employee, OrgUnit
from perfloop.store.plans import Scorecard
from support import GraphQLClient, count_statements
from support.actuals import ingest, order
from support.company import Company
from support.plans import NewCycle, employee_id

ITEMS = [{"key": f"k{i}", "title": f"Indicator {i}", "target": 100, "weight": 25} for i in range(4)]
MOVED = [{**item, "target": 120} for item in ITEMS]
TODAY = dt.date.today()
ASSIGN = """
mutation($cycle: ID!, $unit: ID!, $items: [ScorecardItemInput!]!) {
  assignScorecardItems(cycle: $cycle, orgUnit: $unit, items: $items) {
    scorecards { id employeeId revision items { key target } }
    errors { code message path }
  }
}"""

ASSIGN_WITH_TASKS = """
mutation($cycle: ID!, $unit: ID!, $items: [ScorecardItemInput!]!) {
  assignScorecardItems(cycle: $cycle, orgUnit: $unit, items: $items) {
    scorecards { employeeId items { key tasks { title } } }
    errors { code message path }
  }
}"""


async def _unit(session: AsyncSession, code: str) -> int:
    demo = select(Tenant.id).where(Tenant.slug == "demo").scalar_subquery()
    query = select(OrgUnit.id).where(OrgUnit.code == code, OrgUnit.tenant_id == demo)
    return (await session.execute(query)).scalar_one()


async def _members(session: AsyncSession, unit: int, *, but: int) -> set[str]:
    query = select(Employee.id).where(
        Employee.org_unit_id == unit, Employee.status == "active", Employee.id != but
    )
    return {str(i) for i in (await session.execute(query)).scalars()}


async def _assign(
    gql: GraphQLClient, cycle: int, unit: int, items: list[dict[str, Any]], as_user: str = "hr"
) -> dict[str, Any]:
    variables = {"cycle": str(cycle), "unit": str(unit), "items": items}
    payload: dict[str, Any] = (await gql.ok(ASSIGN, variables, as_user=as_user))[
        "assignScorecardItems"
    ]
    assert payload["errors"] == [], payload["errors"]
    return payload


async def test_assignment_reply_reads_only_the_assigned_plans(
    gql: GraphQLClient,
    session: AsyncSession,
    engine: AsyncEngine,
    new_cycle: NewCycle,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given one cycle where only a team has plans, and one where the whole company has
    north, company = await _unit(session, "sales-north"), await _unit(session, "hq")
    team = await _members(session, north, but=await employee_id(session, "hr"))
    alone, crowded = await new_cycle(), await new_cycle()
    await _assign(gql, alone, north, ITEMS)
    await _assign(gql, crowded, company, ITEMS)
    await _assign(gql, crowded, north, ITEMS)  # the team's plans at the same revision
    read: list[int] = []  # plans read back per call of the plan reader
    real = reads._read

    async def counting(*args: Any, **kwargs: Any) -> list[reads.ScorecardView]:
        views = await real(*args, **kwargs)
        read.append(len(views))
        return views

    monkeypatch.setattr(reads, "_read", counting)
    # when HR re-plans the team in each
    with count_statements(engine) as few:
        small = await _assign(gql, alone, north, MOVED)
    with count_statements(engine) as many:
        large = await _assign(gql, crowded, north, MOVED)
    # then each reply holds exactly the team's plans, as changed
    for reply in (small, large):
        assert {c["employeeId"] for c in reply["scorecards"]} == team
        assert all(i["target"] == 120 for c in reply["scorecards"] for i in c["items"])
    # and the plans of everyone else are neither read nor cost a statement
    assert read == [len(team), len(team)]
    assert len(few) == len(many), (few, many)


def _plans(reply: dict[str, Any]) -> list[tuple[str, int, list[tuple[str, float]]]]:
    cards = reply["scorecards"]
    return sorted(
        (c["employeeId"], c["revision"], [(i["key"], i["target"]) for i in c["items"]])
        for c in cards
    )


def _locks(statements: list[str], backend: str) -> int:
    """Statements that lock plans (lock_rows: FOR NO KEY UPDATE, or SQLite's no-op UPDATE)."""
    if backend == "postgres":
        return sum(1 for s in statements if "FROM scorecards" in s and "FOR NO KEY UPDATE" in s)
    return sum(1 for s in statements if s.startswith("UPDATE scorecards SET id=scorecards.id"))


async def test_an_assignment_in_chunks_of_one_is_the_same_assignment(
    gql: GraphQLClient,
    session: AsyncSession,
    engine: AsyncEngine,
    backend: str,
    new_cycle: NewCycle,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a team, assigned in one chunk in one cycle
    north = await _unit(session, "sales-north")
    people = len(await _members(session, north, but=await employee_id(session, "hr")))
    assert people >= 3
    whole, cut = await new_cycle(), await new_cycle()
    with_tasks = [{**ITEMS[0], "tasks": [{"title": "Call the top accounts"}]}, *ITEMS[1:]]
    # removes one item from each plan
    fewer = [{**item, "weight": w} for item, w in zip(ITEMS[:3], (40, 30, 30), strict=True)]
    expected = [await _assign(gql, whole, north, items) for items in (with_tasks, MOVED, fewer)]
    # when the same assignments run with every list cut into chunks of one
    monkeypatch.setattr(chunks, "CHUNK_SIZE", 1)
    with count_statements(engine) as statements:
        got = [await _assign(gql, cut, north, items) for items in (with_tasks, MOVED, fewer)]
    # then each gives the same plans, and the plans were locked one chunk per person
    assert [_plans(r) for r in got] == [_plans(r) for r in expected]
    assert _locks(statements, backend) == 3 * people


SIGN_MANY = """
mutation($signatures: [SignatureInput!]!) {
  signScorecards(signatures: $signatures) {
    scorecards { id employeeId status }
    errors { code message path detail }
  }
}"""


async def _statuses(session: AsyncSession, ids: list[str]) -> set[str]:
    query = select(Scorecard.status).where(Scorecard.id.in_([int(i) for i in ids]))
    return set((await session.execute(query.execution_options(populate_existing=True))).scalars())


async def test_a_manager_signs_the_team_plans_in_one_action(
    gql: GraphQLClient, session: AsyncSession, new_cycle: NewCycle
) -> None:
    # given the plans of the lead's team (the lead's own among them)
    cycle, north = await new_cycle(), await _unit(session, "sales-north")
    cards = (await _assign(gql, cycle, north, ITEMS))["scorecards"]
    lead = str(await employee_id(session, "sales-north.lead"))
    own = next(c for c in cards if c["employeeId"] == lead)
    team = [c for c in cards if c is not own]
    assert len(team) >= 2
    signatures = [{"scorecard": c["id"], "expectedRevision": c["revision"]} for c in team]
    ids = [c["id"] for c in team]

    async def sign(batch: list[dict[str, Any]]) -> dict[str, Any]:
        data = await gql.ok(SIGN_MANY, {"signatures": batch}, as_user="sales-north.lead")
        payload: dict[str, Any] = data["signScorecards"]
        return payload

    # when the list holds the lead's own plan, a stale revision, a plan nobody can see
    # and a plan twice, then every one is refused by its index and nothing is signed
    stale = {**signatures[1], "expectedRevision": signatures[1]["expectedRevision"] - 1}
    batch = [
        signatures[0], stale,
        {"scorecard": own["id"], "expectedRevision": own["revision"]},
        {"scorecard": "999999999", "expectedRevision": 1},
        signatures[0],
        {"scorecard": "not-an-id", "expectedRevision": 1},
        {"scorecard": "nor-this", "expectedRevision": 1},
    ]  # fmt: skip
    refused = await sign(batch)
    assert refused["scorecards"] == []
    assert [(e["code"], e["path"], e["detail"]) for e in refused["errors"]] == [
        ("FORBIDDEN", ["signatures", "2", "scorecard"], "own-plan"),
        ("NOT_FOUND", ["signatures", "3", "scorecard"], None),
        ("INVALID", ["signatures", "4", "scorecard"], None),
        ("NOT_FOUND", ["signatures", "5", "scorecard"], None),
        ("NOT_FOUND", ["signatures", "6", "scorecard"], None),
    ]  # scope first: the revision is checked once every plan may be signed
    refused = await sign([signatures[0], stale])
    assert [(e["code"], e["path"]) for e in refused["errors"]] == [
        ("CONFLICT", ["signatures", "1", "expectedRevision"])
    ]
    assert await _statuses(session, ids) == {"draft"}
    assert [e["path"] for e in (await sign([]))["errors"]] == [["signatures"]]
    # when the lead signs the team's plans at the revisions read
    signed = await sign(signatures)
    # then all are signed as manager, in the order given, each audited as one signature
    assert signed["errors"] == []
    assert [c["id"] for c in signed["scorecards"]] == ids
    assert {c["status"] for c in signed["scorecards"]} == {"signing"}
    assert await _statuses(session, ids) == {"signing"}
    audited = await session.execute(
        select(AuditEvent.object_id).where(
            AuditEvent.action == "scorecard.sign.manager", AuditEvent.object_id.in_(ids)
        )
    )
    assert sorted(audited.scalars()) == sorted(ids)


def _analyzed(statements: list[str]) -> set[str]:
    return {s.split()[1].strip('"') for s in statements if s.startswith("ANALYZE")}


async def test_a_large_change_refreshes_the_planner_statistics(
    gql: GraphQLClient,
    session: AsyncSession,
    engine: AsyncEngine,
    new_cycle: NewCycle,
    company: Company,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cycle, north = await new_cycle(), await _unit(session, "sales-north")
    # a change below the threshold leaves the statistics alone
    with count_statements(engine) as small:
        await _assign(gql, cycle, north, ITEMS)
        await ingest(company, "sales-orders", [order(company.email("emp"), TODAY, 10)])
    assert _analyzed(small) == set()
    # when the threshold is lower than the change, the tables it wrote are analyzed, after it
    monkeypatch.setattr(statistics, "STATISTICS_THRESHOLD", 3)
    with count_statements(engine) as large:
        await _assign(gql, cycle, north, MOVED)
    assert _analyzed(large) == {"scorecards", "scorecard_items", "action_tasks"}
    assert large.index(next(s for s in large if s.startswith("ANALYZE"))) > max(
        n for n, s in enumerate(large) if s.startswith("INSERT INTO audit_log")
    )
    records = [order(company.email("emp"), TODAY, 10) for _ in range(3)]
    with count_statements(engine) as ingested:
        await ingest(company, "sales-orders", records)
    assert _analyzed(ingested) == {"dataset_records"}
    with count_statements(engine) as one:
        await ingest(company, "sales-orders", [order(company.email("emp"), TODAY, 1)])
    assert _analyzed(one) == set()


async def test_an_assignment_costs_the_same_statements_for_a_team_and_a_company(
    gql: GraphQLClient, session: AsyncSession, engine: AsyncEngine, new_cycle: NewCycle
) -> None:
    # given a team of a few people and the whole demo company, neither planned yet
    north, company = await _unit(session, "sales-north"), await _unit(session, "hq")
    team_cycle, company_cycle = await new_cycle(), await new_cycle()
    # when HR assigns the same items (with tasks) to each
    with_task = [{**ITEMS[0], "tasks": [{"title": "Plan the quarter"}]}, *ITEMS[1:]]

    async def assign(cycle: int, unit: int) -> dict[str, Any]:
        variables = {"cycle": str(cycle), "unit": str(unit), "items": with_task}
        reply = await gql.ok(ASSIGN_WITH_TASKS, variables, as_user="hr")
        assert reply["assignScorecardItems"]["errors"] == []
        return dict(reply["assignScorecardItems"])

    with count_statements(engine) as team:
        small = await assign(team_cycle, north)
    with count_statements(engine) as everyone:
        large = await assign(company_cycle, company)
    # then many more plans were written by the same statements (set-based on both
    # databases: no statement per plan, item or task), and every item has its task
    assert len(large["scorecards"]) > 5 * len(small["scorecards"])
    written = [s for s in everyone if s.startswith(("INSERT", "UPDATE", "DELETE"))]
    assert len(written) == len([s for s in team if s.startswith(("INSERT", "UPDATE", "DELETE"))])
    tasks = [i["tasks"] for c in large["scorecards"] for i in c["items"] if i["key"] == "k0"]
    assert len(tasks) == len(large["scorecards"])
    assert all(t == [{"title": "Plan the quarter"}] for t in tasks)
