"""Plans and goals name a position the way the org chart does: by catalogue code or name
(employees hold the name), or a name employees hold outside the catalogue."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from support.company import Company

CREATE_POSITION = """
mutation($code: String!, $name: String!) {
  createPosition(input: {code: $code, name: $name}) { position { id } errors { message } }
}"""
RENAME_POSITION = """
mutation($id: ID!, $name: String!) {
  updatePosition(id: $id, input: {name: $name}) { errors { message } }
}"""
HOLD = """
mutation($id: ID!, $position: String!) {
  updateEmployee(id: $id, input: {position: $position}) {
    employee { position } errors { message }
  }
}"""
INSTALL = """
mutation { installApp(app: "standard-performance@1") { installedApp { id } errors { message } } }
"""
OPEN = """
mutation($app: ID!) {
  openCycle(app: $app, cycle: "quarterly-review", period: "2026-Q1") { cycle { id } }
}"""
ASSIGN = """
mutation($cycle: ID!, $unit: ID, $position: String, $items: [ScorecardItemInput!]!) {
  assignScorecardItems(cycle: $cycle, orgUnit: $unit, position: $position, items: $items) {
    scorecards { employeeId } errors { code message path }
  }
}"""
TEAM = """
query($cycle: ID!) { teamScorecards(cycle: $cycle) { totalCount edges { node { employeeId } } } }"""
CREATE_GOAL = """
mutation($input: GoalInput!) {
  createGoal(input: $input) { goal { id position } errors { code message path } }
}"""
PROPOSE = """
mutation($goal: ID!, $unit: ID, $position: String) {
  proposeGoal(goal: $goal, amount: 5, orgUnit: $unit, position: $position) {
    ok errors { code path }
  }
}"""
GAP = "query($goal: ID!) { goalGapReport(goal: $goal) { lines { owner } } }"
ITEMS = [
    {"key": f"k{n}", "title": f"Indicator {n}", "target": 10, "weight": w}
    for n, w in enumerate((40, 30, 30))
]


async def _setup(company: Company) -> tuple[str, str]:
    """Position SR (销售代表) held by emp and other; everyone else holds "Staff", a name
    the catalogue does not know. Returns the cycle and the position's id."""
    made = await company.ok(CREATE_POSITION, {"code": "SR", "name": "销售代表"}, as_user="hr")
    position = made["createPosition"]["position"]["id"]
    for who in ("emp", "other"):
        held = await company.ok(HOLD, {"id": str(company.people[who]), "position": "SR"},
                                as_user="hr")  # fmt: skip
        assert held["updateEmployee"]["employee"] == {"position": "销售代表"}
    app = (await company.ok(INSTALL, as_user="hr"))["installApp"]["installedApp"]["id"]
    cycle = (await company.ok(OPEN, {"app": app}, as_user="hr"))["openCycle"]["cycle"]["id"]
    return str(cycle), str(position)


async def _assign(company: Company, cycle: str, **where: Any) -> Any:
    variables = {"cycle": cycle, "items": ITEMS, **where}
    return (await company.ok(ASSIGN, variables, as_user="hr"))["assignScorecardItems"]


def _ids(company: Company, *who: str) -> set[str]:
    return {str(company.people[w]) for w in who}


async def test_bulk_assignment_by_position_code_or_name(company: Company) -> None:
    cycle, position = await _setup(company)
    # by code and by name, the position's holders get the items
    for given in ("SR", "销售代表", "  SR "):
        done = await _assign(company, cycle, position=given)
        assert done["errors"] == []
        assert {c["employeeId"] for c in done["scorecards"]} == _ids(company, "emp", "other")
    # within a unit, only the holders there
    d1 = await _assign(company, cycle, position="SR", unit=str(company.units["d1"]))
    assert {c["employeeId"] for c in d1["scorecards"]} == _ids(company, "emp")
    # a name held outside the catalogue still works (HR, assigning, is left out: nobody
    # sets their own plan)
    staff = await _assign(company, cycle, position="Staff")
    assert {c["employeeId"] for c in staff["scorecards"]} == _ids(company, "exec", "head", "lead")
    # after a rename the code still finds the same people
    renamed = await company.ok(RENAME_POSITION, {"id": position, "name": "客户经理"}, as_user="hr")
    assert renamed["updatePosition"]["errors"] == []
    again = await _assign(company, cycle, position="SR")
    assert {c["employeeId"] for c in again["scorecards"]} == _ids(company, "emp", "other")


async def test_an_unknown_position_is_named_and_nothing_is_assigned(company: Company) -> None:
    cycle, _ = await _setup(company)
    unknown = await _assign(company, cycle, position="Sales Rep")
    assert unknown["scorecards"] == []
    assert [(e["code"], e["path"]) for e in unknown["errors"]] == [("NOT_FOUND", ["position"])]
    assert "Sales Rep" in unknown["errors"][0]["message"]
    no_unit = await _assign(company, cycle, position="SR", unit="999999")
    assert [(e["code"], e["path"]) for e in no_unit["errors"]] == [("NOT_FOUND", ["orgUnit"])]
    assert await company.ok(TEAM, {"cycle": cycle}, as_user="hr") == {
        "teamScorecards": {"totalCount": 0, "edges": []}
    }


async def test_position_goals_and_proposals_use_the_held_name(company: Company) -> None:
    cycle, _ = await _setup(company)
    t1 = str(company.units["t1"])
    made = await company.ok(CREATE_GOAL, {"input": {
        "cycleId": cycle, "level": "position", "orgUnitId": t1, "position": "SR",
        "title": "Revenue per rep", "target": 10,
    }}, as_user="hr")  # fmt: skip
    goal = made["createGoal"]["goal"]
    assert goal["position"] == "销售代表"
    unknown = await company.ok(CREATE_GOAL, {"input": {
        "cycleId": cycle, "level": "position", "orgUnitId": t1, "position": "Rep",
        "title": "Revenue per rep",
    }}, as_user="hr")  # fmt: skip
    assert unknown["createGoal"]["errors"] == [
        {"code": "INVALID", "message": "no position 'Rep' in this tenant", "path": ["position"]}
    ]
    parent = await company.ok(CREATE_GOAL, {"input": {
        "cycleId": cycle, "level": "team", "orgUnitId": t1, "title": "Team revenue",
    }}, as_user="hr")  # fmt: skip
    parent_id = parent["createGoal"]["goal"]["id"]
    proposed = await company.ok(PROPOSE, {"goal": parent_id, "unit": t1, "position": "SR"},
                                as_user="lead")  # fmt: skip
    assert proposed["proposeGoal"] == {"ok": True, "errors": []}
    refused = await company.ok(PROPOSE, {"goal": parent_id, "unit": t1, "position": "Rep"},
                               as_user="lead")  # fmt: skip
    assert refused["proposeGoal"]["errors"] == [{"code": "INVALID", "path": ["position"]}]
    report = await company.ok(GAP, {"goal": parent_id}, as_user="hr")
    assert report["goalGapReport"]["lines"] == [{"owner": f"position:{t1}:销售代表"}]
