"""Candidate lists from a cycle's published results: who is on each list of the app
template and why (zh-CN and en), HR confirming or removing entries with a note (audited),
who reads them, and training needs by topic."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from perfloop.store.core import AuditEvent
from support.improvement import (
    CANDIDATES,
    DECIDE,
    LISTS,
    TRAINING,
    apply,
    candidates,
    install,
    published_quarter,
)

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from support.company import Company


async def test_the_lists_name_each_person_with_the_reason(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given a published quarter (emp B with an item at 60 %, lead C at 59 %, other S)
    app = await install(company)
    cycle = await published_quarter(company, engine, sessions, app)
    # when HR applies the results
    applied = await apply(company, cycle)
    # then each list names the people its rule names
    assert applied["listed"] == {"promotion": 1, "reward": 1, "training": 2, "improvement": 1}
    entries = await candidates(company, cycle)
    people = {v: k for k, v in company.people.items()}
    named = {(e["list"], people[int(e["employeeId"])]): e for e in entries}
    assert sorted(named) == [
        ("improvement", "lead"), ("promotion", "other"), ("reward", "other"),
        ("training", "emp"), ("training", "lead"),
    ]  # fmt: skip
    # with the reason in both languages
    assert named["promotion", "other"]["reason"] == {
        "zhCN": "评级 S（总分 100），各项指标均达标",
        "en": "rating S (total 100) with every item at target",
    }
    assert named["reward", "other"]["reason"]["en"] == "rating S, bonus multiplier 1.5"
    assert named["training", "emp"]["reason"]["en"] == "items under 80% completion: Revenue"
    assert named["training", "emp"]["topics"] == ["Revenue"]
    assert named["improvement", "lead"]["reason"]["zhCN"] == (
        "评级 C，总分 60；完成率低于 60% 的指标：Revenue"
    )
    assert all(e["status"] == "PROPOSED" for e in entries)
    # and the lists and the training needs sum them up
    lists = (await company.ok(LISTS, {"cycle": cycle}, as_user="hr"))["candidateLists"]
    assert [(x["key"], x["proposed"], x["training"]) for x in lists] == [
        ("promotion", 1, False), ("reward", 1, False), ("training", 2, True),
        ("improvement", 1, False),
    ]  # fmt: skip
    assert lists[0]["title"] == {"zhCN": "晋升候选", "en": "Promotion"}
    needs = (await company.ok(TRAINING, {"cycle": cycle}, as_user="hr"))["trainingNeeds"]
    assert needs == [{"topic": "Revenue", "people": 2, "fromLists": 2, "fromPlans": 1}]


async def test_hr_confirms_or_removes_entries_with_a_note(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given the lists drawn
    app = await install(company)
    cycle = await published_quarter(company, engine, sessions, app)
    await apply(company, cycle)
    training = {e["employeeId"]: e for e in await candidates(company, cycle, list="training")}
    emp = training[str(company.people["emp"])]["id"]
    lead = training[str(company.people["lead"])]["id"]

    async def decide(entry: str, decision: str, note: str, who: str = "hr") -> Any:
        variables = {"candidate": entry, "decision": decision, "note": note}
        return (await company.ok(DECIDE, variables, as_user=who))["decideCandidate"]

    # when HR removes one without a note: INVALID, nothing changes
    refused = await decide(lead, "REMOVE", "  ")
    assert [(e["code"], e["path"]) for e in refused["errors"]] == [("INVALID", ["note"])]
    # when HR confirms emp and removes lead, with notes
    confirmed = await decide(emp, "CONFIRM", "enrolled in the Q3 course")
    removed = await decide(lead, "REMOVE", "covered by the improvement plan")
    # then the entries say so
    assert (confirmed["errors"], confirmed["candidate"]["status"]) == ([], "CONFIRMED")
    assert (removed["candidate"]["status"], removed["candidate"]["note"]) == (
        "REMOVED", "covered by the improvement plan"
    )  # fmt: skip
    assert [e["employeeId"] for e in await candidates(company, cycle, status="REMOVED")] == [
        str(company.people["lead"])
    ]
    # and the training needs count lead through the plan only
    needs = (await company.ok(TRAINING, {"cycle": cycle}, as_user="hr"))["trainingNeeds"]
    assert needs == [{"topic": "Revenue", "people": 2, "fromLists": 1, "fromPlans": 1}]
    # and applying again keeps HR's decisions
    await apply(company, cycle)
    statuses = {e["id"]: e["status"] for e in await candidates(company, cycle, list="training")}
    assert statuses == {emp: "CONFIRMED", lead: "REMOVED"}
    # and each decision is audited with its note
    async with sessions() as session:
        events = (
            await session.execute(
                select(AuditEvent.action, AuditEvent.note, AuditEvent.before, AuditEvent.after)
                .where(AuditEvent.object_type == "candidate_entry",
                       AuditEvent.object_id.in_([emp, lead]))
                .order_by(AuditEvent.id)
            )
        ).all()  # fmt: skip
    assert [(a, n, b["status"], x["status"]) for a, n, b, x in events] == [
        ("candidate.confirm", "enrolled in the Q3 course", "proposed", "confirmed"),
        ("candidate.remove", "covered by the improvement plan", "proposed", "removed"),
    ]


async def test_hr_and_executives_read_the_lists_nobody_else(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    app = await install(company)
    cycle = await published_quarter(company, engine, sessions, app)
    await apply(company, cycle)
    assert len(await candidates(company, cycle, as_user="exec")) == 5
    for who in ("head", "lead", "emp"):
        body = await company.raw(CANDIDATES, {"cycle": cycle}, as_user=who)
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"], who
    # and only HR decides
    [entry] = await candidates(company, cycle, list="promotion")
    body = await company.raw(
        DECIDE, {"candidate": entry["id"], "decision": "CONFIRM", "note": "yes"}, as_user="exec"
    )
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
