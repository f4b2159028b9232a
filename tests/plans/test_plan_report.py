"""planReport: grouped and paged in SQL, with the same numbers as the report computed
whole in memory (kept here as the reference), for every grouping, read a few rows at a
time, for HR and for a head's subtree."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from perfloop.engine import completion as completion_of
from perfloop.engine import expected_progress, is_behind, is_cumulative
from perfloop.store.cycles import Cycle
from perfloop.store.org import Employee, OrgUnit
from perfloop.store.plans import Actual, Scorecard, ScorecardItem
from support import GraphQLClient, nodes
from support.plans import NewCycle, demo_tenant_id

ITEMS = [
    {"key": "crm", "title": "CRM hygiene", "target": 95.5, "weight": 30},
    {"key": "calls", "title": "Calls", "target": 200, "weight": 30, "direction": "lower"},
    {"key": "visits", "title": "Visits", "weight": 20},  # no target
    {"library": "sales-kpis@1", "indicator": "renewal_rate", "weight": 20},
]
ASSIGN = """
mutation($cycle: ID!, $unit: ID!, $items: [ScorecardItemInput!]!) {
  assignScorecardItems(cycle: $cycle, orgUnit: $unit, items: $items) { errors { code message } }
}"""
REPORT = """
query($c: ID!, $by: [ReportDimension!]!, $first: Int, $after: String) {
  planReport(cycle: $c, groupBy: $by, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { orgUnitId indicatorKey period people items target actual completion behind } }
  }
}"""
DIMENSIONS = {"org_unit": "ORG_UNIT", "indicator": "INDICATOR", "period": "PERIOD"}


async def _reference(
    session: AsyncSession, cycle_id: int, group_by: list[str], units: set[int] | None
) -> list[dict[str, Any]]:
    """The report as it was computed before it was grouped in SQL: every row in
    memory, grouped in Python, sorted by (unit or 0, indicator or "", period or ""); a
    row of a month inside the cycle is not scored against the cycle's targets."""
    cycle = await session.get(Cycle, cycle_id)
    assert cycle is not None
    by_period = "period" in group_by
    on = [Actual.item_id == ScorecardItem.id]
    if not by_period:
        on += [Actual.period_start == cycle.starts_on, Actual.period_end == cycle.ends_on]
    query = (
        select(
            Scorecard.employee_id, Employee.org_unit_id, ScorecardItem.indicator_key,
            ScorecardItem.key, ScorecardItem.direction, ScorecardItem.aggregation,
            ScorecardItem.target, ScorecardItem.weight, Actual.value, Actual.period_start,
            Actual.period_end,
        )
        .join(Scorecard, Scorecard.id == ScorecardItem.scorecard_id)
        .join(Employee, Employee.id == Scorecard.employee_id)
        .outerjoin(Actual, and_(*on))
        .where(Scorecard.cycle_id == cycle.id)
    )  # fmt: skip
    if units is not None:
        query = query.where(Employee.org_unit_id.in_(units))
    expected = expected_progress(cycle.starts_on, cycle.ends_on, dt.date.today())
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r in (await session.execute(query)).all():
        period = (
            f"{r.period_start.isoformat()}/{r.period_end.isoformat()}"
            if by_period and r.period_start is not None
            else None
        )
        key = (
            r.org_unit_id if "org_unit" in group_by else None,
            (r.indicator_key or r.key) if "indicator" in group_by else None,
            period,
        )
        row = groups.setdefault(key, {"people": set(), "items": 0, "target": None,
                                       "actual": None, "weighted": [], "behind": 0})  # fmt: skip
        done = completion_of(r.value, r.target, r.direction)
        row["items"] += 1
        row["people"].add(r.employee_id)
        part = period is not None and (r.period_start, r.period_end) != (
            cycle.starts_on, cycle.ends_on,
        )  # fmt: skip
        if part:  # a month of the quarter: its actuals, no target, not scored
            if r.value is not None:
                row["actual"] = (row["actual"] or 0.0) + r.value
            continue
        if r.target is not None:
            row["target"] = (row["target"] or 0.0) + r.target
        if r.value is not None:
            row["actual"] = (row["actual"] or 0.0) + r.value
        if done is not None:
            row["weighted"].append((r.weight, done))
        if is_behind(done, expected, cumulative=is_cumulative(r.aggregation, r.direction)):
            row["behind"] += 1
    out = []
    for key in sorted(groups, key=lambda k: (k[0] or 0, k[1] or "", k[2] or "")):
        row = groups[key]
        weights = sum(w for w, _ in row["weighted"])
        completion = (
            sum(w * c for w, c in row["weighted"]) / weights
            if row["weighted"] and weights
            else None
        )
        out.append({
            "orgUnitId": str(key[0]) if key[0] is not None else None, "indicatorKey": key[1],
            "period": key[2], "people": len(row["people"]), "items": row["items"],
            "target": row["target"], "actual": row["actual"], "completion": completion,
            "behind": row["behind"],
        })  # fmt: skip
    return out


