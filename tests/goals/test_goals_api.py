"""Goal decomposition over GraphQL: a tree across levels, coverage of additive targets,
roll-up of progress, bottom-up proposals and the gap report; who may read and change
what (roles x scopes, another tenant), bad input (the field named, nothing changed), and
titles in both product languages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from perfloop.store.core import AuditEvent
from support import GraphQLClient, nodes
from support.company import Company, create_company

GOAL = """
  id parentId level orgUnitId position employeeId title titles { zhCN en } indicatorKey
  libraryRef target unit direction additive weight allocated unallocated coverage actual
  progress
"""
CREATE = f"""
mutation($input: GoalInput!) {{
  createGoal(input: $input) {{ goal {{ {GOAL} }} errors {{ code message path }} }}
}}"""
UPDATE = f"""
mutation($goal: ID!, $title: String, $titles: I18nTextInput, $target: Float, $weight: Float,
         $actual: Float, $unit: String, $direction: String, $additive: Boolean) {{
  updateGoal(goal: $goal, title: $title, titles: $titles, target: $target, weight: $weight,
             actual: $actual, unit: $unit, direction: $direction, additive: $additive) {{
    goal {{ {GOAL} }} errors {{ code message path }}
  }}
}}"""
DELETE = """
mutation($goal: ID!) { deleteGoal(goal: $goal) { deleted errors { code message path } } }
"""
PROPOSE = """
mutation($goal: ID!, $amount: Float!, $unit: ID, $position: String, $employee: ID) {
  proposeGoal(goal: $goal, amount: $amount, orgUnit: $unit, position: $position,
              employee: $employee, note: "what we can carry") {
    ok errors { code message path }
  }
}"""
GOALS = f"""
query($cycle: ID!) {{
  goals(cycle: $cycle, first: 100) {{ pageInfo {{ hasNextPage }} edges {{ node {{ {GOAL} }} }} }}
}}"""
GAP = """
query($goal: ID!) {
  goalGapReport(goal: $goal) {
    goalId target topDown bottomUp gap lines { owner topDown bottomUp gap }
  }
}"""
INSTALL = """
mutation { installApp(app: "standard-performance@1") { installedApp { id } errors { message } } }
"""
OPEN = """
mutation($app: ID!, $period: String!) {
  openCycle(app: $app, cycle: "quarterly-review", period: $period) {
    cycle { id } errors { message }
  }
}"""
APPS = "query { installedApps { id } }"
SET_ITEMS = """
mutation($cycle: ID!, $employee: ID!, $items: [ScorecardItemInput!]!) {
  setScorecardItems(cycle: $cycle, employee: $employee, items: $items) {
    scorecard { items { id key title titles { zhCN en } target goalId } } errors { message }
  }
}"""
ENTER = """
mutation($item: ID!, $value: Float) {
  enterActual(item: $item, value: $value) { errors { message } }
}"""
ITEM_GOAL = """
query($employee: ID!, $cycle: ID!) { scorecard(employee: $employee, cycle: $cycle) {
  items { key goalId } } }
"""


# ----------------------------------------------------------------------------- helpers


async def _cycle(company: Company, period: str = "2026-Q1") -> str:
    """A quarter of the tenant's app (installed on first use)."""
    installed = (await company.ok(APPS, as_user="hr"))["installedApps"]
    if installed:
        app = installed[0]["id"]
    else:
        app = (await company.ok(INSTALL, as_user="hr"))["installApp"]["installedApp"]["id"]
    opened = await company.ok(OPEN, {"app": app, "period": period}, as_user="hr")
    return str(opened["openCycle"]["cycle"]["id"])


async def _create(company: Company, as_user: str = "hr", **fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await company.ok(CREATE, {"input": fields}, as_user=as_user))[
        "createGoal"
    ]
    return payload


async def _goal(company: Company, as_user: str = "hr", **fields: Any) -> str:
    payload = await _create(company, as_user, **fields)
    assert payload["errors"] == [], payload["errors"]
    return str(payload["goal"]["id"])


async def _update(company: Company, goal: str, as_user: str = "hr", **args: Any) -> Any:
    return (await company.ok(UPDATE, {"goal": goal, **args}, as_user=as_user))["updateGoal"]


