"""Review assignments over GraphQL: created from the cycle template's stage forms and the
org chart (self, manager, subordinates), idempotently; peers chosen by the manager or
proposed by the employee and approved; who may do what, and another tenant's cycle."""

from __future__ import annotations

import asyncio
import dataclasses

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from perfloop.store.core import AuditEvent
from support import OTHER_HR, GraphQLClient
from support.company import Company
from support.reviews import (
    CHOOSE,
    CREATE,
    DECIDE,
    PEERS,
    PROPOSE,
    add_peers,
    assignments,
    create,
    open_quarter,
)


async def test_hr_creates_the_stage_assignments_from_the_org_chart(
    company: Company, session: AsyncSession
) -> None:
    # given a quarter of the standard app in a company of six
    cycle = await open_quarter(company)
    # when HR creates the self-review stage's assignments
    created = await create(company, cycle, "self-review")
    # then everyone rates themself
    assert created == {"created": 6, "total": 6, "errors": []}
    rows = await assignments(company, cycle, stage="self-review")
    assert {(a["relation"], a["subjectId"], a["raterId"]) for a in rows} == {
        ("self", str(p), str(p)) for p in company.people.values()
    }
    assert {a["status"] for a in rows} == {"pending"}
    assert {a["form"] for a in rows} == {"self-review@1"}
    # when HR creates the 360° stage's: the manager of each, and each manager's reports
    created = await create(company, cycle, "review-360")
    people = company.people
    managed = {"head": "exec", "lead": "head", "emp": "lead", "other": "exec"}
    expected = {("manager", people[s], people[m]) for s, m in managed.items()} | {
        ("subordinate", people[m], people[s]) for s, m in managed.items()
    }
    rows = await assignments(company, cycle, stage="review-360")
    assert {(a["relation"], int(a["subjectId"]), int(a["raterId"])) for a in rows} == expected
    assert created["created"] == len(expected) == 8
    # when HR does it again, nothing is added
    again = await create(company, cycle, "review-360")
    assert again == {"created": 0, "total": 8, "errors": []}
    # and each call was audited
    actions = await session.execute(
        select(AuditEvent.after)
        .where(AuditEvent.action == "review.assignments.create", AuditEvent.object_id == cycle)
        .order_by(AuditEvent.id)
    )
    assert [a["created"] for a in actions.scalars()] == [6, 8, 0]