@pytest.fixture(scope="module")
def groupings() -> list[list[str]]:
    return [
        list(c) for n in range(len(DIMENSIONS) + 1) for c in itertools.combinations(DIMENSIONS, n)
    ]


async def _report_cycle(
    gql: GraphQLClient, sessions: async_sessionmaker[AsyncSession], new_cycle: NewCycle
) -> int:
    """A cycle where everyone but HR has the items, with actuals for the cycle and for
    its first month on most of them (some missing, some above target, some at zero)."""
    cycle_id = await new_cycle()
    async with sessions() as session:
        tenant = await demo_tenant_id(session)
        hq = (
            await session.execute(
                select(OrgUnit.id).where(OrgUnit.tenant_id == tenant, OrgUnit.code == "hq")
            )
        ).scalar_one()
    data = await gql.ok(
        ASSIGN, {"cycle": str(cycle_id), "unit": str(hq), "items": ITEMS}, as_user="hr"
    )
    assert data["assignScorecardItems"]["errors"] == []
    async with sessions() as session:
        cycle = await session.get(Cycle, cycle_id)
        assert cycle is not None
        items = (
            await session.execute(
                select(ScorecardItem.id, ScorecardItem.tenant_id)
                .join(Scorecard, Scorecard.id == ScorecardItem.scorecard_id)
                .where(Scorecard.cycle_id == cycle_id)
                .order_by(ScorecardItem.id)
            )
        ).all()
        month_end = cycle.starts_on + dt.timedelta(days=29)
        for n, (item_id, tenant_id) in enumerate(items):
            if n % 5 == 0:
                continue  # no actual
            # quarters: sums of them are exact, whatever order the rows come in
            value = None if n % 11 == 0 else (n * 7.25) % 250 if n % 3 else 0.0
            session.add(Actual(tenant_id=tenant_id, item_id=item_id, period_start=cycle.starts_on,
                               period_end=cycle.ends_on, value=value, source="manual"))  # fmt: skip
            if n % 2:
                session.add(Actual(tenant_id=tenant_id, item_id=item_id,
                                   period_start=cycle.starts_on, period_end=month_end,
                                   value=n * 0.5, source="manual"))  # fmt: skip
        await session.commit()
    return cycle_id


async def _paged(gql: GraphQLClient, cycle: int, by: list[str], as_user: str) -> list[Any]:
    """The whole report, read a page at a time; every page counts all its rows."""
    variables: dict[str, Any] = {"c": str(cycle), "by": [DIMENSIONS[d] for d in by]}
    rows: list[Any] = []
    totals = set()
    after = None
    while True:
        page = (await gql.ok(REPORT, {**variables, "first": 25, "after": after}, as_user=as_user))[
            "planReport"
        ]
        totals.add(page["totalCount"])
        rows += nodes(page)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert totals == {len(rows)}
    return rows


async def test_the_report_grouped_in_sql_has_the_numbers_of_the_whole_report(
    gql: GraphQLClient,
    sessions: async_sessionmaker[AsyncSession],
    new_cycle: NewCycle,
    groupings: list[list[str]],
) -> None:
    # given a cycle with plans for the whole company and actuals for two periods
    cycle = await _report_cycle(gql, sessions, new_cycle)
    async with sessions() as session:
        tenant = await demo_tenant_id(session)
        sales = (
            await session.execute(
                select(OrgUnit.path).where(OrgUnit.tenant_id == tenant, OrgUnit.code == "sales")
            )
        ).scalar_one()
        subtree = set(
            (
                await session.execute(
                    select(OrgUnit.id).where(
                        OrgUnit.tenant_id == tenant, OrgUnit.path.startswith(sales)
                    )
                )
            ).scalars()
        )
    for by in groupings:
        for who, units in (("hr", None), ("sales.head", subtree)):
            # when the report is read a few rows at a time
            rows = await _paged(gql, cycle, by, who)
            # then it holds the rows and numbers of the whole report, in its order
            async with sessions() as session:
                expected = await _reference(session, cycle, by, units)
            assert rows, (by, who)
            assert [{**r, "completion": None} for r in rows] == [
                {**r, "completion": None} for r in expected
            ], (by, who)
            # completion is a weighted mean of ratios: equal up to the order of the sums
            assert [r["completion"] for r in rows] == [
                None if r["completion"] is None else pytest.approx(r["completion"], rel=1e-12)
                for r in expected
            ], (by, who)
