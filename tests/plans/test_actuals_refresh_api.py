"""Actuals end to end over GraphQL: business records in, refreshActuals, and the plan
read back with actual, completion, expected progress and the behind flag."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from perfloop.store.core import chunks
from perfloop.store.plans import Actual
from support import GraphQLClient
from support.actuals import (
    ingest,
    last_quarter,
    library_item,
    open_cycle,
    order,
    quarter,
)
from support.company import Company, create_company

SET_ITEMS = """
mutation($cycle: ID!, $employee: ID!, $items: [ScorecardItemInput!]!) {
  setScorecardItems(cycle: $cycle, employee: $employee, items: $items) {
    scorecard { items { id key } } errors { message path }
  }
}"""
REFRESH = """
mutation($cycle: ID!) { refreshActuals(cycle: $cycle) { updated errors { code message path } } }
"""
ENTER = """
mutation($item: ID!, $value: Float) {
  enterActual(item: $item, value: $value, note: "from the renewal tracker") {
    actual { value source enteredById updatedAt note } errors { message }
  }
}"""
READ = """
query($employee: ID!, $cycle: ID!) {
  scorecard(employee: $employee, cycle: $cycle) {
    completion behindCount
    items { key target actual actualSource completion expectedProgress behind sourceType }
  }
}"""
ME = "query { me { user { id } } }"
PUBLISH = """
mutation($document: JSON!) {
  publishTemplate(document: $document) { template { version } errors { message path } }
}"""


async def _plan(company: Company, cycle: str, who: str, items: list[dict[str, Any]]) -> Any:
    variables = {"cycle": cycle, "employee": str(company.people[who]), "items": items}
    data = await company.ok(SET_ITEMS, variables, as_user="hr")
    assert data["setScorecardItems"]["errors"] == []
    return {i["key"]: i["id"] for i in data["setScorecardItems"]["scorecard"]["items"]}


async def _read(company: Company, cycle: str, who: str) -> dict[str, Any]:
    variables = {"employee": str(company.people[who]), "cycle": cycle}
    card: dict[str, Any] = (await company.ok(READ, variables, as_user=who))["scorecard"]
    return card


async def _refresh(company: Company, cycle: str, as_user: str = "hr") -> int:
    data = await company.ok(REFRESH, {"cycle": cycle}, as_user=as_user)
    assert data["refreshActuals"]["errors"] == []
    return int(data["refreshActuals"]["updated"])


@pytest.mark.parametrize("chunk_size", [None, 1], ids=["one-chunk", "chunks-of-one"])
async def test_records_flow_into_the_plan_through_a_refresh(
    company: Company,
    sessions: async_sessionmaker[AsyncSession],
    gql: GraphQLClient,
    session: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
    chunk_size: int | None,
) -> None:
    if chunk_size is not None:  # every list of subjects, items and rows cut into chunks of one
        monkeypatch.setattr(chunks, "CHUNK_SIZE", chunk_size)
    # given last quarter's cycle and two sales plans in it
    period, start, end = last_quarter()
    cycle = await open_cycle(company, period)
    emp = await _plan(company, cycle, "emp", [
        library_item("revenue", 300_000, 30),
        library_item("paid_orders", 3, 20),
        library_item("average_deal_size", 50_000, 20),  # a formula: revenue / paid_orders
        library_item("renewal_rate", 85, 30),  # entered by hand
    ])  # fmt: skip
    await _plan(company, cycle, "other", [
        library_item("revenue", 100_000, 40),
        library_item("paid_orders", 2, 30),
        library_item("average_deal_size", 40_000, 30),
    ])  # fmt: skip
    # and the quarter's orders: emp's (one written in capitals, one refunded, two just
    # outside the quarter), other's, and one for nobody on a plan
    mine, theirs = company.email("emp"), company.email("other")
    await ingest(company, "sales-orders", [
        order(mine, start, 100_000),
        order(mine, start + dt.timedelta(days=1), 50_000),
        order(mine.upper(), end, 25_000),
        order(mine, start + dt.timedelta(days=2), 70_000, status="refunded"),
        order(mine, start - dt.timedelta(days=1), 999),
        order(mine, end + dt.timedelta(days=1), 888),
        order(theirs, start + dt.timedelta(days=3), 30_000),
        order(f"nobody@{company.slug}.test", start, 5_000),
    ])  # fmt: skip
    # and another tenant's order for someone with emp's email
    outsider = await create_company(sessions, gql)
    await ingest(outsider, "sales-orders", [order(mine, start, 777_777)])
    # when HR refreshes the cycle's actuals
    assert await _refresh(company, cycle) == 6  # the dataset and formula items of both plans
    # then emp's plan shows what the quarter's paid orders add up to
    card = await _read(company, cycle, "emp")
    items = {i["key"]: i for i in card["items"]}
    revenue, orders, deal = items["revenue"], items["paid_orders"], items["average_deal_size"]
    assert (revenue["actual"], revenue["actualSource"]) == (175_000, "dataset")
    assert revenue["completion"] == 175_000 / 300_000
    assert (orders["actual"], orders["completion"]) == (3, 1.0)
    assert (deal["actual"], deal["actualSource"]) == (175_000 / 3, "formula")
    assert deal["completion"] == 175_000 / 3 / 50_000
    # and, the quarter being over, everything was expected: revenue is behind, the rest not
    assert {i["expectedProgress"] for i in card["items"]} == {1.0}
    assert [k for k, i in items.items() if i["behind"]] == ["revenue", "renewal_rate"]
    assert items["renewal_rate"]["actual"] is None
    # and other's plan counts only other's order
    theirs_card = {i["key"]: i for i in (await _read(company, cycle, "other"))["items"]}
    assert theirs_card["revenue"]["actual"] == 30_000
    assert theirs_card["paid_orders"]["actual"] == 1
    assert theirs_card["average_deal_size"]["actual"] == 30_000

    # when the manager enters the renewal rate by hand, who and when are kept
    lead_user = (await company.ok(ME, as_user="lead"))["me"]["user"]["id"]
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    entered = await company.ok(ENTER, {"item": emp["renewal_rate"], "value": 88}, as_user="lead")
    actual = entered["enterActual"]["actual"]
    assert (actual["value"], actual["source"], actual["enteredById"]) == (88, "manual", lead_user)
    at = dt.datetime.fromisoformat(actual["updatedAt"])
    assert (at if at.tzinfo else at.replace(tzinfo=dt.UTC)) >= before
    assert actual["note"] == "from the renewal tracker"

    # when the refresh runs again, nothing changes and nothing is duplicated
    assert await _refresh(company, cycle) == 6
    again = await _read(company, cycle, "emp")
    assert [i for i in again["items"] if i["key"] != "renewal_rate"] == [
        i for i in card["items"] if i["key"] != "renewal_rate"
    ]
    renewal = next(i for i in again["items"] if i["key"] == "renewal_rate")
    assert (renewal["actual"], renewal["actualSource"], renewal["behind"]) == (88, "manual", False)
    stored = await session.execute(
        select(func.count()).select_from(Actual).where(Actual.item_id.in_(map(int, emp.values())))
    )
    assert stored.scalar_one() == 4

    # when a late order arrives, the next refresh picks it up
    await ingest(company, "sales-orders", [order(mine, end - dt.timedelta(days=1), 125_000)])
    await _refresh(company, cycle)
    late = {i["key"]: i for i in (await _read(company, cycle, "emp"))["items"]}
    assert late["revenue"]["actual"] == 300_000
    assert late["revenue"]["behind"] is False
    assert late["average_deal_size"]["actual"] == 75_000


async def test_a_manager_refreshes_only_their_team(company: Company) -> None:
    period, start, _ = last_quarter()
    cycle = await open_cycle(company, period)
    for who in ("emp", "other"):
        await _plan(company, cycle, who, [library_item("revenue", 100, 40),
                                          library_item("paid_orders", 1, 30),
                                          library_item("renewal_rate", 85, 30)])  # fmt: skip
        await ingest(company, "sales-orders", [order(company.email(who), start, 10)])
    # when emp's manager refreshes, only emp's plan (the lead's team) is computed
    assert await _refresh(company, cycle, as_user="lead") == 2
    assert (await _read(company, cycle, "emp"))["items"][0]["actual"] == 10
    assert (await _read(company, cycle, "other"))["items"][0]["actual"] is None
    # and an employee may refresh their own plan only
    assert await _refresh(company, cycle, as_user="other") == 2
    assert (await _read(company, cycle, "other"))["items"][0]["actual"] == 10


async def test_expected_progress_is_the_share_of_the_period_elapsed(company: Company) -> None:
    # given this quarter's cycle and a plan without any order yet
    today = dt.date.today()
    period, start, end = quarter(today)
    cycle = await open_cycle(company, period)
    await _plan(company, cycle, "emp", [library_item("revenue", 100, 40),
                                        library_item("paid_orders", 1, 30),
                                        library_item("renewal_rate", 85, 30)])  # fmt: skip
    await _refresh(company, cycle)
    card = await _read(company, cycle, "emp")
    # then each item expects the days elapsed (today included) over the quarter's days
    share = ((today - start).days + 1) / ((end - start).days + 1)
    assert {i["expectedProgress"] for i in card["items"]} == {share}
    revenue = card["items"][0]
    assert (revenue["actual"], revenue["completion"]) == (0, 0)


def _visits_templates(slug: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A dataset naming people by employee number, and a library counting its rows,
    with calls entered by hand and a visit rate over both."""
    text = {"zh-CN": "客户拜访", "en": "Customer visits"}
    dataset = {
        "kind": "dataset", "key": f"visits-{slug}", "version": 1, "title": text,
        "records": {
            "type": "object",
            "properties": {
                "visit_id": {"type": "string", "x-title": {"zh-CN": "编号", "en": "Id"}},
                "employee_no": {"type": "string", "x-title": {"zh-CN": "工号", "en": "No."}},
                "visited_on": {"type": "string", "format": "date",
                               "x-title": {"zh-CN": "日期", "en": "Date"}},
            },
            "required": ["visit_id", "employee_no", "visited_on"],
            "additionalProperties": False,
        },
        "subjectField": "employee_no", "subjectType": "employee-id",
        "dateField": "visited_on", "keyField": "visit_id",
    }  # fmt: skip

    def indicator(key: str, unit: str, aggregation: str, source: dict[str, Any]) -> Any:
        return {"key": key, "name": {"zh-CN": key, "en": key}, "unit": unit,
                "direction": "higher", "aggregation": aggregation, "period": "quarter",
                "category": "customer", "source": source}  # fmt: skip

    library = {
        "kind": "kpi-library", "key": f"visit-kpis-{slug}", "version": 1, "title": text,
        "indicators": [
            indicator("visits", "count", "sum",
                      {"type": "dataset", "dataset": f"visits-{slug}@1", "op": "count"}),
            indicator("calls", "count", "sum", {"type": "manual"}),
            indicator("visit_rate", "percent", "avg",
                      {"type": "formula", "formula": "IF(calls = 0, NULL, visits / calls * 100)"}),
        ],
    }  # fmt: skip
    return dataset, library


