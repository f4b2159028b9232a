"""Every score a plan read shows is its scoring template's: a published scoring
template with its own item, KPI, completion, total, rating and incentive formulas,
installed in an app, decides what `scorecard`, `teamScorecards` and `planReport`
show — nothing is recomputed with the standard scheme's rules."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from support.scoring import cycle_with_scoring

if TYPE_CHECKING:
    from support.company import Company

INSTALL = """
mutation($app: String!, $parameters: JSON, $unit: ID) {
  installApp(app: $app, parameters: $parameters, orgUnit: $unit) {
    installedApp { id } errors { code message path detail }
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
    scorecard { items { id key } } errors { code message path detail }
  }
}"""
ENTER = """
mutation($item: ID!, $value: Float) {
  enterActual(item: $item, value: $value) { errors { code message } }
}"""
CARD = "scoringRef completion score total rating multiplier items { key completion score }"
READ = f"""
query($employee: ID!, $cycle: ID!) {{ scorecard(employee: $employee, cycle: $cycle) {{ {CARD} }} }}
"""
TEAM = f"""
query($cycle: ID!) {{
  teamScorecards(cycle: $cycle) {{ edges {{ node {{ employeeId {CARD} }} }} }}
}}"""
REPORT = """
query($cycle: ID!) {
  planReport(cycle: $cycle, groupBy: [INDICATOR]) {
    edges { node { indicatorKey items completion behind } }
  }
}"""

_keys = itertools.count()


def _text(en: str) -> dict[str, str]:
    return {"zh-CN": en, "en": en}


def odd_scoring(key: str) -> dict[str, Any]:
    """A scoring template unlike the standard one in every formula a read shows."""
    return {
        "kind": "scoring",
        "key": key,
        "version": 1,
        "title": _text("Odd scoring"),
        "parameters": {
            "schema": {"type": "object", "properties": {"odd_bonus": {"type": "object"}}},
            "defaults": {"odd_bonus": {"low": 0.5, "mid": 1, "high": 2}},
        },
        "item": {
            # completion to one decimal; the score squares it
            "completion": "ROUND(COMPLETION(actual, target, direction), 1)",
            "score": "completion * completion * 50",
        },
        "weights": {
            "rules": [
                {
                    "key": "sum",
                    "scope": "scorecard",
                    "rule": "ABS(SUM(items, weight) - 100) < 0.000001",
                    "message": _text("Item weights must sum to 100"),
                }
            ]
        },
        "completion": "AVG(items, completion)",  # unweighted
        "kpi": "MAX(items, score)",  # the best item, not a weighted sum
        "sections": [{"key": "kpi", "title": _text("KPIs"), "weight": 100, "score": "kpi"}],
        "total": "MAX(sections, score) + 1",
        "rating": {
            "formula": 'BAND(total, [40, 80], ["low", "mid", "high"])',
            "bands": [
                {"key": "low", "title": _text("Low")},
                {"key": "mid", "title": _text("Middle")},
                {"key": "high", "title": _text("High")},
            ],
        },
        "incentive": {"multiplier": "FIELD(params.odd_bonus, rating)"},
    }


async def _odd_cycle(company: Company) -> str:
    """Publish the odd scoring template and an app that uses it, install the app
    tenant-wide and open a cycle from it."""
    return await cycle_with_scoring(
        company, odd_scoring(f"odd-scoring-{next(_keys)}"), period="2026-Q4"
    )


TWO = [
    {"key": "a", "title": "A", "target": 100, "weight": 50},
    {"key": "b", "title": "B", "target": 200, "weight": 50},
]


async def _plan(
    company: Company,
    cycle: str,
    who: str,
    actuals: dict[str, float],
    items: list[dict[str, Any]] = TWO,
) -> None:
    variables = {"cycle": cycle, "employee": str(company.people[who]), "items": items}
    data = await company.ok(SET_ITEMS, variables, as_user="hr")
    assert data["setScorecardItems"]["errors"] == []
    for item in data["setScorecardItems"]["scorecard"]["items"]:
        if item["key"] in actuals:
            entered = await company.ok(
                ENTER, {"item": item["id"], "value": actuals[item["key"]]}, as_user="hr"
            )
            assert entered["enterActual"]["errors"] == []


def _expected(ref: str) -> dict[str, Any]:
    """emp's plan by the odd template, computed by hand: a 87 of 100, b 300 of 200."""
    a, b = 0.9, 1.5  # ROUND(0.87, 1), ROUND(1.5, 1)
    best = max(a * a * 50, b * b * 50)
    return {
        "scoringRef": ref,
        "completion": (a + b) / 2,
        "score": best,
        "total": best + 1,
        "rating": "high",
        "multiplier": 2,
        "items": [
            {"key": "a", "completion": a, "score": a * a * 50},
            {"key": "b", "completion": b, "score": b * b * 50},
        ],
    }