async def _propose(company: Company, goal: str, amount: float, as_user: str, **owner: Any) -> Any:
    variables = {"goal": goal, "amount": amount, **owner}
    return (await company.ok(PROPOSE, variables, as_user=as_user))["proposeGoal"]


async def _goals(company: Company, cycle: str, as_user: str = "hr") -> dict[str, dict[str, Any]]:
    goals = (await company.ok(GOALS, {"cycle": cycle}, as_user=as_user))["goals"]
    assert not goals["pageInfo"]["hasNextPage"]
    return {g["id"]: g for g in nodes(goals)}


async def _gap(company: Company, goal: str, as_user: str = "hr") -> dict[str, Any]:
    report: dict[str, Any] = (await company.ok(GAP, {"goal": goal}, as_user=as_user))[
        "goalGapReport"
    ]
    return report


async def _tree(company: Company, cycle: str) -> dict[str, str]:
    """Revenue 1000 for the company: d1 600 + d2 300 (under), t1 700 in d1 (over),
    Staff in t1 300 + emp 400 (exact)."""
    unit, people = company.units, company.people
    ids = {"co": await _goal(company, cycleId=cycle, level="company", orgUnitId=str(unit["co"]),
                             title="年度收入 Revenue", target=1000, unit="CNY")}  # fmt: skip
    for code, target in (("d1", 600), ("d2", 300)):
        ids[code] = await _goal(
            company, cycleId=cycle, parentId=ids["co"], level="department",
            orgUnitId=str(unit[code]), title=f"Revenue {code}", target=target, unit="CNY",
        )  # fmt: skip
    ids["t1"] = await _goal(company, cycleId=cycle, parentId=ids["d1"], level="team",
                            orgUnitId=str(unit["t1"]), title="Revenue t1", target=700)  # fmt: skip
    ids["staff"] = await _goal(
        company, cycleId=cycle, parentId=ids["t1"], level="position", orgUnitId=str(unit["t1"]),
        position="Staff", title="Revenue per Staff", target=300,
    )  # fmt: skip
    ids["emp"] = await _goal(
        company, cycleId=cycle, parentId=ids["t1"], level="employee",
        employeeId=str(people["emp"]), title="My revenue", target=400,
    )  # fmt: skip
    return ids


# ----------------------------------------------------------------------------- the tree


async def test_a_tree_across_levels_shows_coverage_and_rolls_progress_up(
    company: Company, session: AsyncSession
) -> None:
    # given a revenue goal split from the company down to a team's position and a person
    cycle = await _cycle(company)
    ids = await _tree(company, cycle)
    goals = await _goals(company, cycle)
    cover = {k: (goals[v]["coverage"], goals[v]["allocated"], goals[v]["unallocated"])
             for k, v in ids.items()}  # fmt: skip
    # then each additive goal shows how much of its target the children take on
    assert cover == {
        "co": ("under", 900, 100),
        "d1": ("over", 700, -100),
        "t1": ("exact", 700, 0),
        "d2": ("leaf", None, None),
        "staff": ("leaf", None, None),
        "emp": ("leaf", None, None),
    }
    assert goals[ids["staff"]]["position"] == "Staff"
    assert goals[ids["emp"]]["employeeId"] == str(company.people["emp"])
    assert goals[ids["d1"]]["parentId"] == ids["co"]
    # when emp's plan carries their goal and an actual arrives, and the position is measured
    plan = await company.ok(SET_ITEMS, {
        "cycle": cycle, "employee": str(company.people["emp"]),
        "items": [{"goalId": ids["emp"], "weight": 40},
                  {"key": "calls", "title": "Calls", "target": 100, "weight": 30},
                  {"key": "demos", "title": "Demos", "target": 10, "weight": 30}],
    }, as_user="lead")  # fmt: skip
    item = plan["setScorecardItems"]["scorecard"]["items"][0]
    assert (item["title"], item["target"], item["goalId"]) == ("My revenue", 400, ids["emp"])
    await company.ok(ENTER, {"item": item["id"], "value": 250}, as_user="lead")
    measured = await _update(company, ids["staff"], actual=150)
    assert measured["errors"] == []
    # then progress rolls up: emp 250 from the plan, the team 250 + 150, and so on up
    goals = await _goals(company, cycle)
    progress = {k: (goals[v]["actual"], goals[v]["progress"]) for k, v in ids.items()}
    assert progress == {
        "emp": (250, 250 / 400),
        "staff": (150, 150 / 300),
        "t1": (400, 400 / 700),
        "d1": (400, 400 / 600),
        "d2": (None, None),
        "co": (400, 400 / 1000),
    }
    # when the position's own actual is cleared, it has nothing measured any more
    cleared = await _update(company, ids["staff"], actual=None)
    assert (cleared["goal"]["actual"], cleared["goal"]["progress"]) == (None, None)
    assert (await _goals(company, cycle))[ids["t1"]]["actual"] == 250
    # and every change is in the audit log
    actions = await session.execute(
        select(AuditEvent.action)
        .where(AuditEvent.object_type == "goal", AuditEvent.object_id == ids["staff"])
        .order_by(AuditEvent.id)
    )
    assert actions.scalars().all() == ["goal.create", "goal.update", "goal.update"]


