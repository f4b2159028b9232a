"""Who sees which plans: roles × operations × scopes, another tenant sees nothing,
and the team view runs the same number of SQL statements for any team size."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from perfloop.store.identity import Tenant
from perfloop.store.org import Employee, OrgUnit
from perfloop.store.plans import Scorecard
from support import GraphQLClient, count_statements, nodes
from support.plans import NewCycle, employee_id

ITEMS = [
    {"key": f"k{i}", "title": f"Indicator {i}", "target": 100, "weight": 12.5} for i in range(8)
]
ASSIGN = """
mutation($cycle: ID!, $unit: ID!, $items: [ScorecardItemInput!]!) {
  assignScorecardItems(cycle: $cycle, orgUnit: $unit, items: $items) { errors { code message } }
}"""
TEAM = """
query($cycle: ID!) {
  teamScorecards(cycle: $cycle, first: 100) {
    totalCount
    edges { node {
      employeeId employeeName status completion
      items { key target weight actual completion expectedProgress behind }
    } }
  }
}"""
READ = "query($e: ID!, $c: ID!) { scorecard(employee: $e, cycle: $c) { id } }"
REPORT = """
query($c: ID!) {
  planReport(cycle: $c, groupBy: [ORG_UNIT], first: 100) {
    pageInfo { hasNextPage } edges { node { orgUnitId people items } }
  }
}"""


async def _unit(session: AsyncSession, code: str) -> int:
    demo = select(Tenant.id).where(Tenant.slug == "demo").scalar_subquery()
    query = select(OrgUnit.id).where(OrgUnit.code == code, OrgUnit.tenant_id == demo)
    return (await session.execute(query)).scalar_one()


SET_ITEMS = """
mutation($c: ID!, $e: ID!, $items: [ScorecardItemInput!]!) {
  setScorecardItems(cycle: $c, employee: $e, items: $items) { errors { code message } }
}"""


async def _plan_everyone(gql: GraphQLClient, session: AsyncSession, cycle: int) -> None:
    """HR plans everyone but themselves; the head of HR's plan is set by the CEO."""
    company = await _unit(session, "hq")
    data = await gql.ok(
        ASSIGN, {"cycle": str(cycle), "unit": str(company), "items": ITEMS}, as_user="hr"
    )
    assert data["assignScorecardItems"]["errors"] == []
    hr = str(await employee_id(session, "hr"))
    own = await gql.ok(SET_ITEMS, {"c": str(cycle), "e": hr, "items": ITEMS}, as_user="hr")
    assert [e["code"] for e in own["setScorecardItems"]["errors"]] == ["FORBIDDEN"]
    data = await gql.ok(SET_ITEMS, {"c": str(cycle), "e": hr, "items": ITEMS}, as_user="ceo")
    assert data["setScorecardItems"]["errors"] == []


async def _seen(gql: GraphQLClient, cycle: int, user: str) -> set[str]:
    cards = (await gql.ok(TEAM, {"cycle": str(cycle)}, as_user=user))["teamScorecards"]
    assert cards["totalCount"] == len(cards["edges"])  # one page holds the demo company
    return {c["employeeId"] for c in nodes(cards)}


async def test_each_role_sees_its_scope(
    gql: GraphQLClient, session: AsyncSession, new_cycle: NewCycle
) -> None:
    # given a plan for every employee of the demo company
    cycle = await new_cycle()
    await _plan_everyone(gql, session, cycle)
    everyone = {str(i) for i in (await session.execute(select(Employee.id))).scalars()}
    demo_ids = {
        str(i)
        for i in (
            await session.execute(
                select(Employee.id)
                .join(OrgUnit)
                .where(OrgUnit.path.like(f"/{await _unit(session, 'hq')}/%"))
            )
        ).scalars()
    }
    me = str(await employee_id(session, "employee"))
    lead = await employee_id(session, "sales-north.lead")
    team = {str(lead)} | {
        str(i)
        for i in (
            await session.execute(select(Employee.id).where(Employee.manager_id == lead))
        ).scalars()
    }
    sales = await _unit(session, "sales")
    subtree = {
        str(i)
        for i in (
            await session.execute(
                select(Employee.id).join(OrgUnit).where(OrgUnit.path.like(f"%/{sales}/%"))
            )
        ).scalars()
    }
    # then each role reads exactly its scope
    assert await _seen(gql, cycle, "employee") == {me}
    assert await _seen(gql, cycle, "sales-north.lead") == team
    assert await _seen(gql, cycle, "sales.head") == subtree
    assert await _seen(gql, cycle, "hr") == demo_ids
    assert await _seen(gql, cycle, "ceo") == demo_ids  # executive: the tenant
    assert demo_ids <= everyone
    # one plan: an employee reads their own and gets null for a colleague's
    colleague = next(iter(team - {me, str(lead)}))
    own = await gql.ok(READ, {"e": me, "c": str(cycle)}, as_user="employee")
    assert own["scorecard"] is not None
    other = await gql.ok(READ, {"e": colleague, "c": str(cycle)}, as_user="employee")
    assert other["scorecard"] is None
    # the report covers the same scope
    report = (await gql.ok(REPORT, {"c": str(cycle)}, as_user="sales.head"))["planReport"]
    assert not report["pageInfo"]["hasNextPage"]
    assert sum(r["people"] for r in nodes(report)) == len(subtree)