async def test_a_dataset_naming_people_by_employee_number(company: Company) -> None:
    # given a tenant's own dataset whose subject is the employee number
    dataset, library = _visits_templates(company.slug)
    for document in (dataset, library):
        published = await company.ok(PUBLISH, {"document": document}, as_user="hr")
        assert published["publishTemplate"]["errors"] == []
    period, start, _ = last_quarter()
    cycle = await open_cycle(company, period)
    ref = f"{library['key']}@1"
    items = await _plan(company, cycle, "emp", [
        {"library": ref, "indicator": "visits", "target": 4, "weight": 40},
        {"library": ref, "indicator": "calls", "target": 10, "weight": 30},
        {"library": ref, "indicator": "visit_rate", "target": 40, "weight": 30},
    ])  # fmt: skip
    # and three visits by emp (N004) and one by other (N005), and six calls entered by hand
    await ingest(company, dataset["key"], [
        {"visit_id": f"V{n}", "employee_no": who, "visited_on": start.isoformat()}
        for n, who in enumerate(["N004", "N004", "N004", "N005"])
    ])  # fmt: skip
    entered = await company.ok(ENTER, {"item": items["calls"], "value": 6}, as_user="lead")
    assert entered["enterActual"]["errors"] == []
    # when actuals are refreshed
    await _refresh(company, cycle)
    read = {i["key"]: i for i in (await _read(company, cycle, "emp"))["items"]}
    # then emp's visits are counted by employee number
    assert (read["visits"]["actual"], read["visits"]["completion"]) == (3, 0.75)
    # and the visit rate reads the calls entered by hand, which the refresh leaves alone
    assert (read["calls"]["actual"], read["calls"]["actualSource"]) == (6, "manual")
    assert (read["visit_rate"]["actual"], read["visit_rate"]["actualSource"]) == (50, "formula")