async def test_non_additive_goals_average_their_children_by_weight(company: Company) -> None:
    cycle = await _cycle(company)
    unit = company.units
    csat = await _goal(company, cycleId=cycle, level="company", orgUnitId=str(unit["co"]),
                       title="Customer satisfaction", target=4.5, unit="stars",
                       additive=False)  # fmt: skip
    for code, weight, actual in (("d1", 2, 4.5), ("d2", 1, 3.6)):
        await _goal(company, cycleId=cycle, parentId=csat, level="department",
                    orgUnitId=str(unit[code]), title=f"CSAT {code}", target=4.5, unit="stars",
                    additive=False, weight=weight, actual=actual)  # fmt: skip
    parent = (await _goals(company, cycle))[csat]
    # the children's completions (1.0 and 0.8) weighted 2:1; no coverage for a level indicator
    assert parent["progress"] == (2 * 1.0 + 1 * (3.6 / 4.5)) / 3
    assert (parent["actual"], parent["coverage"], parent["allocated"]) == (None, None, None)


async def test_goals_come_from_a_kpi_library_and_a_lower_is_better_goal(company: Company) -> None:
    cycle = await _cycle(company)
    made = await _create(
        company, cycleId=cycle, level="department", orgUnitId=str(company.units["d1"]),
        title="Complaints", libraryRef="service-kpis@1", indicatorKey="complaints",
        target=20, direction="lower", unit="count",
    )  # fmt: skip
    assert made["errors"] == []
    goal = made["goal"]
    assert (goal["libraryRef"], goal["indicatorKey"], goal["direction"]) == (
        "service-kpis@1", "complaints", "lower",
    )  # fmt: skip
    # 25 complaints against 20: lower is better, 2 - 25 / 20 = 75% done
    updated = await _update(company, goal["id"], actual=25)
    assert updated["goal"]["progress"] == 0.75


# ----------------------------------------------------------------------------- proposals


async def test_proposals_meet_allocations_in_the_gap_report(company: Company) -> None:
    # given the revenue tree
    cycle = await _cycle(company)
    ids = await _tree(company, cycle)
    unit, people = company.units, company.people
    # when each level says what it can carry
    proposals = [
        (ids["co"], 550, "head", {"unit": str(unit["d1"])}),
        (ids["co"], 100, "other", {"employee": str(people["other"])}),
        (ids["d1"], 650, "lead", {"unit": str(unit["t1"])}),
        (ids["t1"], 350, "emp", {"employee": str(people["emp"])}),
        (ids["t1"], 380, "emp", {"employee": str(people["emp"])}),  # a second thought
        (ids["t1"], 250, "lead", {"unit": str(unit["t1"]), "position": "Staff"}),
    ]
    for goal, amount, who, owner in proposals:
        assert (await _propose(company, goal, amount, who, **owner)) == {"ok": True, "errors": []}
    # then the report sets top-down against bottom-up, per owner
    top = await _gap(company, ids["co"])
    assert (top["goalId"], top["target"]) == (ids["co"], 1000)
    assert top["lines"] == [
        {"owner": f"unit:{unit['d1']}", "topDown": 600, "bottomUp": 550, "gap": 50},
        {"owner": f"unit:{unit['d2']}", "topDown": 300, "bottomUp": None, "gap": None},
        {"owner": f"employee:{people['other']}", "topDown": None, "bottomUp": 100, "gap": None},
    ]
    assert (top["topDown"], top["bottomUp"], top["gap"]) == (900, 650, 250)
    team = await _gap(company, ids["t1"])
    assert team["lines"] == [
        {"owner": f"position:{unit['t1']}:Staff", "topDown": 300, "bottomUp": 250, "gap": 50},
        {"owner": f"employee:{people['emp']}", "topDown": 400, "bottomUp": 380, "gap": 20},
    ]
    d1 = await _gap(company, ids["d1"])
    assert d1["lines"] == [
        {"owner": f"unit:{unit['t1']}", "topDown": 700, "bottomUp": 650, "gap": 50}
    ]
    # and an employee sees the units' lines and their own, not a colleague's proposal
    seen_by_emp = await _gap(company, ids["co"], as_user="emp")
    assert [line["owner"] for line in seen_by_emp["lines"]] == [
        f"unit:{unit['d1']}", f"unit:{unit['d2']}",
    ]  # fmt: skip


