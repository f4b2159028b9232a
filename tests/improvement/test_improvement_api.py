"""Improvement plans through the API: publishing a cycle's results opens, by the app
template's rule, a plan exactly for the people it names (an item at exactly 60 % does
not), once per person and cycle; the plan's owner edits it (validated against its
form), everyone in reach follows it up, nobody edits their own; bad input is a payload
error that changes nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from perfloop.store.core import AuditEvent
from support.improvement import (
    APPLY,
    CHECKIN,
    CLOSE,
    PLAN,
    UPDATE,
    apply,
    improvement_plans,
    install,
    published_quarter,
)

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from support.company import Company

ANSWERS = {
    "gaps": "Revenue at 59 % of target",
    "goals": [{"description": "Win back two key accounts", "measure": "signed orders",
               "due_date": "2026-08-31"}],
    "review_date": "2026-09-15",
}  # fmt: skip


async def test_the_rule_opens_a_plan_exactly_for_the_people_it_names(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given a quarter of the app with its rules: emp with an item at exactly 60 % (B),
    # lead at 59 % (C), other at target (S)
    app = await install(company)
    # when HR publishes its results
    cycle = await published_quarter(company, engine, sessions, app)
    # then only lead gets a plan: 0.6 is not under 60 %
    [opened] = await improvement_plans(company, cycle)
    assert opened["employeeId"] == str(company.people["lead"])
    # with what triggered it, the owner (lead's manager) and what it will carry
    assert opened["ownerId"] == str(company.people["head"])
    assert opened["status"] == "OPEN"
    assert opened["revision"] == 1
    assert opened["form"] == "improvement-plan@1"
    assert opened["complete"] is False
    assert opened["reason"]["en"] == "rating C, total 60; short of target: Revenue"
    assert opened["reason"]["zhCN"] == "评级 C，总分 60；未达标项：Revenue"
    assert [g["key"] for g in opened["gaps"]] == ["a"]
    assert opened["gaps"][0]["completion"] == 0.59
    assert opened["carry"] == [
        {"key": "improve-a", "title": "改进：Revenue", "unit": None, "direction": "higher",
         "target": 100, "weight": 10,
         "titles": {"zh-CN": "改进：Revenue", "en": "Improvement: Revenue"}}
    ]  # fmt: skip
    assert opened["topics"] == ["Revenue"]
    # and applying the results again opens nothing more (one plan per person and cycle)
    again = await apply(company, cycle)
    assert (again["results"], again["opened"], again["closed"]) == (3, 0, 0)
    assert again["errors"] == []
    assert len(await improvement_plans(company, cycle)) == 1
    async with sessions() as session:
        events = (
            await session.execute(
                select(AuditEvent).where(
                    AuditEvent.action == "improvement.apply", AuditEvent.object_id == cycle
                ).order_by(AuditEvent.id)
            )
        ).scalars().all()  # fmt: skip
    assert [e.after["opened"] for e in events] == [1, 0]


async def test_plans_are_read_and_written_by_scope_never_by_their_subject(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given lead's plan
    app = await install(company)
    cycle = await published_quarter(company, engine, sessions, app)
    await apply(company, cycle)
    [opened] = await improvement_plans(company, cycle)
    # then lead (their own), head (subtree), HR and the executive read it; emp and
    # other do not
    for who in ("lead", "head", "hr", "exec"):
        assert [p["id"] for p in await improvement_plans(company, cycle, as_user=who)] == [
            opened["id"]
        ], who
    for who in ("emp", "other"):
        assert await improvement_plans(company, cycle, as_user=who) == [], who
        read = await company.ok(PLAN, {"id": opened["id"]}, as_user=who)
        assert read["improvementPlan"] is None
    # when lead edits their own plan: FORBIDDEN; emp (no write permission): FORBIDDEN
    own = await company.ok(
        UPDATE, {"plan": opened["id"], "rev": 1, "answers": ANSWERS}, as_user="lead"
    )
    assert [(e["code"], e["detail"]) for e in own["updateImprovementPlan"]["errors"]] == [
        ("FORBIDDEN", "own-plan")
    ]
    denied = await company.raw(UPDATE, {"plan": opened["id"], "rev": 1}, as_user="emp")
    assert [e["extensions"]["code"] for e in denied["errors"]] == ["FORBIDDEN"]
    # when head (the owner) fills it in
    done = await company.ok(
        UPDATE,
        {"plan": opened["id"], "rev": 1, "answers": ANSWERS, "topics": ["Negotiation"],
         "startsOn": "2026-07-01", "endsOn": "2026-09-30"},
        as_user="head",
    )  # fmt: skip
    # then it is saved, complete, at revision 2
    plan = done["updateImprovementPlan"]["plan"]
    assert done["updateImprovementPlan"]["errors"] == []
    assert (plan["revision"], plan["complete"], plan["topics"]) == (2, True, ["Negotiation"])
    assert (plan["startsOn"], plan["endsOn"]) == ("2026-07-01", "2026-09-30")
    # and lead follows it up with a check-in; other cannot reach it
    checkin = await company.ok(
        CHECKIN, {"plan": opened["id"], "note": "called both accounts", "progress": 0.3},
        as_user="lead",
    )  # fmt: skip
    assert checkin["addImprovementCheckin"]["errors"] == []
    stranger = await company.ok(CHECKIN, {"plan": opened["id"], "note": "x"}, as_user="other")
    assert [e["code"] for e in stranger["addImprovementCheckin"]["errors"]] == ["NOT_FOUND"]
    read = (await company.ok(PLAN, {"id": opened["id"]}, as_user="lead"))["improvementPlan"]
    assert [(c["note"], c["progress"]) for c in read["checkins"]] == [("called both accounts", 0.3)]
    # when head closes it as met, with a note
    closed = await company.ok(
        CLOSE, {"plan": opened["id"], "outcome": "MET", "note": "accounts back", "rev": 2},
        as_user="head",
    )  # fmt: skip
    plan = closed["closeImprovementPlan"]["plan"]
    assert closed["closeImprovementPlan"]["errors"] == []
    assert (plan["status"], plan["outcome"], plan["outcomeByRule"]) == ("CLOSED", "MET", False)
    assert plan["outcomeNote"] == "accounts back"
    assert plan["closedById"] is not None
    # then a closed plan takes no more edits or check-ins
    late = await company.ok(UPDATE, {"plan": opened["id"], "rev": 3}, as_user="head")
    assert [e["detail"] for e in late["updateImprovementPlan"]["errors"]] == ["closed"]
    late = await company.ok(CHECKIN, {"plan": opened["id"], "note": "x"}, as_user="lead")
    assert [e["detail"] for e in late["addImprovementCheckin"]["errors"]] == ["closed"]


async def test_bad_input_is_a_payload_error_and_changes_nothing(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given lead's plan
    app = await install(company)
    cycle = await published_quarter(company, engine, sessions, app)
    await apply(company, cycle)
    [opened] = await improvement_plans(company, cycle)
    plan = opened["id"]

    async def update(**variables: object) -> list[tuple[str, list[str]]]:
        data = await company.ok(UPDATE, {"plan": plan, **variables}, as_user="hr")
        return [(e["code"], e["path"]) for e in data["updateImprovementPlan"]["errors"]]

    # answers that do not fit the form, each named
    assert sorted(await update(rev=1, answers={"goals": "many", "mood": 1})) == [
        ("INVALID", ["answers", "goals"]), ("INVALID", ["answers", "mood"]),
    ]  # fmt: skip
    assert await update(rev=1, topics=["", "x" * 101]) == [
        ("INVALID", ["topics", "0"]), ("INVALID", ["topics", "1"]),
    ]  # fmt: skip
    assert await update(rev=1, startsOn="2026-09-30", endsOn="2026-07-01") == [
        ("INVALID", ["endsOn"])
    ]
    assert await update(rev=7, topics=["x"]) == [("CONFLICT", ["expectedRevision"])]
    not_object = await company.raw(UPDATE, {"plan": plan, "rev": 1, "answers": [1]}, as_user="hr")
    assert [e["extensions"]["code"] for e in not_object["errors"]] == ["GRAPHQL_VALIDATION_FAILED"]
    checkin = await company.ok(CHECKIN, {"plan": plan, "note": " ", "progress": 2},
                               as_user="hr")  # fmt: skip
    assert [e["path"] for e in checkin["addImprovementCheckin"]["errors"]] == [
        ["note"],
        ["progress"],
    ]
    close = await company.ok(CLOSE, {"plan": plan, "outcome": "MET", "note": "", "rev": 1},
                             as_user="hr")  # fmt: skip
    assert [e["path"] for e in close["closeImprovementPlan"]["errors"]] == [["note"]]
    missing = await company.ok(UPDATE, {"plan": "999999", "rev": 1}, as_user="hr")
    assert [e["code"] for e in missing["updateImprovementPlan"]["errors"]] == ["NOT_FOUND"]
    nothing = await company.ok(APPLY, {"cycle": "999999"}, as_user="hr")
    assert [e["code"] for e in nothing["applyResults"]["errors"]] == ["NOT_FOUND"]
    # then the plan is as it was
    read = (await company.ok(PLAN, {"id": plan}, as_user="hr"))["improvementPlan"]
    assert (read["revision"], read["answers"], read["topics"]) == (1, {}, ["Revenue"])
    assert read["checkins"] == []
    assert read["status"] == "OPEN"
    # and only HR applies results
    denied = await company.raw(APPLY, {"cycle": cycle}, as_user="head")
    assert [e["extensions"]["code"] for e in denied["errors"]] == ["FORBIDDEN"]


async def test_a_cycle_without_published_results_has_nothing_to_apply(
    company: Company,
) -> None:
    from support.improvement import open_cycle

    app = await install(company)
    cycle = await open_cycle(company, app, "2026-Q2")
    data = await company.ok(APPLY, {"cycle": cycle}, as_user="hr")
    assert [(e["code"], e["detail"]) for e in data["applyResults"]["errors"]] == [
        ("INVALID", "no-published-results")
    ]


async def test_an_app_without_rules_applies_nothing_when_published(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    from support.improvement import ACTUALS, ITEMS
    from support.results import plan, publish, run, sign
    from support.reviews import open_quarter

    # given a quarter of standard-performance@1, which has no rules for applying results
    cycle = await open_quarter(company, "2026-Q2")
    plans = [await plan(company, cycle, who, ITEMS, values) for who, values in ACTUALS.items()]
    await sign(sessions, *plans)
    await run(company, engine, cycle)
    # when its results are published
    assert await publish(company, cycle) == 3
    # then no plan is opened and nothing is written for it
    assert await improvement_plans(company, cycle) == []
    async with sessions() as session:
        events = (
            await session.execute(
                select(AuditEvent).where(
                    AuditEvent.action == "improvement.apply", AuditEvent.object_id == cycle
                )
            )
        ).scalars().all()  # fmt: skip
    assert events == []
