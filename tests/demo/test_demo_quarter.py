"""The demo tenant lives in its current quarter: what HR, a manager and an employee
find over GraphQL right after `perfloop demo load`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from perfloop.demo import DEMO_DOMAIN
from perfloop.demo.context import current_quarter
from perfloop.engine.scoring.scheme import ScoringScheme
from perfloop.services.cycles import period_containing
from perfloop.store.identity import Tenant
from perfloop.store.org import Employee, OrgUnit
from perfloop.templates import load_builtin_templates
from support import GraphQLClient, every_node, nodes
from support.plans import employee_id

APPS_AND_CYCLES = """
{ installedApps { app status orgUnit { code } }
  cycles(status: "open") { edges { node { id templateKey periodKind period startsOn endsOn
                                          stage stages { key status } } } } }"""
TEAM = """
query($cycle: ID!, $after: String) {
  teamScorecards(cycle: $cycle, first: 50, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node {
      id employeeId status employeeSignedAt managerSignedAt totalWeight behindCount
      items { id key goalId sourceType aggregation direction target weight actual actualSource
              completion expectedProgress behind tasks { title titles { zhCN en } status dueOn } }
    } }
  }
}"""
GOALS = """
query($cycle: ID!, $after: String) {
  goals(cycle: $cycle, first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { id parentId level orgUnitId employeeId title titles { zhCN en }
                   indicatorKey target unit weight additive coverage allocated unallocated
                   actual progress } }
  }
}"""
GAP = (
    "query($goal: ID!) { goalGapReport(goal: $goal) { topDown bottomUp gap lines { owner gap } } }"
)
RECORDS = """
query($dataset: String!, $subject: String) {
  datasetRecords(dataset: $dataset, subject: $subject, first: 100) {
    totalCount edges { node { key subject date data } }
  }
}"""
CHECKINS = """
query($card: ID!) { checkins(scorecard: $card) { edges { node { note confidence authorId } } } }"""


def _scheme() -> ScoringScheme:
    document = load_builtin_templates().resolve("standard-scoring", 1)
    assert document is not None
    return ScoringScheme(document)


async def _quarter(gql: GraphQLClient, as_user: str = "hr") -> dict[str, Any]:
    data = await gql.ok(APPS_AND_CYCLES, as_user=as_user)
    quarters = [c for c in nodes(data["cycles"]) if c["periodKind"] == "quarter"]
    assert len(quarters) >= 1
    wanted = current_quarter(dt.date.today()).label
    found: dict[str, Any] = next(c for c in quarters if c["period"] == wanted)
    return found


async def _team(gql: GraphQLClient, as_user: str) -> list[dict[str, Any]]:
    cycle = await _quarter(gql)
    return await every_node(
        lambda v: gql.ok(TEAM, v, as_user=as_user), "teamScorecards", {"cycle": cycle["id"]}
    )


async def test_hr_sees_the_installed_app_and_the_open_quarter(gql: GraphQLClient) -> None:
    # when HR looks at the tenant's apps and cycles
    data = await gql.ok(APPS_AND_CYCLES, as_user="hr")
    # then the standard app is installed for the whole company
    assert {"app": "standard-performance@2", "status": "active", "orgUnit": None} in data[
        "installedApps"
    ]
    # and the quarter containing today is open, past planning and sign-off, in execution
    cycle = await _quarter(gql)
    today = dt.date.today()
    assert cycle["templateKey"] == "quarterly-review"
    assert cycle["startsOn"] <= today.isoformat() <= cycle["endsOn"]
    assert cycle["stage"] == "execution"
    stages = {s["key"]: s["status"] for s in cycle["stages"]}
    assert stages["planning"] == stages["sign-off"] == "done"
    assert stages["execution"] == "active"
    # and everyone sees the same cycle
    assert (await _quarter(gql, as_user="employee"))["id"] == cycle["id"]


async def test_a_manager_sees_the_whole_team_signed_with_actuals(
    gql: GraphQLClient, session: AsyncSession
) -> None:
    # given the North Sales lead and the people reporting to them
    lead = await employee_id(session, "sales-north.lead")
    reports = (await session.execute(select(Employee.id).where(Employee.manager_id == lead))).all()
    team = {str(lead)} | {str(r[0]) for r in reports}
    # when the lead opens the team view
    cards = await _team(gql, "sales-north.lead")
    # then every member has a plan, signed by both sides
    assert {c["employeeId"] for c in cards} == team
    scheme = _scheme()
    for card in cards:
        assert card["status"] == "signed"
        assert card["employeeSignedAt"] is not None
        assert card["managerSignedAt"] is not None
        # with weights the scoring scheme accepts (they add up to 100, each within bounds)
        assert scheme.check_weights(card["items"]) == []
        assert card["totalWeight"] == 100
        # and the sales indicators computed from the orders
        computed = [i for i in card["items"] if i["sourceType"] == "dataset"]
        assert {i["key"] for i in computed} >= {"revenue", "new_customers", "renewal_revenue"}
        assert all(i["actualSource"] == "dataset" and i["actual"] is not None for i in computed)
        revenue = next(i for i in card["items"] if i["key"] == "revenue")
        assert revenue["actual"] > 0
        assert revenue["goalId"] is not None  # tied to the person's own revenue goal
        assert revenue["tasks"]  # with an action plan
        # whose tasks have their title in each language (``title`` the Chinese one)
        assert {(t["title"], t["titles"]["en"]) for t in revenue["tasks"]} >= {
            ("季度客户盘点与拜访计划", "Quarterly account review and visit plan")
        }
        assert all(t["title"] == t["titles"]["zhCN"] for t in revenue["tasks"])
    # the newcomer's revenue target is lower than a settled colleague's
    newcomer = str(await employee_id(session, "employee"))
    targets = {c["employeeId"]: c["items"][0]["target"] for c in cards}
    assert targets[newcomer] < min(t for e, t in targets.items() if e not in (newcomer, str(lead)))
    # and the newcomer has checked in on their plan, with a note and a confidence
    own = next(c for c in cards if c["employeeId"] == newcomer)
    notes = nodes((await gql.ok(CHECKINS, {"card": own["id"]}, as_user="employee"))["checkins"])
    assert notes
    assert all(n["note"] and 0 <= n["confidence"] <= 1 for n in notes)


async def test_the_company_is_ahead_and_behind_plan(
    gql: GraphQLClient, session: AsyncSession
) -> None:
    # given every employee of the demo company
    tenant = select(Tenant.id).where(Tenant.slug == "demo").scalar_subquery()
    people = (
        await session.execute(select(Employee.email).where(Employee.tenant_id == tenant))
    ).all()
    # when HR reads every plan of the quarter
    cards = await _team(gql, "hr")
    # then everyone but the CEO (whose targets are the company goals) has a signed plan
    assert len(cards) == len(people) - 1
    assert {c["status"] for c in cards} == {"signed"}
    items = [i for c in cards for i in c["items"]]
    # some items are behind plan, and some quantities are ahead of the time elapsed
    assert any(i["behind"] for i in items)
    assert any(
        i["completion"] is not None and i["completion"] > i["expectedProgress"]
        for i in items
        if i["sourceType"] == "dataset" and i["aggregation"] in ("sum", "count")
    )
    assert {i["actualSource"] for i in items} >= {"dataset", "formula"}
    # and action tasks have moved on
    assert any(t["status"] != "open" for i in items for t in i["tasks"]) or all(
        t["dueOn"] > dt.date.today().isoformat() for i in items for t in i["tasks"]
    )


async def test_the_goal_tree_has_coverage_and_rolls_up(gql: GraphQLClient) -> None:
    cycle = await _quarter(gql)
    goals = await every_node(
        lambda v: gql.ok(GOALS, v, as_user="hr"), "goals", {"cycle": cycle["id"]}
    )
    by_id = {g["id"]: g for g in goals}
    # the tree goes from the company down to people
    assert {g["level"] for g in goals} >= {"company", "department", "team", "employee"}
    assert all(
        by_id[g["parentId"]]["level"] == "company" for g in goals if g["level"] == "department"
    )
    # allocation is exact somewhere, under somewhere and over somewhere
    assert {g["coverage"] for g in goals} >= {"exact", "under", "over", "leaf"}
    for g in goals:
        if g["coverage"] in ("exact", "under", "over"):
            kids = [k for k in goals if k["parentId"] == g["id"]]
            assert g["allocated"] == sum(k["target"] for k in kids)
            assert g["unallocated"] == g["target"] - g["allocated"]
    # progress rolls up: a company quantity is the sum of its department's actuals
    revenue = next(g for g in goals if g["level"] == "company" and g["indicatorKey"] == "revenue")
    sales = [g for g in goals if g["parentId"] == revenue["id"]]
    assert revenue["actual"] == sum(g["actual"] for g in sales) > 0
    assert 0 < revenue["progress"] == revenue["actual"] / revenue["target"]
    # every goal has its title in each language, not both joined in one
    assert revenue["titles"] == {
        "zhCN": f"{cycle['period']} 销售收入", "en": f"{cycle['period']} Company revenue"
    }  # fmt: skip
    assert all(g["title"] == g["titles"]["zhCN"] != g["titles"]["en"] for g in goals)
    assert not any(" · " in g["title"] for g in goals)
    # and the sales department's split meets bottom-up proposals with gaps to negotiate
    gap = (await gql.ok(GAP, {"goal": sales[0]["id"]}, as_user="hr"))["goalGapReport"]
    assert len(gap["lines"]) == len([g for g in goals if g["parentId"] == sales[0]["id"]])
    assert any(line["gap"] for line in gap["lines"])


async def test_business_records_are_browsable_in_scope(gql: GraphQLClient) -> None:
    cycle = await _quarter(gql)
    starts = dt.date.fromisoformat(cycle["startsOn"]) - dt.timedelta(days=1)
    previous = {"startsOn": period_containing("quarter", starts).starts_on.isoformat()}
    today = dt.date.today().isoformat()
    for dataset in ("sales-orders", "support-tickets", "projects"):
        conn = (await gql.ok(RECORDS, {"dataset": dataset}, as_user="hr"))["datasetRecords"]
        assert conn["totalCount"] > 0, dataset
        dates = [e["node"]["date"] for e in conn["edges"]]
        # the previous quarter's, closed, and the current one's so far
        assert all(previous["startsOn"] <= d <= today for d in dates)
        assert all(e["node"]["subject"].endswith(f"@{DEMO_DOMAIN}") for e in conn["edges"])
    # an employee sees their own orders only
    mine = (await gql.ok(RECORDS, {"dataset": "sales-orders"}, as_user="employee"))[
        "datasetRecords"
    ]
    assert mine["totalCount"] > 0
    assert {e["node"]["subject"] for e in mine["edges"]} == {f"employee@{DEMO_DOMAIN}"}


async def test_each_demo_user_sees_their_part_of_the_quarter(
    gql: GraphQLClient, session: AsyncSession
) -> None:
    # given the demo company's people by org unit and manager
    tenant = select(Tenant.id).where(Tenant.slug == "demo").scalar_subquery()
    rows = (
        await session.execute(
            select(Employee.id, Employee.email, Employee.manager_id, OrgUnit.path)
            .join(OrgUnit, OrgUnit.id == Employee.org_unit_id)
            .where(Employee.tenant_id == tenant)
        )
    ).all()
    by_email = {r.email: r for r in rows}
    ceo = by_email[f"ceo@{DEMO_DOMAIN}"]
    planned = {r.email for r in rows} - {ceo.email}
    lead = by_email[f"sales-north.lead@{DEMO_DOMAIN}"]
    head = by_email[f"sales.head@{DEMO_DOMAIN}"]
    expected = {
        "employee": {f"employee@{DEMO_DOMAIN}"},
        "sales-north.lead": {r.email for r in rows if r.id == lead.id or r.manager_id == lead.id},
        "sales.head": {r.email for r in rows if r.path.startswith(head.path)},
        "hr": planned,
        "ceo": planned,
        "admin": planned,
    }
    emails = {str(r.id): r.email for r in rows}
    for user, scope in expected.items():
        # when each of them opens the team view and the sales orders
        cards = await _team(gql, user)
        orders = (await gql.ok(RECORDS, {"dataset": "sales-orders"}, as_user=user))[
            "datasetRecords"
        ]
        # then they see exactly the plans of their scope, and orders of nobody else
        assert {emails[c["employeeId"]] for c in cards} == scope, user
        assert orders["totalCount"] > 0, user
        assert {e["node"]["subject"] for e in orders["edges"]} <= scope, user
