"""Targets relative to an earlier period ("+8 % on last quarter's actual"): resolved per
person when a plan is set or assigned (also by the company-wide job), stored and shown
with their base; a missing base is an error naming the person and the item."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from perfloop.templates import load_builtin_templates
from support import nodes
from support.analytics import plan, quarters, set_plan
from support.company import Company
from support.results import drain

ERRORS = "errors { code message path detail }"
ASSIGN = f"""
mutation($cycle: ID!, $unit: ID, $items: [ScorecardItemInput!]!,
         $overrides: [TargetOverrideInput!]) {{
  assignScorecardItems(cycle: $cycle, orgUnit: $unit, items: $items, overrides: $overrides) {{
    scorecards {{ id }} {ERRORS}
  }}
}}"""
START = f"""
mutation($cycle: ID!, $unit: ID, $items: [ScorecardItemInput!]!,
         $overrides: [TargetOverrideInput!]) {{
  startAssignScorecardItems(cycle: $cycle, orgUnit: $unit, items: $items,
                            overrides: $overrides) {{
    created job {{ id }} {ERRORS}
  }}
}}"""
PUBLISH = """
mutation($document: JSON!) {
  publishTemplate(document: $document) { template { version } errors { message path } }
}"""
JOB = "query($id: ID!) { job(id: $id) { status result error { code message } } }"
READ = """
query($employee: ID!, $cycle: ID!) { scorecard(employee: $employee, cycle: $cycle) {
  items { key target actual completion
          targetBase { relativeTo change cycleId period periodStart periodEnd actual } } } }"""
REPORT = """
query($c: ID!) { planReport(cycle: $c, groupBy: [ORG_UNIT], first: 10) {
  edges { node { orgUnitId target } } } }"""

SALES = {"key": "sales", "title": "Sales", "weight": 40}
CARE = {"key": "care", "title": "Care", "target": 10, "weight": 30}
VISITS = {"key": "visits", "title": "Visits", "target": 5, "weight": 30}


def _relative(change: float, to: str = "PREVIOUS") -> dict[str, Any]:
    return {**SALES, "relative": {"relativeTo": to, "change": change}}


async def _read(company: Company, cycle: str, who: str) -> dict[str, Any]:
    variables = {"employee": str(company.people[who]), "cycle": cycle}
    card = (await company.ok(READ, variables, as_user="hr"))["scorecard"]
    return {i["key"]: i for i in card["items"]}


async def _history(company: Company) -> dict[str, dict[str, Any]]:
    """2026-Q2 with sales actuals for lead (200) and emp (150); head has none."""
    cycles = await quarters(company, "2026-Q2", "2026-Q3")
    q2 = cycles["2026-Q2"]["id"]
    await plan(company, q2, "lead", [{**SALES, "target": 180}, CARE, VISITS], {"sales": 200})
    await plan(company, q2, "emp", [{**SALES, "target": 120}, CARE, VISITS], {"sales": 150})
    return cycles


async def test_a_relative_target_is_resolved_per_person_and_shown_with_its_base(
    company: Company,
) -> None:
    # given last quarter's actuals
    cycles = await _history(company)
    q2, q3 = cycles["2026-Q2"], cycles["2026-Q3"]["id"]

    # when HR sets emp's plan at +8 % on last quarter's sales
    done = await set_plan(company, q3, "emp", [_relative(0.08), CARE, VISITS])

    # then the target is 150 × 1.08, stored with its base
    assert done["errors"] == []
    item = (await _read(company, q3, "emp"))["sales"]
    assert item["target"] == pytest.approx(162.0)
    assert item["targetBase"] == {
        "relativeTo": "previous", "change": 0.08, "cycleId": str(q2["id"]), "period": "2026-Q2",
        "periodStart": q2["startsOn"], "periodEnd": q2["endsOn"], "actual": 150.0,
    }  # fmt: skip
    # and a number given later replaces both
    again = await set_plan(company, q3, "emp", [{**SALES, "target": 170}, CARE, VISITS])
    assert again["errors"] == []
    item = (await _read(company, q3, "emp"))["sales"]
    assert (item["target"], item["targetBase"]) == (170.0, None)


async def test_a_missing_base_names_the_person_and_the_item_and_writes_nothing(
    company: Company,
) -> None:
    # given head has no plan last quarter
    cycles = await _history(company)
    q3 = cycles["2026-Q3"]["id"]
    variables = {
        "cycle": q3,
        "unit": str(company.units["d1"]),
        "items": [_relative(0.1), CARE, VISITS],
    }

    # when HR assigns d1 (head, lead, emp) +10 % on last quarter
    refused = (await company.ok(ASSIGN, variables, as_user="hr"))["assignScorecardItems"]

    # then it is refused, naming head and the item; nobody got a plan
    assert [(e["code"], e["path"], e["detail"]) for e in refused["errors"]] == [
        ("INVALID", ["items", "0", "relative"], "no-base-actual")
    ]
    message = refused["errors"][0]["message"]
    assert "Head (N002)" in message
    assert "'sales'" in message
    assert "2026-Q2" in message
    assert "Lead" not in message
    assert "Emp" not in message
    assert nodes((await company.ok(REPORT, {"c": q3}, as_user="hr"))["planReport"]) == []

    # when head gets an override instead
    override = [{"employeeId": str(company.people["head"]), "key": "sales", "target": 99}]
    done = (await company.ok(ASSIGN, {**variables, "overrides": override}, as_user="hr"))[
        "assignScorecardItems"
    ]

    # then each gets their own target: head the override, the others +10 % on theirs
    assert done["errors"] == []
    targets = {who: (await _read(company, q3, who))["sales"] for who in ("head", "lead", "emp")}
    assert targets["head"]["target"] == 99
    assert targets["head"]["targetBase"] is None
    assert targets["lead"]["target"] == pytest.approx(220.0)
    assert targets["emp"]["target"] == pytest.approx(165.0)
    assert targets["lead"]["targetBase"]["actual"] == 200.0


async def test_without_a_period_to_compare_with_the_target_is_refused(company: Company) -> None:
    cycles = await _history(company)
    q3 = cycles["2026-Q3"]["id"]

    # when the target is relative to a year ago, and no 2025-Q3 was run
    refused = await set_plan(company, q3, "emp", [_relative(0.1, "YEAR_AGO"), CARE, VISITS])

    # then
    assert [(e["path"], e["detail"]) for e in refused["errors"]] == [
        (["items", "0", "relative"], "no-base-period")
    ]
    # a year ago, once there is such a quarter, with emp's actual in it
    year_ago = (await quarters(company, "2025-Q3"))["2025-Q3"]["id"]
    await plan(company, year_ago, "emp", [{**SALES, "target": 100}, CARE, VISITS], {"sales": 90})
    done = await set_plan(company, q3, "emp", [_relative(0.1, "YEAR_AGO"), CARE, VISITS])
    assert done["errors"] == []
    item = (await _read(company, q3, "emp"))["sales"]
    assert item["target"] == pytest.approx(99.0)
    assert item["targetBase"]["period"] == "2025-Q3"


@pytest.mark.parametrize(
    ("relative", "path"),
    [
        ({"relativeTo": "PREVIOUS", "change": -1}, ["items", "0", "relative", "change"]),
        ({"relativeTo": "PREVIOUS", "change": 0.1, "x": 1}, None),
    ],
)
async def test_a_bad_relative_target_is_a_payload_error(
    company: Company, relative: dict[str, Any], path: list[str] | None
) -> None:
    cycles = await _history(company)
    q3 = cycles["2026-Q3"]["id"]
    variables = {
        "cycle": q3, "employee": str(company.people["emp"]),
        "items": [{**SALES, "relative": relative}, CARE, VISITS],
    }  # fmt: skip
    from support.analytics import SET_ITEMS

    body = await company.raw(SET_ITEMS, variables, as_user="hr")
    if path is None:  # not the input type's shape: refused before the request runs
        assert "errors" in body
        return
    errors = body["data"]["setScorecardItems"]["errors"]
    assert [e["path"] for e in errors] == [path]
    both = await set_plan(company, q3, "emp", [{**_relative(0.1), "target": 5}, CARE, VISITS])
    assert [e["path"] for e in both["errors"]] == [["items", "0", "relative"]]


async def test_the_assignment_job_resolves_relative_targets_and_checks_them_first(
    company: Company, engine: AsyncEngine
) -> None:
    cycles = await _history(company)
    q3 = cycles["2026-Q3"]["id"]
    variables = {
        "cycle": q3,
        "unit": str(company.units["d1"]),
        "items": [_relative(0.08), CARE, VISITS],
    }

    # when HR starts it with head lacking a base: refused at once, no job
    refused = (await company.ok(START, variables, as_user="hr"))["startAssignScorecardItems"]
    assert refused["job"] is None
    assert [(e["path"], e["detail"]) for e in refused["errors"]] == [
        (["items", "0", "relative"], "no-base-actual")
    ]
    assert "Head (N002)" in refused["errors"][0]["message"]

    # when head has an override: the job runs and resolves each person's target
    override = [{"employeeId": str(company.people["head"]), "key": "sales", "target": 99}]
    started = (await company.ok(START, {**variables, "overrides": override}, as_user="hr"))[
        "startAssignScorecardItems"
    ]
    assert started["errors"] == []
    await drain(engine)
    job = (await company.ok(JOB, {"id": started["job"]["id"]}, as_user="hr"))["job"]
    assert job["status"] == "SUCCEEDED", job
    emp = (await _read(company, q3, "emp"))["sales"]
    assert emp["target"] == pytest.approx(162.0)
    assert emp["targetBase"]["actual"] == 150.0
    assert (await _read(company, q3, "head"))["sales"]["target"] == 99


async def test_a_kpi_librarys_suggested_relative_target_applies_when_no_target_is_given(
    company: Company,
) -> None:
    # given a library whose renewal rate suggests +5 % on the previous period
    library = copy.deepcopy(dict(load_builtin_templates().get("sales-kpis", 1).document))  # type: ignore[union-attr]
    library["key"] = "renewal-kpis"
    for indicator in library["indicators"]:
        if indicator["key"] == "renewal_rate":
            indicator["defaultRelativeTarget"] = {"relativeTo": "previous", "change": 0.05}
    published = await company.ok(PUBLISH, {"document": library}, as_user="hr")
    assert published["publishTemplate"]["errors"] == []
    renewal = {"library": "renewal-kpis@1", "indicator": "renewal_rate", "weight": 40}
    cycles = await quarters(company, "2026-Q2", "2026-Q3")
    q2, q3 = cycles["2026-Q2"]["id"], cycles["2026-Q3"]["id"]
    await plan(company, q2, "emp", [{**renewal, "target": 80}, CARE, VISITS], {"renewal_rate": 80})

    # when emp's next plan takes the indicator without a target
    done = await set_plan(company, q3, "emp", [renewal, CARE, VISITS])

    # then the library's suggestion is resolved on emp's last quarter; a target given wins
    assert done["errors"] == []
    item = (await _read(company, q3, "emp"))["renewal_rate"]
    assert item["target"] == pytest.approx(84.0)
    assert item["targetBase"]["relativeTo"] == "previous"
    given = await set_plan(company, q3, "emp", [{**renewal, "target": 90}, CARE, VISITS])
    assert given["errors"] == []
    item = (await _read(company, q3, "emp"))["renewal_rate"]
    assert (item["target"], item["targetBase"]) == (90.0, None)
