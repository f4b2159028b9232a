"""Appeals over GraphQL: a person appeals their published result within the cycle
template's window with the appeal form's answers; the reviewer the template's rule
assigns upholds it or adjusts the result, which publishes a new version scored by the
result's own template; the trail shows who did what, when, before and after; the
cycle's ``appeals-resolved`` guard counts the open ones."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select

from perfloop.authz import Role
from perfloop.services.identity import assign_roles
from perfloop.store.core import AuditEvent
from perfloop.store.identity import UserAccount
from support import nodes
from support.appeals import (
    APPEAL,
    APPEALS,
    DECIDE,
    at_stage,
    decide,
    decision,
    file,
    filed,
    published_cycle,
    read,
)
from support.results import result

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from support.company import Company

EXPLAIN = """
query($cycle: ID!, $employee: ID!) {
  result(cycle: $cycle, employee: $employee) { explanation(lang: EN) { lines } }
}"""
ADVANCE = """
mutation($id: ID!) {
  advanceCycle(id: $id) { cycle { stage } blockedBy { key reasons } errors { code detail } }
}"""


def _codes(payload: dict[str, Any]) -> list[tuple[str, tuple[str, ...], str | None]]:
    return [(e["code"], tuple(e["path"]), e["detail"]) for e in payload["errors"]]


async def test_an_adjusted_actual_publishes_version_2_scored_by_the_results_template(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given emp's published result (great: the worst item at 100 % → 105, pays 3), the
    # cycle at its appeal stage, and emp's appeal, assigned to emp's manager's manager
    cycle = await published_cycle(company, engine, sessions)
    appeal = await filed(company, cycle, "emp")
    assert (appeal["status"], appeal["resultVersion"], appeal["reviewerRule"]) == (
        "OPEN", 1, "manager-of-manager",
    )  # fmt: skip
    assert appeal["reviewerId"] == str(company.people["head"])
    # when head adjusts item a's actual to 80 with a reason
    decided = await decide(
        company,
        decision(appeal["id"], "ADJUSTED", "the order book says 80",
                 actuals=[{"item": "a", "actual": 80}]),
        as_user="head",
    )  # fmt: skip
    # then the template scores version 2 (the worst item at 80 %: 64 + 5 = 69 → fair,
    # pays 1), published at once; version 1 stays readable as it was
    assert decided["errors"] == [], decided["errors"]
    assert decided["appeal"]["status"] == "DECIDED"
    assert decided["appeal"]["newVersion"] == 2
    latest = await result(company, cycle, "emp", as_user="emp")
    assert (latest["version"], latest["status"]) == (2, "PUBLISHED")
    assert (latest["total"], latest["rating"], latest["multiplier"]) == (
        pytest.approx(69),
        "fair",
        1,
    )
    assert [(v["version"], v["status"]) for v in latest["versions"]] == [
        (1, "PUBLISHED"), (2, "PUBLISHED"),
    ]  # fmt: skip
    first = await result(company, cycle, "emp", as_user="emp", version=1)
    assert (first["total"], first["rating"], first["multiplier"]) == (105, "great", 3)
    # and emp reads the trail: filed, assigned, decided, before and after, by whom
    trail = (await read(company, appeal["id"], as_user="emp"))["trail"]
    assert [t["event"] for t in trail] == ["filed", "assigned", "decided"]
    assert trail[1]["by"] == appeal["reviewerName"]
    done = trail[2]
    assert done["by"] == decided["appeal"]["decidedBy"]
    assert "the order book says 80" in done["note"]
    assert (done["before"]["version"], done["before"]["total"], done["before"]["rating"]) == (
        1, 105, "great",
    )  # fmt: skip
    assert (done["after"]["version"], done["after"]["total"], done["after"]["rating"]) == (
        2, pytest.approx(69), "fair",
    )  # fmt: skip
    assert (done["before"]["actuals"]["a"], done["after"]["actuals"]["a"]) == (100, 80)
    # and it is audited: filed, the new version, decided
    async with sessions() as session:
        actions = (
            await session.execute(
                select(AuditEvent.action).where(
                    AuditEvent.object_type.in_(("appeal", "result")),
                    AuditEvent.action.in_(("appeal.file", "appeal.decide", "result.adjust")),
                    AuditEvent.note.is_not(None) | (AuditEvent.action == "appeal.file"),
                    AuditEvent.object_id.in_((appeal["id"], str(latest["id"]))),
                ).order_by(AuditEvent.id)
            )
        ).scalars().all()  # fmt: skip
    assert actions == ["appeal.file", "result.adjust", "appeal.decide"]


async def test_a_rating_adjustment_follows_the_incentive_formula_and_an_upheld_one_changes_nothing(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given emp's and lead's appeals (lead's assigned to exec, lead's manager's manager)
    cycle = await published_cycle(company, engine, sessions)
    emp = await filed(company, cycle, "emp")
    lead = await filed(company, cycle, "lead")
    assert lead["reviewerId"] == str(company.people["exec"])
    waiting = await company.ok(APPEALS, {"cycle": cycle, "mine": True}, as_user="exec")
    assert [n["id"] for n in nodes(waiting["appeals"])] == [lead["id"]]
    # when HR moves emp's band to weak, and exec upholds lead's result
    moved = await decide(
        company, decision(emp["id"], "ADJUSTED", "peer gap", rating="weak"), as_user="hr"
    )
    upheld = await decide(
        company, decision(lead["id"], "UPHELD", "the data is right"), as_user="exec"
    )
    # then emp's version 2 is weak, paying what the template's formula pays weak (0),
    # with the parts as scored; lead's result stays at version 1
    assert moved["errors"] == [], moved
    assert upheld["errors"] == [], upheld
    latest = await result(company, cycle, "emp", as_user="emp")
    assert (latest["version"], latest["total"], latest["rating"], latest["multiplier"]) == (
        2, 105, "weak", 0,
    )  # fmt: skip
    # and emp's explanation says the band moved on appeal, by whom and why
    explained = await company.ok(
        EXPLAIN, {"cycle": cycle, "employee": str(company.people["emp"])}, as_user="emp"
    )
    lines = explained["result"]["explanation"]["lines"]
    assert any(line.startswith("on appeal, ") and "peer gap" in line for line in lines), lines
    assert upheld["appeal"]["decision"] == "UPHELD"
    assert upheld["appeal"]["newVersion"] is None
    assert upheld["appeal"]["before"] == upheld["appeal"]["after"]
    assert (await result(company, cycle, "lead", as_user="lead"))["version"] == 1


async def test_the_reviewer_rule_falls_back_to_hr_and_only_the_reviewer_or_hr_decides(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given head's appeal (head's manager, exec, has no manager: HR decides) and emp's
    cycle = await published_cycle(company, engine, sessions)
    head = await filed(company, cycle, "head")
    emp = await filed(company, cycle, "emp")
    assert (head["reviewerId"], head["trail"][1]["by"]) == (None, "HR")
    # when lead, emp's manager but not the reviewer, decides emp's appeal, and emp
    # decides their own
    by_lead = await company.raw(
        "mutation($a: ID!) { decideAppeal(appeal: $a, decision: UPHELD, reason: \"x\", "
        "expectedRevision: 1) { errors { code path } } }",
        {"a": emp["id"]}, as_user="lead",
    )  # fmt: skip
    by_emp = await company.raw(
        "mutation($a: ID!) { decideAppeal(appeal: $a, decision: UPHELD, reason: \"x\", "
        "expectedRevision: 1) { errors { code path } } }",
        {"a": emp["id"]}, as_user="emp",
    )  # fmt: skip
    # then neither finds it to decide (it is head's)
    for answer in (by_lead, by_emp):
        assert answer["data"]["decideAppeal"]["errors"] == [
            {"code": "NOT_FOUND", "path": ["appeal"]}
        ]
    # and the appeals waiting for head and for HR
    mine = await company.ok(APPEALS, {"cycle": cycle, "mine": True}, as_user="head")
    assert [n["id"] for n in nodes(mine["appeals"])] == [emp["id"]]
    hr = await company.ok(APPEALS, {"cycle": cycle, "mine": True}, as_user="hr")
    assert [n["id"] for n in nodes(hr["appeals"])] == [head["id"]]


async def test_the_person_their_managers_and_hr_read_an_appeal_a_peer_does_not(
    company: Company,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    other_tenant: str,
) -> None:
    # given emp's appeal
    cycle = await published_cycle(company, engine, sessions)
    appeal = await filed(company, cycle, "emp")
    # then emp, lead (manager), head (reviewer and head) and HR read it
    for who in ("emp", "lead", "head", "hr"):
        assert (await read(company, appeal["id"], as_user=who))["id"] == appeal["id"], who
        listed = await company.ok(APPEALS, {"cycle": cycle}, as_user=who)
        assert appeal["id"] in [n["id"] for n in nodes(listed["appeals"])], who
    # and other (a colleague in another department) and exec (not the reviewer) do not
    for who in ("other", "exec"):
        found = await company.raw(APPEAL, {"id": appeal["id"]}, as_user=who)
        assert found.get("data", {}) in ({"appeal": None}, None) or "errors" in found, found
        if "errors" not in found:
            listed = await company.raw(APPEALS, {"cycle": cycle}, as_user=who)
            assert "errors" in listed or nodes(listed["data"]["appeals"]) == []


async def test_an_appeal_is_filed_only_within_the_templates_window(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given published results with the cycle still at its results stage
    cycle = await published_cycle(company, engine, sessions, stage="results")
    # when emp appeals, then the window is closed, and nothing is stored
    early = await file(company, cycle, "emp")
    assert _codes(early) == [("INVALID", ("cycle",), "appeal.window")]
    assert "appeal stage (appeal)" in early["errors"][0]["message"]
    # and after the appeal stage (improvement) it is closed too
    await at_stage(sessions, cycle, "improvement")
    assert _codes(await file(company, cycle, "emp")) == [("INVALID", ("cycle",), "appeal.window")]
    # and at the appeal stage it opens; a second open appeal is a conflict
    await at_stage(sessions, cycle, "appeal")
    await filed(company, cycle, "emp")
    again = await file(company, cycle, "emp")
    assert _codes(again) == [("CONFLICT", ("cycle",), "appeal.open")]
    listed = await company.ok(APPEALS, {"cycle": cycle}, as_user="emp")
    assert listed["appeals"]["totalCount"] == 1


async def test_a_person_without_a_published_result_has_nothing_to_appeal(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    cycle = await published_cycle(company, engine, sessions)
    # other has no plan, so no result
    assert _codes(await file(company, cycle, "other")) == [("NOT_FOUND", ("cycle",), None)]


async def test_bad_answers_are_refused_field_by_field_with_json_pointers(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    cycle = await published_cycle(company, engine, sessions)
    # when emp's answers lack the explanation, name an unknown category and add a field
    bad = await file(
        company, cycle, "emp",
        {"category": "luck", "requested_change": "more", "mood": "sad"},
    )  # fmt: skip
    # then each problem is an INVALID at its field, its message starting with the pointer
    problems = {tuple(e["path"]): e["message"] for e in bad["errors"]}
    assert set(problems) == {
        ("answers", "category"), ("answers", "description"), ("answers", "mood"),
    }  # fmt: skip
    assert problems[("answers", "description")] == "/description: is required"
    assert problems[("answers", "mood")].startswith("/mood: ")
    assert problems[("answers", "category")].startswith("/category: ")
    assert bad["formErrors"]["description"] == {"__errors": ["is required"]}
    assert bad["appeal"] is None
    listed = await company.ok(APPEALS, {"cycle": cycle}, as_user="emp")
    assert listed["appeals"]["totalCount"] == 0


async def test_a_decision_needs_a_reason_a_change_and_the_revision_read(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    cycle = await published_cycle(company, engine, sessions)
    appeal = await filed(company, cycle, "emp")
    checks = [
        (decision(appeal["id"], "UPHELD", "  "), ("INVALID", ("reason",), None)),
        (decision(appeal["id"], "ADJUSTED", "why"), ("INVALID", ("actuals",), None)),
        (decision(appeal["id"], "UPHELD", "why", rating="weak"), ("INVALID", ("decision",), None)),
        (decision(appeal["id"], "ADJUSTED", "why", rating="superb"),
         ("INVALID", ("rating",), None)),
        (decision(appeal["id"], "ADJUSTED", "why", rating="great"),
         ("INVALID", ("rating",), None)),
        (decision(appeal["id"], "ADJUSTED", "why", actuals=[{"item": "zz", "actual": 1}]),
         ("INVALID", ("actuals",), None)),
        (decision(appeal["id"], "UPHELD", "why", revision=7),
         ("CONFLICT", ("expectedRevision",), None)),
    ]  # fmt: skip
    for variables, expected in checks:
        assert _codes(await decide(company, variables, as_user="hr")) == [expected], variables
    # nothing changed: still open, version 1
    assert (await read(company, appeal["id"], as_user="hr"))["status"] == "OPEN"
    assert (await result(company, cycle, "emp"))["version"] == 1
    # and a decided appeal cannot be decided again
    done = await decide(company, decision(appeal["id"], "UPHELD", "fine"), as_user="hr")
    assert done["errors"] == []
    again = await decide(
        company, decision(appeal["id"], "UPHELD", "fine", revision=2), as_user="hr"
    )
    assert _codes(again) == [("CONFLICT", ("appeal",), "appeal.decided")]


async def test_the_cycle_does_not_close_while_an_appeal_is_open(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given emp's open appeal, the cycle at its improvement stage (the last before closed)
    cycle = await published_cycle(company, engine, sessions)
    appeal = await filed(company, cycle, "emp")
    await at_stage(sessions, cycle, "improvement")
    # when HR closes the cycle, then the guard blocks it, counting the open appeal
    blocked = (await company.ok(ADVANCE, {"id": cycle}, as_user="hr"))["advanceCycle"]
    assert blocked["blockedBy"] == [
        {"key": "appeals-resolved", "reasons": ["1 appeal(s) still open"]}
    ]
    # and once the appeal is decided the cycle closes
    assert (await decide(company, decision(appeal["id"], "UPHELD", "ok"), as_user="hr"))[
        "errors"
    ] == []
    closed = (await company.ok(ADVANCE, {"id": cycle}, as_user="hr"))["advanceCycle"]
    assert (closed["errors"], closed["cycle"]["stage"]) == ([], "closed")


async def test_nobody_decides_their_own_appeal_hr_included(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given lead's appeal on their published result, and lead made HR as well (HR
    # decides any appeal of the tenant)
    cycle = await published_cycle(company, engine, sessions)
    mine = await filed(company, cycle, "lead")
    async with sessions() as session:
        account = (
            await session.execute(
                select(UserAccount).where(UserAccount.email == company.email("lead"))
            )
        ).scalar_one()
        await assign_roles(session, account.tenant_id, account.id, [Role.HR])
        await session.commit()
    # when lead decides it, adjusting their own actual
    answer = await company.ok(
        DECIDE, decision(mine["id"], "ADJUSTED", "mine", actuals=[{"item": "a", "actual": 1}]),
        as_user="lead",
    )  # fmt: skip
    # then it is refused, and the appeal stays open with no new version
    assert answer["decideAppeal"]["errors"] == [
        {
            "code": "FORBIDDEN",
            "message": "you cannot decide your own appeal",
            "path": ["appeal"],
            "detail": "appeal.own",
        }
    ]
    again = await company.ok(APPEAL, {"id": mine["id"]}, as_user="hr")
    assert (again["appeal"]["status"], again["appeal"]["newVersion"]) == ("OPEN", None)
