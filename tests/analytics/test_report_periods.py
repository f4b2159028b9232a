"""planReport by period keeps the cycle's own period and the months inside it apart: a
month is not scored against the quarter's target; rows compare with an earlier cycle."""

from __future__ import annotations

from typing import Any

import pytest

from support import nodes
from support.analytics import enter, plan, quarters
from support.company import Company

REPORT = """
query($c: ID!, $by: [ReportDimension!]!, $compare: RelativePeriod) {
  planReport(cycle: $c, groupBy: $by, first: 50, compareWith: $compare) {
    edges { node {
      orgUnitId indicatorKey period wholeCycle people items target actual completion behind
      previous { cycleId period people items target actual completion completionDelta }
    } }
  }
}"""
ITEMS = [
    {"key": "sales", "title": "Sales", "target": 300, "weight": 40},
    {"key": "care", "title": "Care", "target": 10, "weight": 30},
    {"key": "visits", "title": "Visits", "target": 5, "weight": 30},
]


async def _report(company: Company, cycle: str, by: list[str], **extra: Any) -> Any:
    return await company.raw(REPORT, {"c": cycle, "by": by, **extra}, as_user="hr")


async def test_a_month_is_not_scored_against_the_quarter(company: Company) -> None:
    # given emp's quarter: sales 240 of 300 for the quarter, 100 in its first month
    cycles = await quarters(company, "2026-Q3")
    q3 = cycles["2026-Q3"]
    card = await plan(company, q3["id"], "emp", ITEMS, {"sales": 240, "care": 10, "visits": 5})
    sales = next(i for i in card["items"] if i["key"] == "sales")
    await enter(company, sales["id"], 100, (q3["startsOn"], "2026-07-31"))

    # when HR reads the report by period
    body = await _report(company, q3["id"], ["PERIOD"])

    # then the quarter and the month are two rows that do not mix
    rows = {r["period"]: r for r in nodes(body["data"]["planReport"])}
    whole = rows[f"{q3['startsOn']}/{q3['endsOn']}"]
    month = rows[f"{q3['startsOn']}/2026-07-31"]
    assert whole["wholeCycle"] is True
    assert (whole["items"], whole["target"], whole["actual"]) == (3, 315.0, 255.0)
    assert whole["completion"] == pytest.approx((40 * 0.8 + 30 * 1 + 30 * 1) / 100)
    assert month["wholeCycle"] is False
    assert (month["items"], month["actual"]) == (1, 100.0)
    assert (month["target"], month["completion"], month["behind"]) == (None, None, 0)
    # by indicator and period, the month's sales row is not scored either
    body = await _report(company, q3["id"], ["INDICATOR", "PERIOD"])
    by_key = {(r["indicatorKey"], r["wholeCycle"]): r for r in nodes(body["data"]["planReport"])}
    assert by_key[("sales", True)]["completion"] == pytest.approx(0.8)
    assert by_key[("sales", False)]["completion"] is None


async def test_rows_compare_with_the_previous_cycle(company: Company) -> None:
    # given emp at 50 % of sales in Q2 and 80 % in Q3; lead only in Q3
    cycles = await quarters(company, "2026-Q2", "2026-Q3")
    q2, q3 = cycles["2026-Q2"]["id"], cycles["2026-Q3"]["id"]
    await plan(company, q2, "emp", ITEMS, {"sales": 150, "care": 10, "visits": 5})
    await plan(company, q3, "emp", ITEMS, {"sales": 240, "care": 10, "visits": 5})
    await plan(company, q3, "lead", ITEMS, {"sales": 300})

    # when HR reads Q3 by indicator compared with the previous quarter
    body = await _report(company, q3, ["INDICATOR"], compare="PREVIOUS")

    # then each indicator has last quarter's numbers beside it, over the same rules
    rows = {r["indicatorKey"]: r for r in nodes(body["data"]["planReport"])}
    sales = rows["sales"]
    assert (sales["people"], sales["actual"]) == (2, 540.0)
    assert sales["previous"]["period"] == "2026-Q2"
    assert sales["previous"]["cycleId"] == str(q2)
    assert (sales["previous"]["people"], sales["previous"]["actual"]) == (1, 150.0)
    assert sales["previous"]["completion"] == pytest.approx(0.5)
    assert sales["previous"]["completionDelta"] == pytest.approx(sales["completion"] - 0.5)
    # no dimension: the whole cycle against the whole previous one
    body = await _report(company, q3, [], compare="PREVIOUS")
    (row,) = nodes(body["data"]["planReport"])
    assert row["previous"]["items"] == 3
    # a year ago there was no cycle: nothing to compare with
    body = await _report(company, q3, ["INDICATOR"], compare="YEAR_AGO")
    assert all(r["previous"] is None for r in nodes(body["data"]["planReport"]))
    # by period, there is nothing to compare: refused naming the argument
    body = await _report(company, q3, ["PERIOD"], compare="PREVIOUS")
    assert body["data"] is None or body["data"]["planReport"] is None
    assert body["errors"][0]["extensions"]["code"] == "INVALID"
    assert body["errors"][0]["path"] == ["planReport"]
