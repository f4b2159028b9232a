"""An appeal's corrected actual is the plan's actual from then on: the decision records
it on the plan's item (an override of a computed item, a manual actual otherwise, with
the appeal's reason, audited), so a later refresh keeps it and a later scoring run
leaves the adjusted version standing — whoever of HR and the assigned reviewer decides,
at any stage of the cycle."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from perfloop.store.plans import Scorecard, ScorecardItem
from support import nodes
from support.appeals import at_stage, decide, decision, filed, published_cycle
from support.results import result, run

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from support.company import Company

CARD = """
query($e: ID!, $c: ID!) {
  scorecard(employee: $e, cycle: $c) { items { id key sourceType actual actualSource } }
}"""
REFRESH = """
mutation($cycle: ID!) { refreshActuals(cycle: $cycle) { updated overridden
  failed { key message } errors { code message } } }"""
AUDIT = """
query($id: String) {
  auditLog(objectType: "scorecard_item", objectId: $id, first: 20) {
    edges { node { action actorName before after note } }
  }
}"""


async def card(company: Company, cycle: str, who: str) -> dict[str, dict[str, Any]]:
    """``who``'s plan items by key, as HR reads them."""
    data = await company.ok(CARD, {"e": str(company.people[who]), "c": cycle}, as_user="hr")
    return {i["key"]: i for i in data["scorecard"]["items"]}


async def computed(
    sessions: async_sessionmaker[AsyncSession], company: Company, who: str, key: str, formula: str
) -> None:
    """``who``'s item ``key`` computes its actual by ``formula`` (a refresh writes it)."""
    plans = select(Scorecard.id).where(Scorecard.employee_id == company.people[who])
    async with sessions() as session:
        await session.execute(
            update(ScorecardItem)
            .where(ScorecardItem.scorecard_id.in_(plans), ScorecardItem.key == key)
            .values(source={"type": "formula", "formula": formula})
        )
        await session.commit()


async def test_the_corrected_actual_is_the_plans_a_refresh_keeps_it_and_a_run_leaves_the_version(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given emp's published result (a at 100: great), item a computed by a formula that
    # says 100 (what a refresh of late data would write), and emp's appeal
    cycle = await published_cycle(company, engine, sessions)
    await computed(sessions, company, "emp", "a", "100")
    appeal = await filed(company, cycle, "emp")
    # when head, the reviewer the rule chose, adjusts item a to 80
    decided = await decide(
        company,
        decision(appeal["id"], "ADJUSTED", "the order book says 80",
                 actuals=[{"item": "a", "actual": 80}]),
        as_user="head",
    )  # fmt: skip
    assert decided["errors"] == [], decided["errors"]
    # then emp's plan shows a at 80, an override (its source computes it)
    items = await card(company, cycle, "emp")
    assert (items["a"]["sourceType"], items["a"]["actual"], items["a"]["actualSource"]) == (
        "formula", 80, "override",
    )  # fmt: skip
    assert (items["b"]["actual"], items["b"]["actualSource"]) == (200, "manual")
    # and a refresh leaves it as it is
    refreshed = (await company.ok(REFRESH, {"cycle": cycle}, as_user="hr"))["refreshActuals"]
    assert refreshed["errors"] == [], refreshed
    assert refreshed["overridden"] == 1, refreshed
    assert (await card(company, cycle, "emp"))["a"]["actual"] == 80
    # and a new scoring run finds emp's adjusted version standing: no draft undoes it
    job = await run(company, engine, cycle)
    assert job["status"] == "SUCCEEDED", job
    assert job["result"]["unchanged"] == 3, job["result"]
    latest = await result(company, cycle, "emp")
    assert (latest["version"], latest["status"], latest["rating"]) == (2, "PUBLISHED", "fair")
    assert [(v["version"], v["status"]) for v in latest["versions"]] == [
        (1, "PUBLISHED"), (2, "PUBLISHED"),
    ]  # fmt: skip
    # and the audit trail shows the override: by head, 100 → 80, with the appeal's reason
    trail = nodes((await company.ok(AUDIT, {"id": items["a"]["id"]}, as_user="hr"))["auditLog"])
    override = trail[0]
    assert override["action"] == "actual.override"
    assert override["actorName"] == decided["appeal"]["decidedBy"]
    assert (override["before"]["value"], override["after"]["value"]) == (100, 80)
    assert override["note"] == f"on appeal {appeal['id']}: the order book says 80"


async def test_the_assigned_reviewer_corrects_a_manual_actual_in_a_closed_cycle(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given lead's appeal, assigned to exec (lead's manager's manager, not HR and with no
    # right to enter lead's actuals), and the cycle closed since (HR overrode the guard)
    cycle = await published_cycle(company, engine, sessions)
    appeal = await filed(company, cycle, "lead")
    assert appeal["reviewerId"] == str(company.people["exec"])
    await at_stage(sessions, cycle, "closed")
    # when exec adjusts lead's manual item b to 150
    decided = await decide(
        company,
        decision(appeal["id"], "ADJUSTED", "one order was booked twice",
                 actuals=[{"item": "b", "actual": 150}]),
        as_user="exec",
    )  # fmt: skip
    assert decided["errors"] == [], decided["errors"]
    # then lead's plan shows b at 150, entered by hand, with the reason in the audit log
    items = await card(company, cycle, "lead")
    assert (items["b"]["actual"], items["b"]["actualSource"]) == (150, "manual")
    trail = nodes((await company.ok(AUDIT, {"id": items["b"]["id"]}, as_user="hr"))["auditLog"])
    assert (trail[0]["action"], trail[0]["after"]["value"]) == ("actual.enter", 150)
    assert "one order was booked twice" in trail[0]["note"]
    # and a new run leaves lead's version 2 standing, with the same numbers
    before = await result(company, cycle, "lead")
    job = await run(company, engine, cycle)
    assert job["result"]["unchanged"] == 3, job["result"]
    after = await result(company, cycle, "lead")
    assert (after["version"], after["total"], after["rating"], after["multiplier"]) == (
        2, before["total"], before["rating"], before["multiplier"],
    )  # fmt: skip