async def test_writes_outside_scope_answer_as_missing(
    gql: GraphQLClient, session: AsyncSession, new_cycle: NewCycle, other_tenant: str
) -> None:
    cycle = await new_cycle()
    await _plan_everyone(gql, session, cycle)
    outsider = await employee_id(session, "rnd-platform.lead")
    set_items = """
    mutation($c: ID!, $e: ID!, $items: [ScorecardItemInput!]!) {
      setScorecardItems(cycle: $c, employee: $e, items: $items) { errors { code } }
    }"""
    variables = {"c": str(cycle), "e": str(outsider), "items": ITEMS}
    # a sales manager cannot plan for an R&D lead; an employee cannot plan at all
    data = await gql.ok(set_items, variables, as_user="sales-north.lead")
    assert data["setScorecardItems"]["errors"][0]["code"] == "NOT_FOUND"
    body = await gql.raw(set_items, variables, as_user="employee")
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # nobody in another tenant sees the demo cycle
    body = await gql.raw(TEAM, {"cycle": str(cycle)}, headers=_other(gql))
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def _other(gql: GraphQLClient) -> dict[str, str]:
    from support import OTHER_HR

    return {"Authorization": f"Bearer {gql.token(OTHER_HR, tenant='acme')}"}


async def test_team_view_statement_count_is_constant(
    gql: GraphQLClient, session: AsyncSession, engine: AsyncEngine, new_cycle: NewCycle
) -> None:
    # given one team with plans, then the whole company with plans
    small, large = await new_cycle(), await new_cycle()
    north = await _unit(session, "sales-north")
    await gql.ok(ASSIGN, {"cycle": str(small), "unit": str(north), "items": ITEMS}, as_user="hr")
    await _plan_everyone(gql, session, large)
    with count_statements(engine) as few:
        a = await gql.ok(TEAM, {"cycle": str(small)}, as_user="ceo")
    with count_statements(engine) as many:
        b = await gql.ok(TEAM, {"cycle": str(large)}, as_user="ceo")
    # then ten times the plans cost the same statements
    assert len(b["teamScorecards"]["edges"]) > 5 * len(a["teamScorecards"]["edges"])
    assert len(few) == len(many), (few, many)


PAGE = """
query($cycle: ID!, $after: String) {
  teamScorecards(cycle: $cycle, first: 5, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { employeeId } }
  }
}"""
PAGE_AND_TOTAL = """
query($cycle: ID!, $after: String) {
  teamScorecards(cycle: $cycle, first: 5, after: $after) {
    ... on ScorecardConnection { totalCount }
    pageInfo { hasNextPage endCursor }
    edges { node { employeeId } }
  }
}"""


async def test_plans_are_counted_only_when_the_total_is_asked_for(
    gql: GraphQLClient, session: AsyncSession, engine: AsyncEngine, new_cycle: NewCycle
) -> None:
    # given plans for the whole company
    cycle = await new_cycle()
    await _plan_everyone(gql, session, cycle)
    variables = {"cycle": str(cycle)}
    # when HR pages without asking for the total
    with count_statements(engine) as paged:
        first = await gql.ok(PAGE, variables, as_user="hr")
        cursor = first["teamScorecards"]["pageInfo"]["endCursor"]
        second = await gql.ok(PAGE, {**variables, "after": cursor}, as_user="hr")
    # then no statement counts the plans, and the pages follow each other
    assert not [s for s in paged if "count(*)" in s.lower()], paged
    ids = [e["node"]["employeeId"] for e in first["teamScorecards"]["edges"]]
    ids += [e["node"]["employeeId"] for e in second["teamScorecards"]["edges"]]
    assert len(set(ids)) == 10
    # and asking for it (in a fragment too) counts every plan, the same pages
    with count_statements(engine) as counted:
        both = await gql.ok(PAGE_AND_TOTAL, variables, as_user="hr")
    assert [s for s in counted if "count(*)" in s.lower()]
    total = (
        await session.execute(
            select(func.count()).select_from(Scorecard).where(Scorecard.cycle_id == cycle)
        )
    ).scalar_one()
    assert both["teamScorecards"]["totalCount"] == total > 10
    assert both["teamScorecards"]["edges"] == first["teamScorecards"]["edges"]
