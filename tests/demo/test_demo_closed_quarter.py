"""The demo's previous quarter, closed end to end beside the current one: what HR,
a calibrated person and an employee find over GraphQL after `perfloop demo load`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from perfloop.demo.context import current_quarter
from perfloop.services.cycles import period_containing
from perfloop.store.core.audit import AuditEvent
from perfloop.store.cycles import CycleTransition
from perfloop.store.identity import Tenant
from perfloop.store.org import Employee
from perfloop.store.results import Result
from support import GraphQLClient, every_node, nodes
from support.plans import employee_id

CYCLES = """
{ cycles(first: 50) { edges { node {
    id period stage status stages { key status } } } } }"""
PLANS = """
query($cycle: ID!, $after: String) {
  teamScorecards(cycle: $cycle, first: 50, after: $after) {
    pageInfo { hasNextPage endCursor } edges { node { employeeId status } } } }"""
RESULTS = """
query($cycle: ID!, $after: String) {
  results(cycle: $cycle, status: PUBLISHED, first: 50, after: $after) {
    pageInfo { hasNextPage endCursor } totalCount
    edges { node { employeeId version status rating total inputs templates } } } }"""
REVIEWS = """
query($cycle: ID!, $subject: ID) {
  reviewAssignments(cycle: $cycle, stage: "review-360", subject: $subject, first: 100) {
    totalCount edges { node { relation status external raterName score answers } } } }"""
SUMMARY = """
query($cycle: ID!, $subject: ID!) {
  reviewSummary(cycle: $cycle, subject: $subject) {
    score hidden relations { relation answered minimum hidden score } } }"""
RESULT = """
query($cycle: ID!, $employee: ID!) {
  result(cycle: $cycle, employee: $employee) {
    employeeId version status kpiPart reviewPart total rating multiplier inputs templates
    explanation(lang: EN) {
      kpi review total rating multiplier lines
      items { key target actual completion score weight rules }
      relations { relation raters score hidden }
      calibrations { from to multiplierBefore multiplierAfter reason by line }
    } } }"""


def _previous_label() -> str:
    starts = current_quarter(dt.date.today()).starts_on
    return period_containing("quarter", starts - dt.timedelta(days=1)).label


async def _cycles(gql: GraphQLClient, as_user: str = "hr") -> dict[str, dict[str, Any]]:
    found = nodes((await gql.ok(CYCLES, as_user=as_user))["cycles"])
    return {c["period"]: c for c in found}


async def _previous(gql: GraphQLClient, as_user: str = "hr") -> dict[str, Any]:
    return (await _cycles(gql, as_user))[_previous_label()]


async def test_the_previous_quarter_is_closed_and_the_current_one_in_execution(
    gql: GraphQLClient, session: AsyncSession
) -> None:
    # when HR lists the cycles
    cycles = await _cycles(gql)
    # then the previous quarter went through every stage and is closed
    previous = cycles[_previous_label()]
    assert (previous["stage"], previous["status"]) == ("closed", "closed")
    assert {s["status"] for s in previous["stages"]} == {"done"}
    # one transition per stage, none of them past a guard by an override
    moves = (
        await session.execute(
            select(CycleTransition.to_stage, CycleTransition.override_reason)
            .where(CycleTransition.cycle_id == int(previous["id"]))
            .order_by(CycleTransition.id)
        )
    ).all()
    assert [to for to, _ in moves] == [s["key"] for s in previous["stages"]]
    assert {reason for _, reason in moves} == {None}
    # and the current quarter stays in execution
    current = cycles[current_quarter(dt.date.today()).label]
    assert (current["stage"], current["status"]) == ("execution", "open")


async def test_every_signed_plan_has_a_published_result(gql: GraphQLClient) -> None:
    # given the previous quarter's plans, every one signed by both sides
    cycle = (await _previous(gql))["id"]
    cards = await every_node(
        lambda v: gql.ok(PLANS, v, as_user="hr"), "teamScorecards", {"cycle": cycle}
    )
    assert cards
    assert {c["status"] for c in cards} == {"signed"}
    # when HR reads the published results
    found = await every_node(
        lambda v: gql.ok(RESULTS, v, as_user="hr"), "results", {"cycle": cycle}
    )
    # then each signed plan has one, published
    assert sorted(r["employeeId"] for r in found) == sorted(c["employeeId"] for c in cards)
    assert {r["status"] for r in found} == {"PUBLISHED"}
    # with bands to tell apart: the top, the middle and the bottom of the scheme
    ratings = {r["rating"] for r in found}
    assert {"S", "B", "D"} <= ratings
    # some items over plan, capped by the template; some under its threshold, scoring 0
    params = found[0]["templates"]["parameters"]
    items = [i for r in found for i in r["inputs"]["items"] if i["completion"] is not None]
    assert any(i["score"] == params["cap"] for i in items)
    assert any(i["completion"] < params["threshold"] and i["score"] == 0 for i in items)


async def test_customers_reviewed_through_their_links(
    gql: GraphQLClient, session: AsyncSession
) -> None:
    # given the demo employee, whose customers were invited to review them
    cycle = (await _previous(gql))["id"]
    me = await employee_id(session, "employee")
    # when HR reads the 360° forms about them
    data = await gql.ok(REVIEWS, {"cycle": cycle, "subject": str(me)}, as_user="hr")
    forms = nodes(data["reviewAssignments"])
    # then customers (external raters) submitted theirs, with answers and a rating
    customers = [f for f in forms if f["relation"] == "customer"]
    assert len(customers) == 3
    for form in customers:
        assert form["external"] is True
        assert form["status"] == "submitted"
        assert 1 <= form["answers"]["satisfaction_stars"] <= 5
        assert form["score"] == (form["answers"]["satisfaction_stars"] - 1) * 25
    # beside the manager's and three peers'
    submitted = {f["relation"] for f in forms if f["status"] == "submitted"}
    assert {"manager", "peer", "customer"} <= submitted
    assert sum(f["relation"] == "peer" for f in forms) == 3
    # and the answers differ from one rater to the next
    assert len({str(f["answers"]) for f in forms}) == len(forms)
    # the employee sees neither the forms nor the customers about them, only the aggregate
    mine = await gql.ok(REVIEWS, {"cycle": cycle, "subject": str(me)}, as_user="employee")
    assert {f["relation"] for f in nodes(mine["reviewAssignments"])} <= {"self", "manager"}
    summary = (await gql.ok(SUMMARY, {"cycle": cycle, "subject": str(me)}, as_user="employee"))[
        "reviewSummary"
    ]
    customer = next(r for r in summary["relations"] if r["relation"] == "customer")
    assert customer["answered"] == customer["minimum"] == 3
    assert customer["hidden"] is False


async def test_the_calibration_move_is_audited_and_explained_to_the_person(
    gql: GraphQLClient, session: AsyncSession
) -> None:
    # given the audit log's calibration of the previous quarter
    tenant = (await session.execute(select(Tenant.id).where(Tenant.slug == "demo"))).scalar_one()
    events = (
        await session.execute(
            select(AuditEvent).where(
                AuditEvent.tenant_id == tenant, AuditEvent.action == "result.calibrate"
            )
        )
    ).scalars()
    (event,) = list(events)
    result = await session.get(Result, int(event.object_id))
    assert result is not None
    person = await session.get(Employee, result.employee_id)
    assert person is not None
    before, after = event.before or {}, event.after or {}
    assert before["rating"] != after["rating"]
    assert after["reason"]
    # when the calibrated person reads their published result
    cycle = (await _previous(gql, as_user=person.email))["id"]
    assert str(result.cycle_id) == cycle
    variables = {"cycle": cycle, "employee": str(person.id)}
    data = (await gql.ok(RESULT, variables, as_user=person.email))["result"]
    # then it carries the calibrated band, and the explanation says who moved it and why
    assert data["status"] == "PUBLISHED"
    assert data["rating"] == after["rating"]
    (move,) = data["explanation"]["calibrations"]
    assert (move["from"], move["to"]) == (before["rating"], after["rating"])
    assert move["reason"] == after["reason"]
    assert (move["multiplierBefore"], move["multiplierAfter"]) == (
        before["multiplier"],
        after["multiplier"],
    )
    assert move["line"] in data["explanation"]["lines"]


def _item_score(completion: float, params: dict[str, Any]) -> float:
    """standard-scoring@2's item score, written out:
    IF(completion < threshold, 0, CLAMP(completion * 100, floor, cap))."""
    if completion < params["threshold"]:
        return 0.0
    return min(max(completion * 100, params["floor"]), params["cap"])


async def test_the_employee_reads_their_result_and_its_numbers_follow_the_template(
    gql: GraphQLClient, session: AsyncSession
) -> None:
    # given the demo employee and the closed quarter
    cycle = (await _previous(gql, as_user="employee"))["id"]
    me = await employee_id(session, "employee")
    # when they read their own result
    variables = {"cycle": cycle, "employee": str(me)}
    data = (await gql.ok(RESULT, variables, as_user="employee"))["result"]
    # then it is published, with the explanation in English
    assert data["status"] == "PUBLISHED"
    explanation = data["explanation"]
    assert explanation["total"] == data["total"]
    assert explanation["rating"] == data["rating"]
    assert explanation["lines"]
    params = data["templates"]["parameters"]
    assert data["templates"]["scoring"] == "standard-scoring@2"
    # each item's score follows the template's rule from its completion
    items = explanation["items"]
    assert items
    for item in items:
        assert item["score"] == _item_score(item["completion"], params)
        assert item["rules"]
    # the KPI part is the weighted sum of the item scores
    kpi = sum(i["weight"] * i["score"] for i in items) / 100
    assert abs(kpi - data["kpiPart"]) < 1e-6
    # the review part weighs the relations that have raters (customers among them)
    relations = [r for r in explanation["relations"] if r["raters"]]
    assert "customer" in {r["relation"] for r in relations}
    weights = params["rater_weights"]
    present = sum(weights[r["relation"]] for r in relations)
    review = sum(weights[r["relation"]] * r["score"] for r in relations) / present
    assert abs(review - data["reviewPart"]) < 1e-6
    # and the total is the sections' weighted mean, rounded to 2 places, with its band
    sections = params["section_weights"]
    total = round(
        (sections["kpi"] * kpi + sections["review"] * review)
        / (sections["kpi"] + sections["review"]),
        2,
    )
    assert data["total"] == total
    band = next(b["band"] for b in params["rating_bands"] if total >= b["min_score"])
    if not explanation["calibrations"]:
        assert data["rating"] == band
    assert data["multiplier"] == params["bonus_multipliers"][data["rating"]]
    # another person's result is not theirs to read
    other = await employee_id(session, "sales-north.lead")
    hidden = await gql.ok(RESULT, {"cycle": cycle, "employee": str(other)}, as_user="employee")
    assert hidden["result"] is None
