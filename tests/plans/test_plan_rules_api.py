"""An app installed for one department with its own parameters changes the plan rules
there and nowhere else: which weight sets are accepted, and the item score settings."""

from __future__ import annotations

import copy
import itertools
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from perfloop.store.plans import Scorecard
from perfloop.templates import load_builtin_templates

if TYPE_CHECKING:
    from support.company import Company

PUBLISH = """
mutation($document: JSON!) {
  publishTemplate(document: $document) { template { version } errors { message path } }
}"""
INSTALL = """
mutation($app: String!, $parameters: JSON, $unit: ID) {
  installApp(app: $app, parameters: $parameters, orgUnit: $unit) {
    installedApp { id parameters } errors { code message path detail }
  }
}"""
OPEN = """
mutation($app: ID!) {
  openCycle(app: $app, cycle: "quarterly-review", period: "2026-Q4") {
    cycle { id } errors { message }
  }
}"""
SET_ITEMS = """
mutation($cycle: ID!, $employee: ID!, $items: [ScorecardItemInput!]!) {
  setScorecardItems(cycle: $cycle, employee: $employee, items: $items) {
    scorecard { id items { id key weight } }
    errors { code message path detail }
  }
}"""
ASSIGN = """
mutation($cycle: ID!, $unit: ID!, $items: [ScorecardItemInput!]!) {
  assignScorecardItems(cycle: $cycle, orgUnit: $unit, items: $items) {
    scorecards { employeeId items { key weight } }
    errors { code message path detail }
  }
}"""
ENTER = """
mutation($item: ID!, $value: Float) {
  enterActual(item: $item, value: $value) { errors { code message } }
}"""
READ = """
query($employee: ID!, $cycle: ID!) {
  scorecard(employee: $employee, cycle: $cycle) { items { key weight completion score } }
}"""

_keys = itertools.count()


def _item(key: str, weight: float) -> dict[str, Any]:
    return {"key": key, "title": key.upper(), "target": 100, "weight": weight}


def _number(zh: str, en: str, **bounds: float) -> dict[str, Any]:
    return {"type": "number", "x-title": {"zh-CN": zh, "en": en}, **bounds}


def app_with_item_rules() -> dict[str, Any]:
    """The standard app, also letting an install set the item weight bounds and the
    scoring threshold (names the standard scoring scheme reads as params.<name>)."""
    builtin = load_builtin_templates().get("standard-performance", 1)
    assert builtin is not None
    document = copy.deepcopy(dict(builtin.document))
    document["key"] = f"rules-app-{next(_keys)}"
    parameters = document["parameters"]
    parameters["schema"]["properties"].update(
        min_weight=_number("单项最低权重", "Lowest item weight", minimum=0, maximum=100),
        max_weight=_number("单项最高权重", "Highest item weight", minimum=0, maximum=100),
        threshold=_number("计分门槛", "Scoring threshold"),  # the scheme wants >= 0
    )
    parameters["defaults"].update(min_weight=5, max_weight=40, threshold=0.6)
    return document


async def _install(
    company: Company, app: str, parameters: dict[str, Any] | None = None, unit: str | None = None
) -> dict[str, Any]:
    variables = {"app": app, "parameters": parameters, "unit": unit}
    data = await company.ok(INSTALL, variables, as_user="hr")
    payload: dict[str, Any] = data["installApp"]
    return payload


async def _setup(company: Company, open_from: str = "tenant") -> tuple[str, str]:
    """Publish the app, install it tenant-wide and with overrides for d1, open a cycle
    from the tenant-wide install (or from d1's)."""
    document = app_with_item_rules()
    published = await company.ok(PUBLISH, {"document": document}, as_user="hr")
    assert published["publishTemplate"]["errors"] == []
    app = f"{document['key']}@1"
    wide = await _install(company, app)
    assert wide["errors"] == []
    d1 = await _install(
        company, app, {"max_weight": 60, "threshold": 0.8}, str(company.units["d1"])
    )
    assert d1["errors"] == []
    source = wide if open_from == "tenant" else d1
    opened = await company.ok(OPEN, {"app": source["installedApp"]["id"]}, as_user="hr")
    assert opened["openCycle"]["errors"] == []
    return app, opened["openCycle"]["cycle"]["id"]


async def _set(company: Company, cycle: str, who: str, items: list[dict[str, Any]]) -> Any:
    variables = {"cycle": cycle, "employee": str(company.people[who]), "items": items}
    return (await company.ok(SET_ITEMS, variables, as_user="hr"))["setScorecardItems"]


async def _plans(session: AsyncSession, cycle: str) -> int:
    query = select(func.count()).select_from(Scorecard).where(Scorecard.cycle_id == int(cycle))
    return int((await session.execute(query)).scalar_one())


