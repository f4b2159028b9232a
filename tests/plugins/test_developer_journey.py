"""Issue 13's "done when", end to end: a developer scaffolds a plugin, edits nothing,
installs it; perfloop discovers it and its KPI library; HR puts its indicator in a plan;
records arrive; the refresh computes the actual; the scorecard and the explanation say
which plugin, in which version, computed it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from perfloop.plugins import discover
from perfloop.plugins.registry import use_registry
from perfloop.services.templates import sync_builtin_templates
from perfloop.store.templates import TemplateRecord
from perfloop.templates import load_builtin_templates
from support.actuals import ingest, last_quarter, open_cycle, order
from support.company import Company
from support.results import enter, publish, run, sign
from support.scaffold import NAME, entry_points_in

pytestmark = pytest.mark.slow

LIBRARY = f"{NAME}-metrics"
PLUGINS = """
{ metricPlugins { plugins { name version distribution builtin metrics { key } } broken { name } } }
"""
TEMPLATE = """
query($key: String!) { template(key: $key) { key version kind } }"""
SET_ITEMS = """
mutation($cycle: ID!, $employee: ID!, $items: [ScorecardItemInput!]!) {
  setScorecardItems(cycle: $cycle, employee: $employee, items: $items) {
    scorecard { id items { id key } } errors { message path }
  }
}"""
REFRESH = """
mutation($cycle: ID!) {
  refreshActuals(cycle: $cycle) { updated failed { key message } errors { message } }
}"""
CARD = """
query($e: ID!, $c: ID!) {
  scorecard(employee: $e, cycle: $c) {
    items { key actual actualSource actualError
            actualProvenance { provider version params from to datasets } }
  }
}"""
EXPLAIN = """
query($cycle: ID!, $employee: ID!) {
  result(cycle: $cycle, employee: $employee) {
    explanation(lang: EN) { items { key provenance } }
  }
}"""


@pytest.fixture(scope="module")
def discovered(installed: Path) -> Iterator[None]:
    """perfloop as it starts with the plugin installed: its registry finds the plugin,
    and the built-in templates include the plugin's KPI library."""
    with use_registry(discover(found=entry_points_in(installed))):
        load_builtin_templates.cache_clear()
        try:
            yield
        finally:
            load_builtin_templates.cache_clear()


async def test_a_scaffolded_plugin_reaches_the_scorecard(
    discovered: None,
    company: Company,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # given the plugin discovered: metricPlugins lists it, with its metric
    catalog = (await company.ok(PLUGINS, as_user="hr"))["metricPlugins"]
    assert catalog["broken"] == []
    listed = {p["name"]: p for p in catalog["plugins"]}
    assert listed[NAME] == {
        "name": NAME, "version": "0.1.0", "distribution": f"perfloop-{NAME}",
        "builtin": False, "metrics": [{"key": "orders_won"}],
    }  # fmt: skip
    # and perfloop's start-up sync stores its KPI library with the built-ins
    async with sessions() as session:
        await sync_builtin_templates(session)
    try:
        await _journey(company, engine, sessions)
    finally:
        # the session's database is shared: the plugin's library leaves with the plugin
        async with sessions() as session:
            await session.execute(
                delete(TemplateRecord).where(
                    TemplateRecord.tenant_id.is_(None), TemplateRecord.key == LIBRARY
                )
            )
            await session.commit()


async def _journey(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    template = (await company.ok(TEMPLATE, {"key": LIBRARY}, as_user="hr"))["template"]
    assert template == {"key": LIBRARY, "version": 1, "kind": "kpi-library"}
    # when HR assigns its indicator to emp's plan for last quarter
    period, start, end = last_quarter()
    cycle = await open_cycle(company, period)
    items = [
        {"library": f"{LIBRARY}@1", "indicator": "orders_won", "target": 2, "weight": 40},
        *({"key": k, "title": k, "target": 100, "weight": 30} for k in ("quality", "care")),
    ]
    variables = {"cycle": cycle, "employee": str(company.people["emp"]), "items": items}
    data = (await company.ok(SET_ITEMS, variables, as_user="hr"))["setScorecardItems"]
    assert data["errors"] == []
    plan_id = data["scorecard"]["id"]
    # and the orders arrive (the library counts paid orders of at least 1,000)
    emp = company.email("emp")
    await ingest(company, "sales-orders", [
        order(emp, start, 1_500), order(emp, start + dt.timedelta(days=9), 1_000),
        order(emp, end, 2_000), order(emp, end, 999), order(emp, end, 5_000, status="refunded"),
        order(emp, start - dt.timedelta(days=1), 3_000),  # the quarter before
    ])  # fmt: skip
    # and HR refreshes the actuals
    refreshed = (await company.ok(REFRESH, {"cycle": cycle}, as_user="hr"))["refreshActuals"]
    # then the plugin computed emp's actual
    assert (refreshed["errors"], refreshed["failed"], refreshed["updated"]) == ([], [], 1)
    card = await company.ok(CARD, {"e": str(company.people["emp"]), "c": cycle}, as_user="emp")
    item = next(i for i in card["scorecard"]["items"] if i["key"] == "orders_won")
    provenance: dict[str, Any] = {
        "provider": f"{NAME}.orders_won", "version": "0.1.0", "params": {"min_amount": 1000},
        "from": start.isoformat(), "to": end.isoformat(), "datasets": ["sales-orders"],
    }  # fmt: skip
    assert item == {
        "key": "orders_won", "actual": 3, "actualSource": "plugin", "actualError": None,
        "actualProvenance": provenance,
    }  # fmt: skip
    # and once the other items are entered and the plan scored and published, the
    # explanation names the plugin and its version
    for key in ("quality", "care"):
        await enter(company, cycle, "emp", key, 90)
    await sign(sessions, plan_id)
    assert (await run(company, engine, cycle))["result"]["scored"] == 1
    assert await publish(company, cycle) == 1
    variables = {"cycle": cycle, "employee": str(company.people["emp"])}
    explained = (await company.ok(EXPLAIN, variables, as_user="emp"))["result"]["explanation"]
    said = next(i for i in explained["items"] if i["key"] == "orders_won")
    assert said["provenance"].startswith(f"actual from {NAME}.orders_won 0.1.0, ")
    assert (
        f"data {start.isoformat()}..{end.isoformat()}, datasets sales-orders" in said["provenance"]
    )