async def test_proposals_are_made_within_scope_and_checked(company: Company) -> None:
    cycle = await _cycle(company)
    ids = await _tree(company, cycle)
    unit, people = company.units, company.people
    before = await _gap(company, ids["co"])
    refused = [
        # someone else, a unit above you, another department
        ("emp", {"employee": str(people["other"])}, 10, "NOT_FOUND", ["employee"]),
        ("emp", {"unit": str(unit["t1"])}, 10, "NOT_FOUND", ["orgUnit"]),
        ("lead", {"unit": str(unit["d2"])}, 10, "NOT_FOUND", ["orgUnit"]),
        ("head", {"unit": "999999"}, 10, "NOT_FOUND", ["orgUnit"]),
        # no owner, a position without its unit, a negative amount
        ("head", {}, 10, "INVALID", ["orgUnit"]),
        ("head", {"position": "Staff"}, 10, "INVALID", ["orgUnit"]),
        ("head", {"unit": str(unit["d1"])}, -5, "INVALID", ["amount"]),
    ]
    for who, owner, amount, code, path in refused:
        payload = await _propose(company, ids["co"], amount, who, **owner)
        assert payload["ok"] is False
        assert [(e["code"], e["path"]) for e in payload["errors"]] == [(code, path)], (who, owner)
    # HR and the executive propose for themselves only, like every employee
    for who, owner in (("hr", {"unit": str(unit["d1"])}), ("exec", {"unit": str(unit["d2"])})):
        payload = await _propose(company, ids["co"], 10, who, **owner)
        assert [(e["code"], e["path"]) for e in payload["errors"]] == [("NOT_FOUND", ["orgUnit"])]
    # and nothing was recorded
    assert await _gap(company, ids["co"]) == before


# ----------------------------------------------------------------------------- scopes