async def test_only_hr_creates_assignments_of_real_stages(
    company: Company, gql: GraphQLClient, other_tenant: str
) -> None:
    # given a quarter
    cycle = await open_quarter(company)
    # when a manager tries, it is refused
    body = await company.raw(CREATE, {"cycle": cycle, "stage": "self-review"}, as_user="lead")
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # when HR names a stage the cycle lacks, or one without review forms
    unknown = await create(company, cycle, "nope")
    planning = await create(company, cycle, "planning")
    # then the stage is named
    assert [(e["code"], e["path"]) for e in unknown["errors"]] == [("INVALID", ["stage"])]
    assert [(e["code"], e["path"]) for e in planning["errors"]] == [("INVALID", ["stage"])]
    # and another tenant's HR does not find the cycle
    token = gql.token(OTHER_HR, tenant=other_tenant)
    body = await gql.raw(
        CREATE,
        {"cycle": cycle, "stage": "self-review"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert body["data"]["createReviewAssignments"]["errors"][0]["code"] == "NOT_FOUND"


async def test_the_manager_chooses_peers_and_approves_proposals(
    company: Company, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given emp's team mates p1..p3 and a quarter at its 360° review
    await add_peers(sessions, company)
    cycle = await open_quarter(company)
    p = company.people
    args = {"cycle": cycle, "stage": "review-360"}
    # when emp proposes p1 and p2 as peers
    proposed = (await company.ok(PROPOSE, {**args, "peers": [p["p1"], p["p2"]]}, as_user="emp"))[
        "proposePeers"
    ]
    # then they wait for approval, and the stage asks for three (minResponses)
    assert proposed["errors"] == []
    assert proposed["minimum"] == 3
    assert [(a["raterId"], a["status"]) for a in proposed["assignments"]] == [
        (str(p["p1"]), "proposed"),
        (str(p["p2"]), "proposed"),
    ]
    # when lead approves p1, rejects p2 and chooses p3
    first, second = (a["id"] for a in proposed["assignments"])
    approved = await company.ok(DECIDE, {"assignment": first, "approve": True}, as_user="lead")
    rejected = await company.ok(DECIDE, {"assignment": second, "approve": False}, as_user="lead")
    chosen = await company.ok(
        CHOOSE, {**args, "subject": p["emp"], "peers": [p["p3"]]}, as_user="lead"
    )
    # then p1 and p3 are emp's peers, p2 is not
    assert approved["decidePeerProposal"]["assignment"]["status"] == "pending"
    assert rejected["decidePeerProposal"]["assignment"]["status"] == "rejected"
    assert chosen["choosePeers"]["errors"] == []
    rows = await assignments(company, cycle, subject=p["emp"])
    assert {(a["raterId"], a["status"]) for a in rows if a["relation"] == "peer"} == {
        (str(p["p1"]), "pending"),
        (str(p["p2"]), "rejected"),
        (str(p["p3"]), "pending"),
    }
    # and deciding again is a conflict
    again = await company.ok(DECIDE, {"assignment": first, "approve": False}, as_user="lead")
    assert again["decidePeerProposal"]["errors"][0]["code"] == "CONFLICT"


async def test_peers_are_chosen_within_reach(
    company: Company, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given a quarter and emp's team mates
    await add_peers(sessions, company)
    cycle = await open_quarter(company)
    p = company.people
    args = {"cycle": cycle, "stage": "review-360"}
    # when emp tries to choose (not propose) peers, or a manager picks someone outside
    # their team as subject, or the subject as their own peer, or an unknown person
    body = await company.raw(
        CHOOSE, {**args, "subject": p["emp"], "peers": [p["p1"]]}, as_user="emp"
    )
    outside = await company.ok(
        CHOOSE, {**args, "subject": p["other"], "peers": [p["p1"]]}, as_user="lead"
    )
    himself = await company.ok(
        CHOOSE, {**args, "subject": p["emp"], "peers": [p["emp"]]}, as_user="lead"
    )
    unknown = await company.ok(
        CHOOSE, {**args, "subject": p["emp"], "peers": [p["p1"], "999999"]}, as_user="lead"
    )
    # when emp approves their own proposal
    proposed = await company.ok(PROPOSE, {**args, "peers": [p["p1"]]}, as_user="emp")
    mine = proposed["proposePeers"]["assignments"][0]["id"]
    own = await company.raw(DECIDE, {"assignment": mine, "approve": True}, as_user="emp")
    # then each is refused, naming what is wrong, and nothing is chosen
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert [(e["code"], e["path"]) for e in outside["choosePeers"]["errors"]] == [
        ("NOT_FOUND", ["subject"])
    ]
    assert [(e["code"], e["path"]) for e in himself["choosePeers"]["errors"]] == [
        ("INVALID", ["peers"])
    ]
    assert [(e["code"], e["path"]) for e in unknown["choosePeers"]["errors"]] == [
        ("NOT_FOUND", ["peers", "1"])
    ]
    assert own["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    rows = await assignments(company, cycle, subject=p["emp"])
    assert [a["status"] for a in rows if a["relation"] == "peer"] == ["proposed"]


async def test_two_people_choosing_the_same_peers_at_once_make_one_assignment_each(
    company: Company, sessions: async_sessionmaker[AsyncSession], worker2: GraphQLClient
) -> None:
    # given emp's team mates, a quarter, and HR on a second worker
    await add_peers(sessions, company)
    cycle = await open_quarter(company)
    p = company.people
    hr_worker = dataclasses.replace(company, gql=worker2)
    variables = {"cycle": cycle, "stage": "review-360", "subject": p["emp"]}
    for round_ in range(3):
        peers = [p["p1"], p["p2"], p["p3"]][: round_ + 1]
        # when lead and HR choose the same peers for emp at the same time
        both = await asyncio.gather(
            company.ok(CHOOSE, {**variables, "peers": peers}, as_user="lead"),
            hr_worker.ok(CHOOSE, {**variables, "peers": peers}, as_user="hr"),
        )
        # then both succeed, and each peer is assigned once
        assert [b["choosePeers"]["errors"] for b in both] == [[], []]
        assert both[0]["choosePeers"]["assignments"] == both[1]["choosePeers"]["assignments"]
        rows = await assignments(company, cycle, subject=p["emp"])
        assert sorted(int(a["raterId"]) for a in rows if a["relation"] == "peer") == sorted(peers)


async def test_each_role_reads_the_assignments_in_its_scope(
    company: Company, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given a quarter with its self and 360° assignments, and peers for emp
    await add_peers(sessions, company)
    cycle = await open_quarter(company)
    await create(company, cycle, "self-review")
    await create(company, cycle, "review-360")
    p = company.people
    await company.ok(
        CHOOSE,
        {"cycle": cycle, "stage": "review-360", "subject": p["emp"], "peers": [p["p1"]]},
        as_user="lead",
    )
    everything = await assignments(company, cycle)
    ids = {str(v): k for k, v in p.items()}

    async def about(user: str) -> set[tuple[str, str, str]]:
        rows = await assignments(company, cycle, as_user=user)
        return {(a["relation"], ids[a["subjectId"]], ids[a["raterId"]]) for a in rows}

    # then HR reads every assignment, and so does the executive but for the reviews of
    # them by their reports (subordinate reviews are anonymous to their subject)
    everyone = {(a["relation"], ids[a["subjectId"]], ids[a["raterId"]]) for a in everything}
    assert await about("exec") == {x for x in everyone if x[:2] != ("subordinate", "exec")}
    # and the head reads those about their department and those they fill in, except the
    # subordinate review of themself
    head = await about("head")
    department = {"head", "lead", "emp", *PEERS}
    assert head == {
        x for x in everyone
        if (x[1] in department and not (x[1] == "head" and x[0] == "subordinate"))
        or x[2] == "head"
    }  # fmt: skip
    # and emp reads their own forms and their self and manager reviews, no peer's
    assert await about("emp") == {
        ("self", "emp", "emp"),
        ("manager", "emp", "lead"),
        ("subordinate", "lead", "emp"),
    }
    # and another employee reads only their own forms and their manager's review of them
    assert await about("other") == {
        ("self", "other", "other"),
        ("manager", "other", "exec"),
        ("subordinate", "exec", "other"),
    }
