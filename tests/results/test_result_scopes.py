"""Results across tenants and at scale of a page: another tenant's HR reads and runs
nothing of ours, and a page of results costs the same statements however many people
it holds."""

from __future__ import annotations

from typing import TYPE_CHECKING

from support import count_statements
from support.company import create_company
from support.results import START, plan, publish, results, run, sign
from support.reviews import add_peers, open_quarter

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from support import GraphQLClient
    from support.company import Company

ITEMS = [
    {"key": "a", "title": "Revenue", "target": 100, "weight": 40},
    {"key": "b", "title": "Quality", "target": 100, "weight": 30},
    {"key": "c", "title": "Growth", "target": 100, "weight": 30},
]
RESULT = """
query($cycle: ID!, $employee: ID!) { result(cycle: $cycle, employee: $employee) { id } }
"""
PUBLISH = """
mutation($cycle: ID!) { publishResults(cycle: $cycle) { published errors { code path } } }
"""


async def test_another_tenants_hr_reads_and_runs_nothing_of_ours(
    company: Company,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    gql: GraphQLClient,
) -> None:
    # given our published results
    cycle = await open_quarter(company, "2026-Q2")
    await sign(sessions, await plan(company, cycle, "emp", ITEMS, {"a": 90, "b": 90, "c": 90}))
    await run(company, engine, cycle)
    await publish(company, cycle)
    # when another tenant's HR asks for them, or to run or publish our cycle
    other = await create_company(sessions, gql)
    emp = str(company.people["emp"])
    read = await other.ok(RESULT, {"cycle": cycle, "employee": emp}, as_user="hr")
    started = await other.ok(START, {"cycle": cycle}, as_user="hr")
    published = await other.ok(PUBLISH, {"cycle": cycle}, as_user="hr")
    # then it is as if the cycle did not exist
    assert read["result"] is None
    assert [e["code"] for e in started["startScoringRun"]["errors"]] == ["NOT_FOUND"]
    assert [e["code"] for e in published["publishResults"]["errors"]] == ["NOT_FOUND"]


async def test_a_page_of_results_runs_the_same_statements_for_more_people(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given one scored person, read by HR and by the lead
    cycle = await open_quarter(company, "2026-Q2")
    await sign(sessions, await plan(company, cycle, "emp", ITEMS, {"a": 90, "b": 90, "c": 90}))
    await run(company, engine, cycle)
    await publish(company, cycle)
    with count_statements(engine) as few:
        assert len(await results(company, cycle, as_user="lead")) == 1
    # when four more of the lead's people are scored
    await add_peers(sessions, company)  # p1, p2, p3 join the lead's team
    plans = [
        await plan(company, cycle, who, ITEMS, {"a": 80, "b": 80, "c": 80})
        for who in ("p1", "p2", "p3")
    ]
    await sign(sessions, *plans)
    await run(company, engine, cycle)
    await publish(company, cycle)
    with count_statements(engine) as many:
        assert len(await results(company, cycle, as_user="lead")) == 4
    # then the page ran as many statements as before
    assert len(many) == len(few)
