"""What the demo's closed quarter led to, over GraphQL as the demo's people find it
after `perfloop demo load`: an appeal adjusted into a new version and one upheld, a
feedback meeting, improvement plans carried into the current quarter, an approved
payout list, a star of the quarter per department, and the two quarters compared."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from perfloop.demo.company import DEPARTMENTS
from perfloop.demo.context import current_quarter
from perfloop.services.cycles import period_containing
from perfloop.store.identity import UserAccount
from support import GraphQLClient, nodes
from support.plans import employee_id

CYCLES = "{ cycles(first: 50) { edges { node { id period } } } }"
APPEALS = """
query($cycle: ID!) { appeals(cycle: $cycle, first: 20) { totalCount edges { node {
  id employeeId employeeName status decision reviewerId reviewerName resultVersion newVersion
  answers before after trail { event by note before after } } } } }"""
APPEAL = """
query($id: ID!) { appeal(id: $id) { id status decision newVersion trail { event by } } }"""
RESULT = """
query($cycle: ID!, $employee: ID!, $version: Int) {
  result(cycle: $cycle, employee: $employee, version: $version) {
    version status total rating inputs } }"""
SCORECARD = """
query($cycle: ID!, $employee: ID!) { scorecard(cycle: $cycle, employee: $employee) {
  items { key title target actual weight } } }"""
MEETINGS = """
query($cycle: ID!, $employee: ID!) { feedbackMeetings(cycle: $cycle, employee: $employee) {
  edges { node { heldOn notes actions { title owner due } } } } }"""
PLANS = """
query($cycle: ID!) { improvementPlans(cycle: $cycle, first: 50) { totalCount edges { node {
  employeeId status carry complete topics carriedCycleId revision
  checkins { note progress } } } } }"""
PAYOUTS = """
query($cycle: ID!) { payoutList(cycle: $cycle) {
  version status stale amount people unpaid
  units { orgUnitId code amount people budget over remaining }
  overBudget { code }
  lines(first: 100) { totalCount edges { node { employeeNo amount baseSource } } } } }"""
AWARDS = """
query($cycle: ID!) { awards(cycle: $cycle) {
  award orgUnitId orgUnitName employeeId employeeName status decidedBy } }"""
COMPARISON = """
query($cycle: ID!, $employee: ID!) {
  scorecardComparison(cycle: $cycle, employee: $employee, compareWith: PREVIOUS) {
    previousCycleId previousPeriod completion previousCompletion previousTotal previousRating
    completionDelta items { key actual previousActual completion previousCompletion } } }"""
REPORT = """
query($cycle: ID!) { planReport(cycle: $cycle, groupBy: [ORG_UNIT], compareWith: PREVIOUS,
  first: 50) { edges { node { orgUnitId people completion
    previous { cycleId period people completion completionDelta } } } } }"""
TREND = """
query($employee: ID!, $cycle: ID!) { trend(subject: {employee: $employee}, cycle: $cycle,
  last: 2) { cycleId period completion total rating completionDelta } }"""


def _labels() -> tuple[str, str]:
    now = current_quarter(dt.date.today())
    return period_containing("quarter", now.starts_on - dt.timedelta(days=1)).label, now.label


async def _cycle_ids(gql: GraphQLClient) -> tuple[str, str]:
    by_period = {
        c["period"]: c["id"] for c in nodes((await gql.ok(CYCLES, as_user="hr"))["cycles"])
    }
    previous, current = _labels()
    return by_period[previous], by_period[current]


async def _email(session: AsyncSession, employee: str) -> str:
    return (
        await session.execute(
            select(UserAccount.email).where(UserAccount.employee_id == int(employee))
        )
    ).scalar_one()


async def test_an_appeal_on_a_late_figure_is_adjusted_into_a_new_version(
    gql: GraphQLClient, session: AsyncSession
) -> None:
    # given the closed quarter's appeals, as HR
    previous, _ = await _cycle_ids(gql)
    found = nodes((await gql.ok(APPEALS, {"cycle": previous}, as_user="hr"))["appeals"])
    adjusted = next(a for a in found if a["decision"] == "ADJUSTED")
    appellant = await _email(session, adjusted["employeeId"])
    # when the appellant reads it
    mine = (await gql.ok(APPEALS, {"cycle": previous}, as_user=appellant))["appeals"]
    appeal = nodes(mine)[0]
    # then the trail says filed, assigned to their manager's manager, decided by them
    assert mine["totalCount"] == 1
    assert appeal["answers"]["category"] == "data-error"
    assert [t["event"] for t in appeal["trail"]] == ["filed", "assigned", "decided"]
    reviewer = await _email(session, appeal["reviewerId"])
    assert appeal["trail"][2]["by"] == appeal["reviewerName"]
    assert (appeal["resultVersion"], appeal["newVersion"]) == (1, 2)
    # and version 2 is published with the corrected actual and a changed total
    variables = {"cycle": previous, "employee": appeal["employeeId"]}
    now = (await gql.ok(RESULT, variables, as_user=appellant))["result"]
    before = (await gql.ok(RESULT, {**variables, "version": 1}, as_user=appellant))["result"]
    assert (now["version"], now["status"]) == (2, "PUBLISHED")
    assert now["total"] > before["total"]
    assert appeal["before"]["total"] == before["total"]
    assert appeal["after"]["total"] == now["total"]
    key, corrected = appeal["answers"]["requested_change"].split(" = ")
    item = next(i for i in now["inputs"]["items"] if i["key"] == key)
    assert item["actual"] == float(corrected)
    # and the plan holds the corrected actual too, so a later run agrees
    card = (await gql.ok(SCORECARD, variables, as_user=appellant))["scorecard"]
    assert next(i for i in card["items"] if i["key"] == key)["actual"] == float(corrected)
    # the reviewer reads it; a colleague does not
    seen = (await gql.ok(APPEAL, {"id": appeal["id"]}, as_user=reviewer))["appeal"]
    assert seen["decision"] == "ADJUSTED"
    assert (await gql.ok(APPEAL, {"id": appeal["id"]}, as_user="employee"))["appeal"] is None


async def test_the_demo_employee_s_appeal_is_upheld_and_their_meeting_recorded(
    gql: GraphQLClient, session: AsyncSession
) -> None:
    previous, _ = await _cycle_ids(gql)
    me = str(await employee_id(session, "employee"))
    # when the demo employee reads their appeals and meetings
    mine = nodes((await gql.ok(APPEALS, {"cycle": previous}, as_user="employee"))["appeals"])
    meetings = (await gql.ok(MEETINGS, {"cycle": previous, "employee": me}, as_user="employee"))[
        "feedbackMeetings"
    ]
    # then their appeal was upheld: no new version, the result still version 1
    assert [(a["status"], a["decision"], a["newVersion"]) for a in mine] == [
        ("DECIDED", "UPHELD", None)
    ]
    result = await gql.ok(RESULT, {"cycle": previous, "employee": me}, as_user="employee")
    assert result["result"]["version"] == 1
    # and their lead's feedback meeting is there with its actions
    (meeting,) = nodes(meetings)
    assert meeting["notes"]
    assert len(meeting["actions"]) == 2


async def test_improvement_plans_are_carried_into_the_current_quarter(
    gql: GraphQLClient, session: AsyncSession
) -> None:
    previous, current = await _cycle_ids(gql)
    # HR sees the plans publication opened, every one carried into the current quarter
    plans = (await gql.ok(PLANS, {"cycle": previous}, as_user="hr"))["improvementPlans"]
    assert plans["totalCount"] >= 3
    assert {p["carriedCycleId"] for p in nodes(plans)} == {current}
    # one was filled in by the manager (the demo employee's when they have one)
    me = str(await employee_id(session, "employee"))
    (followed,) = [p for p in nodes(plans) if p["revision"] == 2]
    assert followed["employeeId"] == me or me not in {p["employeeId"] for p in nodes(plans)}
    # when its person reads their plans
    person = await _email(session, followed["employeeId"])
    (plan,) = nodes((await gql.ok(PLANS, {"cycle": previous}, as_user=person))[
        "improvementPlans"])  # fmt: skip
    # then it is theirs alone, complete, with their check-in
    assert (plan["employeeId"], plan["status"], plan["complete"]) == (
        followed["employeeId"], "OPEN", True)  # fmt: skip
    assert [c["progress"] for c in plan["checkins"]] == [0.2]
    # and its items are on their current scorecard
    variables = {"cycle": current, "employee": plan["employeeId"]}
    card = (await gql.ok(SCORECARD, variables, as_user=person))["scorecard"]
    carried = {c["key"]: c["weight"] for c in plan["carry"]}
    on_card = {i["key"]: i for i in card["items"] if i["key"].startswith("improve-")}
    assert carried
    assert on_card
    assert set(on_card) <= set(carried)
    # as many as the scheme's weight rules allow: each within 5 to 40, the plan at 100
    assert all(5 <= i["weight"] <= 40 for i in card["items"])
    assert sum(i["weight"] for i in card["items"]) == pytest.approx(100)
    # and the manager reports each with the actual of the item it improves
    actual = {i["key"]: i["actual"] for i in card["items"]}
    assert all(actual[k] == actual[k.removeprefix("improve-")] for k in on_card)


async def test_the_payout_list_is_approved_with_its_totals_and_budgets(
    gql: GraphQLClient,
) -> None:
    previous, _ = await _cycle_ids(gql)
    payout = (await gql.ok(PAYOUTS, {"cycle": previous}, as_user="hr"))["payoutList"]
    assert (payout["version"], payout["status"], payout["stale"]) == (1, "APPROVED", False)
    lines = nodes(payout["lines"])
    assert payout["people"] == payout["lines"]["totalCount"] == len(lines) == 58
    assert payout["unpaid"] == 0
    # the company's amount is its lines' sum and its departments' sum
    assert Decimal(payout["amount"]) == sum(Decimal(line["amount"]) for line in lines)
    departments = {d.code for d in DEPARTMENTS}
    units = {u["code"]: u for u in payout["units"]}
    assert departments <= set(units)
    assert Decimal(payout["amount"]) == sum(Decimal(units[d]["amount"]) for d in departments)
    # every department has a budget; over budget are exactly those above it
    over = {d for d in departments if Decimal(units[d]["amount"]) > Decimal(units[d]["budget"])}
    assert {u["code"] for u in payout["overBudget"]} == over
    assert all(units[d]["over"] == (d in over) for d in departments)
    assert {line["baseSource"] for line in lines} == {"grade", "position", "employee"}


async def test_one_star_of_the_quarter_per_department(gql: GraphQLClient) -> None:
    previous, _ = await _cycle_ids(gql)
    # as the demo employee (awards are read by everyone)
    stars = (await gql.ok(AWARDS, {"cycle": previous}, as_user="employee"))["awards"]
    assert {s["award"] for s in stars} == {"star-of-the-period"}
    assert {s["status"] for s in stars} == {"ANNOUNCED"}
    names = {s["orgUnitName"] for s in stars}
    assert all(d.name in names or d.name_en in names for d in DEPARTMENTS)
    assert len({s["orgUnitId"] for s in stars}) == len(stars) == len(DEPARTMENTS)


async def test_the_two_quarters_compare(gql: GraphQLClient, session: AsyncSession) -> None:
    previous, current = await _cycle_ids(gql)
    me = str(await employee_id(session, "employee"))
    # the demo employee's plan beside last quarter's
    comparison = (await gql.ok(COMPARISON, {"cycle": current, "employee": me}, as_user="employee"))[
        "scorecardComparison"
    ]
    assert comparison["previousCycleId"] == previous
    assert comparison["previousTotal"] is not None
    assert comparison["previousRating"]
    assert comparison["completionDelta"] is not None
    both = [i for i in comparison["items"] if i["previousActual"] is not None]
    assert both
    # the items both quarters hold have an actual now, those a first-party plugin
    # computes (the current quarter's renewal_rate) included
    assert all(i["actual"] is not None for i in both)
    # HR's report by org unit, each row with the previous quarter's
    rows = nodes((await gql.ok(REPORT, {"cycle": current}, as_user="hr"))["planReport"])
    compared = [r for r in rows if r["previous"] is not None]
    assert compared
    assert {r["previous"]["cycleId"] for r in compared} == {previous}
    assert all(r["previous"]["completion"] is not None for r in compared)
    # the employee's trend over the two quarters
    points = (await gql.ok(TREND, {"employee": me, "cycle": current}, as_user="employee"))[
        "trend"]  # fmt: skip
    assert [p["cycleId"] for p in points] == [previous, current]
    assert points[0]["total"] is not None
    assert points[0]["rating"]
    assert points[1]["completionDelta"] is not None