async def test_each_role_reads_the_goals_of_its_scope(company: Company) -> None:
    # given unit goals and an employee goal for emp (in t1) and for other (in d2)
    cycle = await _cycle(company)
    ids = await _tree(company, cycle)
    ids["other"] = await _goal(company, cycleId=cycle, parentId=ids["d2"], level="employee",
                               employeeId=str(company.people["other"]), title="Other's revenue",
                               target=300)  # fmt: skip
    units = {ids[k] for k in ("co", "d1", "d2", "t1", "staff")}
    expected = {
        "hr": units | {ids["emp"], ids["other"]},
        "exec": units | {ids["emp"], ids["other"]},
        "head": units | {ids["emp"]},  # d1's subtree
        "lead": units | {ids["emp"]},  # the team below the lead
        "emp": units | {ids["emp"]},
        "other": units | {ids["other"]},
    }
    for who, visible in expected.items():
        seen = await _goals(company, cycle, as_user=who)
        assert set(seen) == visible, who
    # a parent's progress counts every child, also those the reader cannot see
    await _update(company, ids["other"], actual=120)
    assert (await _goals(company, cycle, as_user="emp"))[ids["d2"]]["actual"] == 120
    # a goal out of scope answers like a missing one
    body = await company.raw(GAP, {"goal": ids["other"]}, as_user="emp")
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_who_may_change_which_goals(company: Company) -> None:
    cycle = await _cycle(company)
    ids = await _tree(company, cycle)
    unit, people = company.units, company.people
    before = await _goals(company, cycle)
    # employees and the executive may not create, change or delete goals at all
    for who in ("emp", "other", "exec"):
        for query, variables in (
            (CREATE, {"input": {"cycleId": cycle, "level": "employee", "title": "Mine",
                                "employeeId": str(people[who])}}),
            (UPDATE, {"goal": ids["emp"], "target": 1}),
            (DELETE, {"goal": ids["emp"]}),
        ):  # fmt: skip
            body = await company.raw(query, variables, as_user=who)
            assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", (who, query)
    # a manager changes the team's goals, not above or beside it
    refused = [
        ("lead", {"level": "department", "orgUnitId": str(unit["d2"])}, ["orgUnitId"]),
        ("lead", {"level": "department", "orgUnitId": str(unit["d1"])}, ["orgUnitId"]),
        ("lead", {"level": "employee", "employeeId": str(people["other"])}, ["employeeId"]),
        ("head", {"level": "department", "orgUnitId": str(unit["d2"])}, ["orgUnitId"]),
        ("head", {"level": "company", "orgUnitId": str(unit["co"])}, ["orgUnitId"]),
    ]
    for who, owner, path in refused:
        payload = await _create(company, who, cycleId=cycle, title="Nope", **owner)
        assert [(e["code"], e["path"]) for e in payload["errors"]] == [("NOT_FOUND", path)], who
    for who, goal in (("lead", ids["d1"]), ("lead", ids["co"]), ("head", ids["co"])):
        changed = await _update(company, goal, as_user=who, target=1)
        assert [(e["code"], e["path"]) for e in changed["errors"]] == [("NOT_FOUND", ["goal"])]
        gone = (await company.ok(DELETE, {"goal": goal}, as_user=who))["deleteGoal"]
        assert [(e["code"], e["path"]) for e in gone["errors"]] == [("NOT_FOUND", ["goal"])]
    assert await _goals(company, cycle) == before
    # while within their reach they may, below their own level
    mine = await _create(company, "lead", cycleId=cycle, parentId=ids["t1"], level="employee",
                         employeeId=str(people["emp"]), title="Stretch", target=50)  # fmt: skip
    assert mine["errors"] == []
    assert (await _update(company, ids["t1"], as_user="head", target=720))["errors"] == []
    assert (await _update(company, ids["d1"], as_user="hr", target=650))["errors"] == []
    # nobody sets their own targets: not the lead their team's, not the head their
    # department's, not the lead their own goal; the next level up (or HR) does
    for who, goal in (("lead", ids["t1"]), ("head", ids["d1"])):
        own = await _update(company, goal, as_user=who, target=1)
        assert [(e["code"], e["path"]) for e in own["errors"]] == [("FORBIDDEN", ["goal"])], who
    own_goal = await _create(company, "lead", cycleId=cycle, level="employee",
                             employeeId=str(people["lead"]), title="Mine")  # fmt: skip
    assert [(e["code"], e["path"]) for e in own_goal["errors"]] == [("FORBIDDEN", ["employeeId"])]
    own_team = await _create(company, "lead", cycleId=cycle, level="team",
                             orgUnitId=str(unit["t1"]), title="Ours")  # fmt: skip
    assert [(e["code"], e["path"]) for e in own_team["errors"]] == [("FORBIDDEN", ["orgUnitId"])]
    made = await _create(company, "head", cycleId=cycle, level="team",
                         orgUnitId=str(unit["t1"]), title="Quality")  # fmt: skip
    assert made["errors"] == []
    deleted = await company.ok(DELETE, {"goal": made["goal"]["id"]}, as_user="head")
    assert deleted["deleteGoal"] == {"deleted": True, "errors": []}