async def test_a_department_install_changes_the_weight_rules_there_only(
    company: Company, session: AsyncSession
) -> None:
    # given a tenant-wide install (items weigh 5 to 40) and one for d1 (up to 60)
    _, cycle = await _setup(company)
    heavy = [_item("a", 60), _item("b", 40)]
    # when HR gives a 60/40 plan to someone in d1's subtree (emp works in t1, under d1)
    inside = await _set(company, cycle, "emp", heavy)
    # then d1's parameters accept it
    assert inside["errors"] == []
    assert [i["weight"] for i in inside["scorecard"]["items"]] == [60, 40]
    # when the same plan is given to someone in d2
    outside = await _set(company, cycle, "other", heavy)
    # then the tenant-wide rules refuse it, naming the item and the rule
    assert outside["scorecard"] is None
    assert [(e["code"], e["path"], e["detail"]) for e in outside["errors"]] == [
        ("INVALID", ["items", "a"], "weights.bounds")
    ]
    assert "a 60" in outside["errors"][0]["message"]
    assert await _plans(session, cycle) == 1  # nothing was written for d2
    # and a plan within the tenant-wide bounds is accepted there
    fits = await _set(company, cycle, "other", [_item("a", 40), _item("b", 30), _item("c", 30)])
    assert fits["errors"] == []
    # and d1's own bounds are enforced there, the message saying whose rules they are
    over = await _set(company, cycle, "emp", [_item("a", 70), _item("b", 30)])
    assert [(e["path"], e["detail"]) for e in over["errors"]] == [
        (["items", "a"], "weights.bounds")
    ]
    assert "under the parameters installed for d1 部门" in over["errors"][0]["message"]
    # and d1's override only widened the bounds: the sum rule still holds there
    short = await _set(company, cycle, "emp", [_item("a", 60), _item("b", 30)])
    assert [e["detail"] for e in short["errors"]] == ["weights.sum"]
    assert "a 60 + b 30 = 90" in short["errors"][0]["message"]


async def test_a_cycle_opened_from_the_department_install_keeps_the_tenant_rules_elsewhere(
    company: Company,
) -> None:
    _, cycle = await _setup(company, open_from="d1")
    heavy = [_item("a", 60), _item("b", 40)]
    assert (await _set(company, cycle, "emp", heavy))["errors"] == []
    outside = await _set(company, cycle, "other", heavy)
    assert [e["detail"] for e in outside["errors"]] == ["weights.bounds"]


async def test_bulk_assignment_checks_each_department_under_its_own_rules(
    company: Company, session: AsyncSession
) -> None:
    _, cycle = await _setup(company)
    heavy = [_item("a", 60), _item("b", 40)]
    # when HR gives 60/40 to the whole company
    everyone = await company.ok(
        ASSIGN, {"cycle": cycle, "unit": str(company.units["co"]), "items": heavy}, as_user="hr"
    )
    # then it is refused as a whole: HR, the executive and d2 fall under the tenant's rules
    result = everyone["assignScorecardItems"]
    assert result["scorecards"] == []
    assert [(e["path"], e["detail"]) for e in result["errors"]] == [
        (["items", "a"], "weights.bounds")
    ]
    assert await _plans(session, cycle) == 0
    # when HR gives it to d1 only, its head, lead and employee all get it
    d1 = await company.ok(
        ASSIGN, {"cycle": cycle, "unit": str(company.units["d1"]), "items": heavy}, as_user="hr"
    )
    assigned = d1["assignScorecardItems"]
    assert assigned["errors"] == []
    expected = {str(company.people[p]) for p in ("head", "lead", "emp")}
    assert {c["employeeId"] for c in assigned["scorecards"]} == expected


async def test_a_department_threshold_changes_item_scores_there_only(company: Company) -> None:
    # given the same plan in d1 (threshold 0.8) and d2 (the scheme's 0.6)
    _, cycle = await _setup(company)
    plan = [_item("a", 40), _item("b", 30), _item("c", 30)]
    for who in ("emp", "other"):
        card = (await _set(company, cycle, who, plan))["scorecard"]
        # when each reaches 70% of item a's target
        entered = await company.ok(
            ENTER, {"item": card["items"][0]["id"], "value": 70}, as_user="hr"
        )
        assert entered["enterActual"]["errors"] == []
    # then 70% scores nothing under d1's threshold and 70 points elsewhere
    scores = {}
    for who in ("emp", "other"):
        read = await company.ok(
            READ, {"employee": str(company.people[who]), "cycle": cycle}, as_user="hr"
        )
        item = read["scorecard"]["items"][0]
        assert item["completion"] == 0.7
        scores[who] = item["score"]
    assert scores == {"emp": 0, "other": 70}


async def test_item_thresholds_are_checked(company: Company, session: AsyncSession) -> None:
    _, cycle = await _setup(company)
    plan = [
        dict(_item("a", 40), thresholds={"threshold": "high"}),
        dict(_item("b", 30), thresholds={"ceiling": 150}),
        _item("c", 30),
    ]
    refused = await _set(company, cycle, "emp", plan)
    assert refused["scorecard"] is None
    assert [e["path"] for e in refused["errors"]] == [
        ["items", "0", "thresholds", "threshold"],
        ["items", "1", "thresholds", "ceiling"],
    ]
    assert await _plans(session, cycle) == 0
    # an item's own settings win over the department's
    plan[0] = dict(_item("a", 40), thresholds={"threshold": 0.5})
    plan[1] = _item("b", 30)
    card = (await _set(company, cycle, "emp", plan))["scorecard"]
    await company.ok(ENTER, {"item": card["items"][0]["id"], "value": 70}, as_user="hr")
    read = await company.ok(
        READ, {"employee": str(company.people["emp"]), "cycle": cycle}, as_user="hr"
    )
    assert read["scorecard"]["items"][0]["score"] == 70


async def test_install_refuses_parameters_the_scoring_scheme_rejects(company: Company) -> None:
    # given an app whose own schema lets any threshold through
    document = app_with_item_rules()
    await company.ok(PUBLISH, {"document": document}, as_user="hr")
    # when HR installs it with a negative threshold, the scoring scheme refuses it
    refused = await _install(company, f"{document['key']}@1", {"threshold": -1})
    assert refused["installedApp"] is None
    assert [(e["code"], e["path"]) for e in refused["errors"]] == [
        ("INVALID", ["parameters", "threshold"])
    ]
    assert "minimum" in refused["errors"][0]["message"]
    # while a threshold the scheme accepts installs
    fine = await _install(company, f"{document['key']}@1", {"threshold": 0.7})
    assert fine["errors"] == []
    assert fine["installedApp"]["parameters"]["threshold"] == 0.7
