"""The goal gap report flags a gap larger than the app template's threshold
(``analytics.goalGapThreshold``, default 0.1 of the top-down target)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from perfloop.templates import load_builtin_templates
from support.analytics import quarters
from support.company import Company

PUBLISH = """
mutation($document: JSON!) {
  publishTemplate(document: $document) { template { version } errors { message path } }
}"""
INSTALL = """
mutation($app: String!) { installApp(app: $app) { installedApp { id } errors { message } } }"""
OPEN = """
mutation($app: ID!) { openCycle(app: $app, cycle: "quarterly-review", period: "2026-Q3") {
  cycle { id } errors { message } } }"""
CREATE = """
mutation($input: GoalInput!) { createGoal(input: $input) { goal { id } errors { message } } }"""
PROPOSE = """
mutation($goal: ID!, $amount: Float!, $unit: ID, $employee: ID) {
  proposeGoal(goal: $goal, amount: $amount, orgUnit: $unit, employee: $employee) {
    ok errors { message } } }"""
GAP = """
query($goal: ID!) { goalGapReport(goal: $goal) {
  threshold flagged gap lines { owner topDown bottomUp gap flagged } } }"""


async def _app_cycle(company: Company, analytics: dict[str, Any]) -> str:
    """A quarter of the standard app published again with ``analytics`` settings."""
    builtin = load_builtin_templates().get("standard-performance", 1)
    assert builtin is not None
    app = copy.deepcopy(dict(builtin.document))
    app["key"] = "gap-app"
    app["analytics"] = analytics
    published = (await company.ok(PUBLISH, {"document": app}, as_user="hr"))["publishTemplate"]
    assert published["errors"] == [], published["errors"]
    installed = (await company.ok(INSTALL, {"app": "gap-app@1"}, as_user="hr"))["installApp"]
    assert installed["errors"] == [], installed["errors"]
    opened = await company.ok(OPEN, {"app": installed["installedApp"]["id"]}, as_user="hr")
    return str(opened["openCycle"]["cycle"]["id"])


async def _report(company: Company, cycle: str) -> dict[str, Any]:
    """Revenue 1000: d1 600 (head offers 500), other 200 (offers 100)."""
    unit, people = company.units, company.people

    async def goal(**fields: Any) -> str:
        made = await company.ok(CREATE, {"input": {"cycleId": cycle, **fields}}, as_user="hr")
        assert made["createGoal"]["errors"] == []
        return str(made["createGoal"]["goal"]["id"])

    top = await goal(level="company", orgUnitId=str(unit["co"]), title="Revenue", target=1000)
    await goal(parentId=top, level="department", orgUnitId=str(unit["d1"]), title="d1",
               target=600)  # fmt: skip
    await goal(parentId=top, level="employee", employeeId=str(people["other"]), title="mine",
               target=200)  # fmt: skip
    for amount, who, owner in ((500, "head", {"unit": str(unit["d1"])}),
                               (100, "other", {"employee": str(people["other"])})):  # fmt: skip
        proposed = await company.ok(PROPOSE, {"goal": top, "amount": amount, **owner}, as_user=who)
        assert proposed["proposeGoal"]["errors"] == []
    report: dict[str, Any] = (await company.ok(GAP, {"goal": top}, as_user="hr"))["goalGapReport"]
    return report


async def test_a_gap_above_the_templates_threshold_is_flagged(company: Company) -> None:
    # given an app whose template tolerates a quarter of the target
    cycle = await _app_cycle(company, {"goalGapThreshold": 0.25})

    # when HR reads the gap report
    report = await _report(company, cycle)

    # then only the gap above 25 % of its top-down target is flagged
    assert report["threshold"] == 0.25
    assert [(line["gap"], line["flagged"]) for line in report["lines"]] == [
        (100, False),  # 100 of 600
        (100, True),  # 100 of 200
    ]
    assert (report["gap"], report["flagged"]) == (200, False)  # 200 of the goal's 1000


async def test_without_a_threshold_the_default_is_a_tenth(company: Company) -> None:
    cycle = (await quarters(company, "2026-Q3"))["2026-Q3"]["id"]
    report = await _report(company, cycle)
    assert report["threshold"] == pytest.approx(0.1)
    assert [line["flagged"] for line in report["lines"]] == [True, True]
    assert report["flagged"] is True


async def test_a_threshold_out_of_range_is_refused_when_the_app_is_published(
    company: Company,
) -> None:
    builtin = load_builtin_templates().get("standard-performance", 1)
    assert builtin is not None
    app = {**copy.deepcopy(dict(builtin.document)), "key": "bad-gap-app",
           "analytics": {"goalGapThreshold": -1}}  # fmt: skip
    published = (await company.ok(PUBLISH, {"document": app}, as_user="hr"))["publishTemplate"]
    assert published["template"] is None
    assert published["errors"][0]["path"][:2] == ["analytics", "goalGapThreshold"]
