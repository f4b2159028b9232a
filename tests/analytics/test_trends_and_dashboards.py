"""Trends across cycles (a person, a unit, an indicator), a plan next to last
quarter's, and a cycle's dashboard — scored by the plans' templates and read from
published results, each reader seeing their own scope."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from support.analytics import plan, quarters
from support.company import Company
from support.results import publish, result, run, sign

TREND = """
query($subject: TrendSubject!, $cycle: ID, $last: Int, $cycles: [ID!]) {
  trend(subject: $subject, cycle: $cycle, last: $last, cycles: $cycles) {
    cycleId period people items target actual completion behind score results meanTotal
    bands { band count share } total rating completionDelta meanTotalDelta
  }
}"""
COMPARE = """
query($cycle: ID!, $employee: ID!) {
  scorecardComparison(cycle: $cycle, employee: $employee) {
    period previousPeriod completion previousCompletion completionDelta score previousScore
    scoreDelta
    items { key actual previousActual actualDelta completion previousCompletion
            completionDelta score previousScore scoreDelta }
  }
}"""
DASHBOARD = """
query($cycle: ID!, $unit: ID, $ranked: Int!) {
  dashboard(cycle: $cycle, orgUnit: $unit, ranked: $ranked) {
    progress { people items completion expectedProgress behind }
    indicators { indicatorKey people completion }
    results { people meanTotal bands { band count share } }
    units { orgUnitId own people meanTotal bands { band count } }
    top { employeeId total rating } bottom { employeeId total rating }
  }
}"""
REPORT = """
query($cycle: ID!) { planReport(cycle: $cycle, groupBy: [], first: 1) {
  edges { node { completion behind } } } }"""
ITEMS = [
    {"key": "sales", "title": "Sales", "target": 100, "weight": 40},
    {"key": "care", "title": "Care", "target": 10, "weight": 30},
    {"key": "visits", "title": "Visits", "target": 10, "weight": 30},
]
KEYS = ("sales", "care", "visits")
#: per quarter and person: the actuals of sales, care, visits
ACTUALS = {
    "2026-Q2": {"emp": (50, 5, 5), "lead": (100, 10, 10), "other": (80, 8, 8)},
    "2026-Q3": {"emp": (90, 9, 9), "lead": (110, 10, 10), "other": (60, 6, 6)},
}


async def _scored(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> dict[str, str]:
    """Two quarters planned, signed, scored and published for emp, lead and other."""
    cycles = await quarters(company, *ACTUALS)
    ids = {period: c["id"] for period, c in cycles.items()}
    for period, people in ACTUALS.items():
        plans = [
            await plan(company, ids[period], who, ITEMS, dict(zip(KEYS, a, strict=True)))
            for who, a in people.items()
        ]
        await sign(sessions, *(p["id"] for p in plans))
        job = await run(company, engine, ids[period])
        assert job["status"] == "SUCCEEDED", job
        assert await publish(company, ids[period]) == 3
    return ids


async def _trend(company: Company, as_user: str = "hr", **variables: Any) -> Any:
    return await company.raw(TREND, variables, as_user=as_user)


async def test_a_persons_trend_shows_each_quarter_from_the_template_and_the_results(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ids = await _scored(company, engine, sessions)
    emp = str(company.people["emp"])

    # when HR reads emp's last two quarters
    body = await _trend(company, subject={"employee": emp}, cycle=ids["2026-Q3"], last=2)

    # then one point a quarter, oldest first, with the published result as scored
    q2, q3 = body["data"]["trend"]
    assert [q2["period"], q3["period"]] == ["2026-Q2", "2026-Q3"]
    for point, period in ((q2, "2026-Q2"), (q3, "2026-Q3")):
        stored = await result(company, ids[period], "emp")
        assert (point["total"], point["rating"]) == (stored["total"], stored["rating"])
        assert point["results"] == 1
        assert point["meanTotal"] == pytest.approx(stored["total"])
        assert point["score"] == pytest.approx(stored["kpiPart"])
    assert q2["completion"] == pytest.approx(0.5)
    assert q3["completion"] == pytest.approx(0.9)
    assert q3["completionDelta"] == pytest.approx(0.4)
    assert q3["meanTotalDelta"] == pytest.approx(q3["meanTotal"] - q2["meanTotal"])
    assert q2["completionDelta"] is None
    # the same named as a list of cycles
    named = await _trend(
        company, subject={"employee": emp}, cycles=[ids["2026-Q3"], ids["2026-Q2"]]
    )
    assert named["data"]["trend"] == body["data"]["trend"]


async def test_unit_and_indicator_trends_are_scoped_to_the_reader(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ids = await _scored(company, engine, sessions)
    company_unit = str(company.units["co"])

    # HR: the company is emp, lead and other
    body = await _trend(company, subject={"orgUnit": company_unit}, cycle=ids["2026-Q3"], last=2)
    q2, q3 = body["data"]["trend"]
    assert (q2["people"], q2["results"], q3["results"]) == (3, 3, 3)
    assert sum(b["count"] for b in q3["bands"]) == 3
    assert q2["total"] is None  # a unit has no total of its own

    # the lead: the same unit counts their team only (lead and emp)
    body = await _trend(
        company, "lead", subject={"orgUnit": company_unit}, cycle=ids["2026-Q3"], last=2
    )
    assert [p["results"] for p in body["data"]["trend"]] == [2, 2]
    assert [p["people"] for p in body["data"]["trend"]] == [2, 2]

    # an indicator: its items only, and no results (a result is a person's whole)
    body = await _trend(company, subject={"indicator": "sales"}, cycle=ids["2026-Q3"], last=2)
    q2, q3 = body["data"]["trend"]
    assert (q2["items"], q2["actual"], q3["actual"]) == (3, 230.0, 260.0)
    assert (q3["results"], q3["bands"]) == (0, [])

    # emp cannot read lead's trend: not found, as a missing person
    body = await _trend(company, "emp", subject={"employee": str(company.people["lead"])},
                        cycle=ids["2026-Q3"])  # fmt: skip
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        ({"subject": {}}, "INVALID"),
        ({"subject": {"indicator": "sales"}, "cycle": None}, "INVALID"),
        ({"subject": {"indicator": "sales"}, "last": 25}, "INVALID"),
        ({"subject": {"indicator": "sales"}, "last": 0}, "INVALID"),
        ({"subject": {"indicator": "sales"}, "cycles": []}, "INVALID"),
        ({"subject": {"indicator": "sales"}, "cycles": ["999999"]}, "NOT_FOUND"),
        ({"subject": {"orgUnit": "999999"}}, "NOT_FOUND"),
    ],
)
async def test_a_bad_trend_request_is_refused_by_name(
    company: Company, variables: dict[str, Any], code: str
) -> None:
    cycles = await quarters(company, "2026-Q3")
    if "cycles" not in variables:  # one cycle and how many before it, unless said
        variables = {"cycle": cycles["2026-Q3"]["id"], **variables}
    body = await _trend(company, **variables)
    assert body["errors"][0]["extensions"]["code"] == code, body


async def test_a_plan_next_to_last_quarters(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ids = await _scored(company, engine, sessions)
    variables = {"cycle": ids["2026-Q3"], "employee": str(company.people["emp"])}

    # when the lead reads emp's plan against last quarter
    found = (await company.ok(COMPARE, variables, as_user="lead"))["scorecardComparison"]

    # then item by item, both quarters' numbers by the template, and the changes
    assert (found["period"], found["previousPeriod"]) == ("2026-Q3", "2026-Q2")
    sales = next(i for i in found["items"] if i["key"] == "sales")
    assert (sales["actual"], sales["previousActual"], sales["actualDelta"]) == (90, 50, 40)
    assert sales["completionDelta"] == pytest.approx(0.4)
    assert sales["scoreDelta"] == pytest.approx(sales["score"] - sales["previousScore"])
    assert found["scoreDelta"] == pytest.approx(found["score"] - found["previousScore"])
    # someone out of reach: null, as a missing plan
    variables["employee"] = str(company.people["other"])
    assert (await company.ok(COMPARE, variables, as_user="lead"))["scorecardComparison"] is None


async def test_the_dashboard_of_a_cycle(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ids = await _scored(company, engine, sessions)
    q3 = ids["2026-Q3"]

    # when HR reads the company's dashboard with the top and bottom person
    board = (await company.ok(DASHBOARD, {"cycle": q3, "ranked": 1}, as_user="hr"))["dashboard"]

    # then
    totals = {who: (await result(company, q3, who))["total"] for who in ("emp", "lead", "other")}
    assert board["progress"]["people"] == 3
    assert board["progress"]["items"] == 9
    whole = await company.ok(REPORT, {"cycle": q3}, as_user="hr")
    (row,) = [edge["node"] for edge in whole["planReport"]["edges"]]
    assert board["progress"]["completion"] == pytest.approx(row["completion"])
    assert board["progress"]["behind"] == row["behind"]
    assert [r["indicatorKey"] for r in board["indicators"]] == ["care", "sales", "visits"]
    assert board["results"]["people"] == 3
    assert board["results"]["meanTotal"] == pytest.approx(sum(totals.values()) / 3)
    assert sum(b["share"] for b in board["results"]["bands"]) == pytest.approx(1)
    best = max(totals, key=lambda w: totals[w])
    worst = min(totals, key=lambda w: totals[w])
    assert board["top"] == [
        {"employeeId": str(company.people[best]), "total": totals[best],
         "rating": (await result(company, q3, best))["rating"]}
    ]  # fmt: skip
    assert [p["employeeId"] for p in board["bottom"]] == [str(company.people[worst])]
    # per child unit of the company: d1 (lead, emp) and d2 (other)
    units = {u["orgUnitId"]: u for u in board["units"]}
    assert units[str(company.units["d1"])]["people"] == 2
    assert units[str(company.units["d2"])]["people"] == 1
    assert not any(u["own"] for u in board["units"])

    # the head of d1, for d1: their subtree only
    variables = {"cycle": q3, "unit": str(company.units["d1"]), "ranked": 5}
    board = (await company.ok(DASHBOARD, variables, as_user="head"))["dashboard"]
    assert board["results"]["people"] == 2
    assert {u["orgUnitId"] for u in board["units"]} == {str(company.units["t1"])}
    assert len(board["top"]) == 2
    # emp: only themself
    board = (await company.ok(DASHBOARD, {"cycle": q3, "ranked": 5}, as_user="emp"))["dashboard"]
    assert board["results"]["people"] == 1
    assert [p["employeeId"] for p in board["top"]] == [str(company.people["emp"])]