async def test_every_plan_read_shows_the_templates_scores(company: Company) -> None:
    # given an app whose scoring template squares completion, keeps the best item,
    # adds one to the total and names its own bands
    cycle = await _odd_cycle(company)
    ref = f"odd-scoring-{next(_keys) - 1}@1"
    # and two plans: emp with both actuals, other with one item still without an actual
    await _plan(company, cycle, "emp", {"a": 87, "b": 300})
    await _plan(company, cycle, "other", {"a": 50})
    # when HR reads emp's plan
    card = await company.ok(
        READ, {"employee": str(company.people["emp"]), "cycle": cycle}, as_user="hr"
    )
    # then every number is the template's
    assert card["scorecard"] == _expected(ref)
    # when HR reads the team view
    team = await company.ok(TEAM, {"cycle": cycle}, as_user="hr")
    nodes = {n["employeeId"]: n for n in (e["node"] for e in team["teamScorecards"]["edges"])}
    # then it shows the same numbers
    emp = dict(nodes[str(company.people["emp"])])
    del emp["employeeId"]
    assert emp == _expected(ref)
    # and a plan with an unscored item: the KPI part waits, the template's total does not
    # (MAX skips the null item: 0.5 * 0.5 * 50 + 1), its band is the template's
    other = nodes[str(company.people["other"])]
    assert other["items"] == [
        {"key": "a", "completion": 0.5, "score": 0.5 * 0.5 * 50},
        {"key": "b", "completion": None, "score": None},
    ]
    assert other["score"] is None
    assert other["completion"] == 0.5
    assert other["total"] == 0.5 * 0.5 * 50 + 1
    assert (other["rating"], other["multiplier"]) == ("low", 0.5)
    # when HR reads the report by indicator
    report = await company.ok(REPORT, {"cycle": cycle}, as_user="hr")
    rows = {r["node"]["indicatorKey"]: r["node"] for r in report["planReport"]["edges"]}
    # then completion is the template's item completion (rounded to one decimal),
    # weighted by item weight across the plans that have one
    assert rows["a"]["completion"] == (50 * 0.9 + 50 * 0.5) / 100
    assert rows["b"]["completion"] == 1.5
    assert (rows["a"]["items"], rows["b"]["items"]) == (2, 2)


async def test_the_standard_template_still_gives_the_standard_scores(company: Company) -> None:
    # given the built-in app (standard-scoring@1) installed tenant-wide
    installed = await company.ok(INSTALL, {"app": "standard-performance@1"}, as_user="hr")
    assert installed["installApp"]["errors"] == []
    opened = await company.ok(
        OPEN, {"app": installed["installApp"]["installedApp"]["id"]}, as_user="hr"
    )
    cycle = opened["openCycle"]["cycle"]["id"]
    # and a plan at 87%, 150% and 50% of its targets (weights within 5 to 40)
    items = [
        {"key": "a", "title": "A", "target": 100, "weight": 40},
        {"key": "b", "title": "B", "target": 200, "weight": 30},
        {"key": "c", "title": "C", "target": 10, "weight": 30},
    ]
    await _plan(company, cycle, "emp", {"a": 87, "b": 300, "c": 5}, items)
    # when it is read
    card = await company.ok(
        READ, {"employee": str(company.people["emp"]), "cycle": cycle}, as_user="hr"
    )
    # then items score completion x 100 (0 below 60%, capped at 120), the KPI part is
    # their weighted sum, the total the KPI part alone (no review during the cycle)
    kpi = (40 * (0.87 * 100) + 30 * 120 + 30 * 0) / 100
    assert card["scorecard"] == {
        "scoringRef": "standard-scoring@1",
        "completion": (40 * 0.87 + 30 * 1.5 + 30 * 0.5) / 100,
        "score": kpi,
        "total": round(kpi, 2),
        "rating": "B",
        "multiplier": 1.0,
        "items": [
            {"key": "a", "completion": 0.87, "score": 0.87 * 100},
            {"key": "b", "completion": 1.5, "score": 120},
            {"key": "c", "completion": 0.5, "score": 0},
        ],
    }
