"""Helpers for the analytics tests: one install of the standard app with quarters
opened from it, plans set and actuals entered as HR through the API."""

from __future__ import annotations

from typing import Any

from support.company import Company

APPS = "query { installedApps { id } }"
INSTALL = """
mutation { installApp(app: "standard-performance@1") { installedApp { id } errors { message } } }
"""
OPEN = """
mutation($app: ID!, $period: String!) {
  openCycle(app: $app, cycle: "quarterly-review", period: $period) {
    cycle { id startsOn endsOn } errors { message }
  }
}"""
ERRORS = "errors { code message path detail }"
SET_ITEMS = f"""
mutation($cycle: ID!, $employee: ID!, $items: [ScorecardItemInput!]!) {{
  setScorecardItems(cycle: $cycle, employee: $employee, items: $items) {{
    scorecard {{ id items {{ id key target targetBase {{ relativeTo change period actual }} }} }}
    {ERRORS}
  }}
}}"""
ENTER = f"""
mutation($item: ID!, $value: Float, $start: Date, $end: Date) {{
  enterActual(item: $item, value: $value, periodStart: $start, periodEnd: $end) {{ {ERRORS} }}
}}"""


async def quarters(company: Company, *periods: str) -> dict[str, dict[str, Any]]:
    """Open these quarters of the tenant's one install (installed on first use); by
    period: ``{id, startsOn, endsOn}``."""
    installed = (await company.ok(APPS, as_user="hr"))["installedApps"]
    if installed:
        app = installed[0]["id"]
    else:
        app = (await company.ok(INSTALL, as_user="hr"))["installApp"]["installedApp"]["id"]
    out = {}
    for period in periods:
        opened = (await company.ok(OPEN, {"app": app, "period": period}, as_user="hr"))["openCycle"]
        assert opened["errors"] == [], opened["errors"]
        out[period] = opened["cycle"]
    return out


async def set_plan(
    company: Company, cycle: str, who: str, items: list[dict[str, Any]]
) -> dict[str, Any]:
    variables = {"cycle": cycle, "employee": str(company.people[who]), "items": items}
    payload: dict[str, Any] = (await company.ok(SET_ITEMS, variables, as_user="hr"))[
        "setScorecardItems"
    ]
    return payload


async def plan(
    company: Company,
    cycle: str,
    who: str,
    items: list[dict[str, Any]],
    actuals: dict[str, float],
    *,
    period: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """Set ``who``'s plan as HR and enter its actuals (the cycle's period unless
    ``period`` names another); returns the plan."""
    payload = await set_plan(company, cycle, who, items)
    assert payload["errors"] == [], payload["errors"]
    for item in payload["scorecard"]["items"]:
        if item["key"] in actuals:
            await enter(company, item["id"], actuals[item["key"]], period)
    card: dict[str, Any] = payload["scorecard"]
    return card


async def enter(
    company: Company, item: str, value: float, period: tuple[str, str] | None = None
) -> None:
    start, end = period or (None, None)
    variables = {"item": item, "value": value, "start": start, "end": end}
    entered = (await company.ok(ENTER, variables, as_user="hr"))["enterActual"]
    assert entered["errors"] == [], entered["errors"]
