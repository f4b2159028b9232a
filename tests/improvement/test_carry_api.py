"""An improvement plan carried into the next cycle: assigning the next quarter's items
adds the plan's items to the person's new plan (the template's key, weight and target,
the assigned items scaled to make room), once; the next quarter's published result
closes the plan by the template's rule."""

from __future__ import annotations

from typing import TYPE_CHECKING

from support.improvement import (
    ACTUALS,
    ASSIGN,
    ITEMS,
    PLAN,
    apply,
    improvement_plans,
    install,
    open_cycle,
    published_quarter,
)
from support.results import enter, publish, run, sign

if TYPE_CHECKING:
    from typing import Any

    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from support.company import Company

SCORECARD = """
query($e: ID!, $c: ID!) { scorecard(employee: $e, cycle: $c) { id } }
"""
TITLES = """
query($e: ID!, $c: ID!) { scorecard(employee: $e, cycle: $c) { items { key titles { zhCN en } } } }
"""


async def _assign(company: Company, cycle: str) -> dict[str, Any]:
    data = await company.ok(
        ASSIGN,
        {"cycle": cycle, "unit": str(company.units["t1"]), "items": ITEMS, "reason": "replan"},
        as_user="hr",
    )
    assert data["assignScorecardItems"]["errors"] == [], data
    return {
        c["employeeId"]: {i["key"]: (i["title"], i["target"], i["weight"]) for i in c["items"]}
        for c in data["assignScorecardItems"]["scorecards"]
    }


async def test_the_plan_is_carried_into_the_next_quarter_and_closed_by_its_result(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given lead's improvement plan of Q2
    app = await install(company)
    q2 = await published_quarter(company, engine, sessions, app)
    await apply(company, q2)
    [opened] = await improvement_plans(company, q2)
    # when HR assigns Q3's items to lead's team (lead and emp)
    q3 = await open_cycle(company, app, "2026-Q3")
    plans = await _assign(company, q3)
    # then lead's plan carries the improvement item, the others scaled to make room
    lead, emp = str(company.people["lead"]), str(company.people["emp"])
    assert plans[lead] == {
        "a": ("Revenue", 100, 36), "b": ("Quality", 100, 27), "c": ("Growth", 100, 27),
        "improve-a": ("改进：Revenue", 100, 10),
    }  # fmt: skip
    # and the carried item is titled in both languages by the template's titlePrefix
    card = (await company.ok(TITLES, {"e": lead, "c": q3}, as_user="hr"))["scorecard"]
    assert {i["key"]: i["titles"] for i in card["items"]}["improve-a"] == {
        "zhCN": "改进：Revenue",
        "en": "Improvement: Revenue",
    }
    # and emp, without a plan, gets the items as assigned
    assert plans[emp] == {
        "a": ("Revenue", 100, 40), "b": ("Quality", 100, 30), "c": ("Growth", 100, 30)
    }  # fmt: skip
    read = (await company.ok(PLAN, {"id": opened["id"]}, as_user="hr"))["improvementPlan"]
    assert read["carriedCycleId"] == q3
    # when HR assigns again: the same items, nothing carried twice
    assert await _assign(company, q3) == plans
    # when Q3 is scored with lead at target everywhere and published
    for key in ("a", "b", "c", "improve-a"):
        await enter(company, q3, "lead", key, 100)
    for key, value in ACTUALS["emp"].items():
        await enter(company, q3, "emp", key, value)
    cards = [
        (await company.ok(SCORECARD, {"e": str(company.people[who]), "c": q3}, as_user="hr"))[
            "scorecard"
        ]["id"]
        for who in ("lead", "emp")
    ]
    await sign(sessions, *cards)
    await run(company, engine, q3)
    await publish(company, q3)
    # then lead's Q2 plan is closed as met by the rule (applying again closes nothing more)
    applied = await apply(company, q3)
    assert (applied["closed"], applied["errors"]) == (0, [])
    read = (await company.ok(PLAN, {"id": opened["id"]}, as_user="hr"))["improvementPlan"]
    assert (read["status"], read["outcome"], read["outcomeByRule"]) == ("CLOSED", "MET", True)
    assert read["closedById"] is None
    assert read["closedAt"] is not None
    # and a later quarter carries nothing more (the plan is closed)
    q4 = await open_cycle(company, app, "2026-Q4")
    assert "improve-a" not in (await _assign(company, q4))[lead]


async def test_a_plan_is_carried_only_into_a_later_cycle_of_the_same_app(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given lead's improvement plan of Q2
    app = await install(company)
    q2 = await published_quarter(company, engine, sessions, app)
    await apply(company, q2)
    # when items are assigned in an earlier quarter of the same app
    q1 = await open_cycle(company, app, "2026-Q1")
    # then nothing is carried there
    assert "improve-a" not in (await _assign(company, q1))[str(company.people["lead"])]
    # nor when items are assigned again in Q2 itself
    assert "improve-a" not in (await _assign(company, q2))[str(company.people["lead"])]
