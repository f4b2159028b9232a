"""The demo's closed quarter has a star of each month, over GraphQL as the demo's people
find it after `perfloop demo load`: a `monthly-review` cycle per month of the quarter,
scored and published, with one announced star per department that everyone reads."""

from __future__ import annotations

import datetime as dt
from typing import Any

from perfloop.demo.company import DEPARTMENTS
from perfloop.demo.context import current_quarter
from perfloop.services.cycles import period_containing, sub_periods
from support import GraphQLClient, nodes

CYCLES = "{ cycles(first: 50) { edges { node { id period templateKey stage } } } }"
AWARDS = """
query($cycle: ID!) { awards(cycle: $cycle, award: "star-of-the-period") {
  award cycleId orgUnitId orgUnitName employeeId value status eligible } }"""
RESULTS = """
query($cycle: ID!, $unit: ID!, $after: String) {
  results(cycle: $cycle, orgUnit: $unit, status: PUBLISHED, first: 100, after: $after) {
    pageInfo { hasNextPage endCursor } edges { node { employeeId version total inputs } } } }"""


def _months() -> list[str]:
    starts = current_quarter(dt.date.today()).starts_on
    quarter = period_containing("quarter", starts - dt.timedelta(days=1))
    return [p.label for p in sub_periods(quarter, "month")]


async def _month_cycles(gql: GraphQLClient) -> dict[str, dict[str, Any]]:
    found = nodes((await gql.ok(CYCLES, as_user="hr"))["cycles"])
    return {c["period"]: c for c in found if c["templateKey"] == "monthly-review"}


async def _published(gql: GraphQLClient, cycle: str, unit: str) -> list[dict[str, Any]]:
    """The latest published version of each person of the unit's subtree (HR's read)."""
    out: list[dict[str, Any]] = []
    after = None
    while True:
        page = (
            await gql.ok(RESULTS, {"cycle": cycle, "unit": unit, "after": after}, as_user="hr")
        )["results"]
        out.extend(e["node"] for e in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    latest: dict[str, dict[str, Any]] = {}
    for r in out:
        if r["employeeId"] not in latest or r["version"] > latest[r["employeeId"]]["version"]:
            latest[r["employeeId"]] = r
    return list(latest.values())


def _completion(result: dict[str, Any]) -> float | None:
    """The scheme's completion: the weighted completion of the items that have one."""
    items = [i for i in result["inputs"]["items"] if i.get("completion") is not None]
    weight = sum(float(i["weight"]) for i in items)
    return sum(float(i["weight"]) * i["completion"] for i in items) / weight if weight else None


async def test_each_month_of_the_closed_quarter_is_a_closed_monthly_cycle(
    gql: GraphQLClient,
) -> None:
    cycles = await _month_cycles(gql)
    assert sorted(cycles) == _months()
    assert {c["stage"] for c in cycles.values()} == {"closed"}


async def test_one_star_per_department_each_month_read_by_an_employee(gql: GraphQLClient) -> None:
    cycles = await _month_cycles(gql)
    for month in _months():
        cycle = cycles[month]["id"]
        stars = (await gql.ok(AWARDS, {"cycle": cycle}, as_user="employee"))["awards"]
        assert {s["status"] for s in stars} == {"ANNOUNCED"}, month
        assert {s["cycleId"] for s in stars} == {cycle}
        names = {s["orgUnitName"] for s in stars}
        assert all(d.name in names or d.name_en in names for d in DEPARTMENTS), month
        assert len({s["orgUnitId"] for s in stars}) == len(stars) == len(DEPARTMENTS), month


async def test_each_star_has_the_highest_total_of_the_eligible_in_the_department(
    gql: GraphQLClient,
) -> None:
    cycles = await _month_cycles(gql)
    winners: set[tuple[str, str]] = set()
    for month in _months():
        cycle = cycles[month]["id"]
        for star in (await gql.ok(AWARDS, {"cycle": cycle}, as_user="hr"))["awards"]:
            # HR recomputes from the department's published results: the award takes part
            # those at or over target (`completion >= 1`) and ranks them by total
            results = await _published(gql, cycle, star["orgUnitId"])
            eligible = [r for r in results if (_completion(r) or 0.0) >= 1 - 1e-9]
            assert len(eligible) == star["eligible"], (month, star["orgUnitName"])
            best = max(r["total"] for r in eligible)
            won = next(r for r in eligible if r["employeeId"] == star["employeeId"])
            assert won["total"] == best == star["value"], (month, star["orgUnitName"])
            winners.add((month, star["employeeId"]))
    assert len(winners) == len(_months()) * len(DEPARTMENTS)