async def test_another_tenant_sees_and_changes_nothing(
    company: Company, sessions: async_sessionmaker[AsyncSession], gql: GraphQLClient
) -> None:
    # given a goal tree with a proposal in one tenant
    cycle = await _cycle(company)
    ids = await _tree(company, cycle)
    await _propose(company, ids["co"], 550, "head", unit=str(company.units["d1"]))
    before = await _goals(company, cycle)
    # and another tenant with its own cycle
    outsider = await create_company(sessions, gql)
    own_cycle = await _cycle(outsider)
    for who in ("hr", "exec", "head", "lead", "emp"):
        # then none of its people reads the first tenant's goals or gap reports
        body = await outsider.raw(GOALS, {"cycle": cycle}, as_user=who)
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND", who
        body = await outsider.raw(GAP, {"goal": ids["co"]}, as_user=who)
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND", who
    # nor changes them, even with every permission of its own tenant
    for query, variables in (
        (UPDATE, {"goal": ids["emp"], "target": 1}),
        (DELETE, {"goal": ids["emp"]}),
    ):
        body = await outsider.raw(query, variables, as_user="hr")
        errors = next(iter(body["data"].values()))["errors"]
        assert [(e["code"], e["path"]) for e in errors] == [("NOT_FOUND", ["goal"])]
    proposed = await _propose(outsider, ids["co"], 1, "head", unit=str(outsider.units["d1"]))
    assert [(e["code"], e["path"]) for e in proposed["errors"]] == [("NOT_FOUND", ["goal"])]
    # nor hangs its goals under them or on the first tenant's units and people
    for fields, path in (
        ({"cycleId": cycle, "level": "company", "orgUnitId": str(outsider.units["co"])},
         ["cycleId"]),
        ({"cycleId": own_cycle, "parentId": ids["co"], "level": "company",
          "orgUnitId": str(outsider.units["co"])}, ["parentId"]),
        ({"cycleId": own_cycle, "level": "company", "orgUnitId": str(company.units["co"])},
         ["orgUnitId"]),
        ({"cycleId": own_cycle, "level": "employee", "employeeId": str(company.people["emp"])},
         ["employeeId"]),
    ):  # fmt: skip
        payload = await _create(outsider, title="Borrowed", **fields)
        assert [(e["code"], e["path"]) for e in payload["errors"]] == [("NOT_FOUND", path)]
    assert await _goals(company, cycle) == before
    assert await _goals(outsider, own_cycle) == {}


# ----------------------------------------------------------------------------- bad input


async def test_bad_goals_are_refused_naming_the_field(company: Company) -> None:
    cycle = await _cycle(company)
    ids = await _tree(company, cycle)
    other_cycle = await _cycle(company, "2026-Q2")
    before = await _goals(company, cycle)
    co, emp = str(company.units["co"]), str(company.people["emp"])
    unit = {"cycleId": cycle, "level": "company", "orgUnitId": co, "title": "Revenue"}
    cases: list[tuple[dict[str, Any], list[tuple[str, list[str]]]]] = [
        ({**unit, "level": "division"}, [("INVALID", ["level"])]),
        ({**unit, "direction": "up"}, [("INVALID", ["direction"])]),
        ({**unit, "title": "   "}, [("INVALID", ["title"])]),
        ({**unit, "title": "x" * 201}, [("INVALID", ["title"])]),
        ({**unit, "title": " ", "weight": -1}, [("INVALID", ["title"]), ("INVALID", ["weight"])]),
        ({**unit, "orgUnitId": None}, [("INVALID", ["orgUnitId"])]),
        ({**unit, "employeeId": emp}, [("INVALID", ["employeeId"])]),
        ({**unit, "level": "employee", "orgUnitId": None}, [("INVALID", ["employeeId"])]),
        ({**unit, "level": "position"}, [("INVALID", ["position"])]),
        ({**unit, "position": "Staff"}, [("INVALID", ["position"])]),
        ({**unit, "libraryRef": "no-such-kpis@1", "indicatorKey": "x"},
         [("INVALID", ["libraryRef"])]),
        ({**unit, "libraryRef": "sales-kpis@1", "indicatorKey": "revenu"},
         [("INVALID", ["indicatorKey"])]),
        ({**unit, "cycleId": "999999"}, [("NOT_FOUND", ["cycleId"])]),
        ({**unit, "parentId": "999999"}, [("NOT_FOUND", ["parentId"])]),
        ({**unit, "cycleId": other_cycle, "parentId": ids["co"]}, [("INVALID", ["parentId"])]),
    ]  # fmt: skip
    for fields, expected in cases:
        payload = await _create(company, **fields)
        assert payload["goal"] is None
        assert [(e["code"], e["path"]) for e in payload["errors"]] == expected, fields
    assert await _goals(company, cycle) == before
    assert await _goals(company, other_cycle) == {}
    # updates are checked the same way and change nothing when refused
    for args, path in (
        ({"title": ""}, ["title"]),
        ({"title": None}, ["title"]),
        ({"direction": "sideways"}, ["direction"]),
        ({"weight": -5}, ["weight"]),
        ({"additive": None}, ["additive"]),
        ({"title": "y" * 300}, ["title"]),
    ):
        refused = await _update(company, ids["d1"], **args)
        assert refused["goal"] is None
        assert [(e["code"], e["path"]) for e in refused["errors"]] == [("INVALID", path)], args
    missing = await _update(company, "999999", target=1)
    assert [(e["code"], e["path"]) for e in missing["errors"]] == [("NOT_FOUND", ["goal"])]
    assert await _goals(company, cycle) == before
    # an update leaves what it does not name alone, and a null clears a target
    renamed = (await _update(company, ids["d1"], title="  Revenue East  "))["goal"]
    assert (renamed["title"], renamed["target"], renamed["unit"]) == ("Revenue East", 600, "CNY")
    cleared = (await _update(company, ids["d1"], target=None))["goal"]
    assert (cleared["target"], cleared["title"]) == (None, "Revenue East")


