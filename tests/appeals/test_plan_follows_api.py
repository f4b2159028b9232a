"""An appeal's corrected actual is the plan's actual from then on: the decision records
it on the plan's item (an override of a computed item, a manual actual otherwise, with
the appeal's reason, audited), so a later refresh keeps it and a later scoring run
leaves the adjusted version standing — whoever of HR and the assigned reviewer decides,
at any stage of the cycle."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from support import nodes
from support.appeals import (
    REFRESH,
    at_stage,
    card,
    computed,
    decide,
    decision,
    filed,
    published_cycle,
)
from support.results import result, run

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from support.company import Company

AUDIT = """
query($id: String) {
  auditLog(objectType: "scorecard_item", objectId: $id, first: 20) {
    edges { node { action actorName before after note } }
  }
}"""


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


async def test_a_corrected_actual_and_a_band_moved_on_appeal_stand_through_a_run(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given emp's appeal, decided by HR: item a to 80 (scored fair) and the band kept
    # at great, a move on version 2
    cycle = await published_cycle(company, engine, sessions)
    appeal = await filed(company, cycle, "emp")
    decided = await decide(
        company,
        decision(appeal["id"], "ADJUSTED", "80, but the quarter was exceptional",
                 actuals=[{"item": "a", "actual": 80}], rating="great"),
        as_user="hr",
    )  # fmt: skip
    assert decided["errors"] == [], decided["errors"]
    adjusted = await result(company, cycle, "emp")
    assert (adjusted["version"], adjusted["rating"]) == (2, "great")
    assert adjusted["total"] == pytest.approx(69)
    # when HR runs the scoring again
    job = await run(company, engine, cycle)
    # then the run scores the plan's 80 (fair, where the move started), keeps the move
    # and finds the version standing: no draft, the same numbers
    assert job["result"]["unchanged"] == 3, job["result"]
    after = await result(company, cycle, "emp")
    assert (after["version"], after["status"], after["rating"], after["multiplier"]) == (
        2, "PUBLISHED", "great", adjusted["multiplier"],
    )  # fmt: skip