async def test_deleting_a_goal_takes_its_subtree_and_unlinks_plan_items(
    company: Company,
) -> None:
    cycle = await _cycle(company)
    ids = await _tree(company, cycle)
    await _propose(company, ids["t1"], 380, "emp", employee=str(company.people["emp"]))
    await company.ok(SET_ITEMS, {
        "cycle": cycle, "employee": str(company.people["emp"]),
        "items": [{"goalId": ids["emp"], "weight": 40},
                  {"key": "calls", "title": "Calls", "target": 100, "weight": 30},
                  {"key": "demos", "title": "Demos", "target": 10, "weight": 30}],
    }, as_user="lead")  # fmt: skip
    # when the team goal is deleted
    deleted = await company.ok(DELETE, {"goal": ids["t1"]}, as_user="head")
    assert deleted["deleteGoal"] == {"deleted": True, "errors": []}
    # then its position and employee goals go with it, and d1 has no children left
    goals = await _goals(company, cycle)
    assert set(goals) == {ids["co"], ids["d1"], ids["d2"]}
    assert goals[ids["d1"]]["coverage"] == "leaf"
    # and emp's plan keeps the item, no longer linked to a goal
    card = await company.ok(
        ITEM_GOAL, {"employee": str(company.people["emp"]), "cycle": cycle}, as_user="emp"
    )
    assert [i["goalId"] for i in card["scorecard"]["items"]] == [None, None, None]
    # and a deleted goal is gone for good
    again = await company.ok(DELETE, {"goal": ids["t1"]}, as_user="hr")
    assert [(e["code"], e["path"]) for e in again["deleteGoal"]["errors"]] == [
        ("NOT_FOUND", ["goal"])
    ]
    gap = await company.raw(GAP, {"goal": ids["t1"]}, as_user="hr")
    assert gap["errors"][0]["extensions"]["code"] == "NOT_FOUND"


# ----------------------------------------------------------------------------- titles


def _titles(goal: dict[str, Any]) -> tuple[str, dict[str, str]]:
    return goal["title"], goal["titles"]


async def _new(company: Company, cycle: str, **fields: Any) -> dict[str, Any]:
    unit = {"cycleId": cycle, "level": "company", "orgUnitId": str(company.units["co"])}
    return await _create(company, **unit, **fields)


async def test_goal_titles_are_given_per_language_and_read_back(company: Company) -> None:
    cycle = await _cycle(company)
    # a goal with a title only has it in both languages
    plain = (await _new(company, cycle, title="  年度收入 "))["goal"]
    assert _titles(plain) == ("年度收入", {"zhCN": "年度收入", "en": "年度收入"})
    # a goal with both titles keeps them apart; ``title`` is the zh-CN one
    both = (
        await _new(company, cycle, title="年度收入", titles={"zhCN": "年度收入", "en": "Revenue"})
    )["goal"]
    assert _titles(both) == ("年度收入", {"zhCN": "年度收入", "en": "Revenue"})
    # a language ``titles`` leaves out reads as ``title``
    half = (await _new(company, cycle, title="客户数", titles={"en": "Customers"}))["goal"]
    assert _titles(half) == ("客户数", {"zhCN": "客户数", "en": "Customers"})
    # and the tree reads them as they were written
    tree = await _goals(company, cycle)
    assert [_titles(tree[g["id"]]) for g in (plain, both, half)] == [
        _titles(plain), _titles(both), _titles(half)
    ]  # fmt: skip


async def test_updating_a_goal_changes_the_languages_it_names(company: Company) -> None:
    cycle = await _cycle(company)
    goal = (
        await _new(company, cycle, title="年度收入", titles={"zhCN": "年度收入", "en": "Revenue"})
    )["goal"]["id"]
    # ``titles`` with one language leaves the other one alone
    english = (await _update(company, goal, titles={"en": "Annual revenue"}))["goal"]
    assert _titles(english) == ("年度收入", {"zhCN": "年度收入", "en": "Annual revenue"})
    chinese = (await _update(company, goal, titles={"zhCN": "全年收入"}))["goal"]
    assert _titles(chinese) == ("全年收入", {"zhCN": "全年收入", "en": "Annual revenue"})
    # ``title`` alone stands for both languages, as on create
    renamed = (await _update(company, goal, title="Revenue"))["goal"]
    assert _titles(renamed) == ("Revenue", {"zhCN": "Revenue", "en": "Revenue"})
    # ``title`` with ``titles`` fills the language ``titles`` leaves out
    mixed = (await _update(company, goal, title="营收", titles={"en": "Sales"}))["goal"]
    assert _titles(mixed) == ("营收", {"zhCN": "营收", "en": "Sales"})
    # an update naming neither leaves the titles alone
    await _update(company, goal, target=10)
    assert _titles((await _goals(company, cycle))[goal]) == _titles(mixed)


async def test_a_plan_item_from_a_goal_takes_its_titles(company: Company) -> None:
    cycle = await _cycle(company)
    emp = str(company.people["emp"])
    payload = await _create(
        company, cycleId=cycle, level="employee", employeeId=emp, title="我的收入",
        titles={"en": "My revenue"}, target=400,
    )  # fmt: skip
    goal = payload["goal"]["id"]
    set_items = await company.ok(
        SET_ITEMS,
        {"cycle": cycle, "employee": emp, "items": [
            {"key": "rev", "goalId": goal, "weight": 40},
            {"key": "calls", "title": "Calls", "target": 100, "weight": 30},
            {"key": "demos", "title": "Demos", "target": 10, "weight": 30}]},
        as_user="lead",
    )  # fmt: skip
    assert set_items["setScorecardItems"]["errors"] == []
    item = set_items["setScorecardItems"]["scorecard"]["items"][0]
    assert (item["key"], item["title"], item["titles"]) == (
        "rev", "我的收入", {"zhCN": "我的收入", "en": "My revenue"}
    )  # fmt: skip


async def test_bad_titles_are_refused_naming_the_language(company: Company) -> None:
    cycle = await _cycle(company)
    goal = (await _new(company, cycle, title="收入", titles={"en": "Revenue"}))["goal"]
    before = await _goals(company, cycle)
    long = "长" * 201
    cases: list[tuple[dict[str, Any], list[list[str]]]] = [
        ({"title": "收入", "titles": {"en": "  "}}, [["titles", "en"]]),
        ({"title": "收入", "titles": {"zhCN": ""}}, [["titles", "zhCN"]]),
        ({"title": "收入", "titles": {"zhCN": long, "en": "x" * 201}},
         [["titles", "zhCN"], ["titles", "en"]]),
        ({"title": " ", "titles": {"en": "Revenue"}}, [["title"]]),
    ]  # fmt: skip
    for fields, paths in cases:
        refused = await _new(company, cycle, **fields)
        assert refused["goal"] is None
        assert [(e["code"], e["path"]) for e in refused["errors"]] == [
            ("INVALID", p) for p in paths
        ], fields
    for args, paths in (
        ({"titles": {"en": ""}}, [["titles", "en"]]),
        ({"titles": {"zhCN": long}}, [["titles", "zhCN"]]),
        ({"titles": None}, [["titles"]]),
    ):
        refused = await _update(company, goal["id"], **args)
        assert refused["goal"] is None
        assert [(e["code"], e["path"]) for e in refused["errors"]] == [
            ("INVALID", p) for p in paths
        ], args
    # an unknown language is refused by the schema, naming the field
    raw = await company.raw(
        UPDATE, {"goal": goal["id"], "titles": {"fr": "Recettes"}}, as_user="hr"
    )
    assert "fr" in raw["errors"][0]["message"]
    assert await _goals(company, cycle) == before
