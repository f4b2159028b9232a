"""The first-party metric plugins (plugins/sales, plugins/rd, plugins/service) on the
demo tenant: the current quarter's plans hold their items, the demo's records feed
them, and each plugin computes a value for every such item from those records,
through the public SDK as ``refreshActuals`` runs it (``MetricContext`` +
``run_metric``); the closed quarter keeps the built-in libraries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from perfloop.demo import DEMO_TENANT
from perfloop.demo import context as demo_context
from perfloop.demo.context import current_quarter, first_party_plugins
from perfloop.demo.targets import PLAYBOOKS, PLUGIN_ITEMS, playbooks
from perfloop.plugins import Dataset, MetricContext, Period, discover, get_registry, run_metric
from perfloop.store.cycles import Cycle
from perfloop.store.datasets import DatasetRecord
from perfloop.store.identity import Tenant
from perfloop.store.org import Employee
from perfloop.store.plans import Actual, Scorecard, ScorecardItem
from perfloop.templates import load_builtin_templates

#: the fields the demo's datasets name subjects and dates by
FIELDS = {
    "customers": ("owner_email", "since"),
    "issues": ("assignee_email", "resolved_on"),
    "sales-orders": ("owner_email", "order_date"),
    "support-tickets": ("agent_email", "opened_at"),
}
#: what each plugin item's values may be
RANGES = {
    "churn_rate": (0, 100),
    "renewal_rate": (0, 100),
    "on_time_delivery_rate": (0, 100),
    "defect_escape_rate": (0, 100),
    "satisfaction": (1, 5),
}


async def _plugin_items(session: AsyncSession, period: str) -> list[Any]:
    rows = await session.execute(
        select(ScorecardItem.key, ScorecardItem.source, Employee.email)
        .join(Scorecard, Scorecard.id == ScorecardItem.scorecard_id)
        .join(Cycle, Cycle.id == Scorecard.cycle_id)
        .join(Employee, Employee.id == Scorecard.employee_id)
        .join(Tenant, Tenant.id == Cycle.tenant_id)
        .where(Tenant.slug == DEMO_TENANT, Cycle.period == period)
    )
    return [r for r in rows.all() if (r.source or {}).get("type") == "plugin"]


async def _datasets(session: AsyncSession) -> dict[str, Dataset]:
    rows = await session.execute(
        select(DatasetRecord.dataset_key, DatasetRecord.data)
        .join(Tenant, Tenant.id == DatasetRecord.tenant_id)
        .where(Tenant.slug == DEMO_TENANT, DatasetRecord.dataset_key.in_(FIELDS))
    )
    records: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for key, data in rows.all():
        records[key].append(data)
    return {
        key: Dataset(key, subject, date, records[key], lowercase_subject=True)
        for key, (subject, date) in FIELDS.items()
    }


def test_the_first_party_plugins_are_installed_with_their_templates() -> None:
    usable, missing = first_party_plugins()
    assert usable == {"sales", "rd", "service"}
    assert not missing
    builtins = load_builtin_templates()
    for ref in ("sales-metrics@1", "rd-metrics@1", "service-metrics@1", "customers@1", "issues@1"):
        key, version = ref.split("@")
        assert builtins.resolve(key, int(version)) is not None, ref


async def test_the_plugins_compute_the_current_quarter_s_items(session: AsyncSession) -> None:
    quarter = current_quarter(dt.date.today())
    items = await _plugin_items(session, quarter.label)
    by_metric: dict[tuple[str, str], set[str]] = defaultdict(set)
    for item in items:
        by_metric[(item.source["plugin"], item.source["metric"])].add(item.email)
    # sales people, engineers and agents: every plugin item of the playbooks is planned
    planned = {(p, i.indicator) for p, _, chosen in PLUGIN_ITEMS.values() for i in chosen}
    assert set(by_metric) == planned
    datasets = await _datasets(session)
    period = Period(quarter.starts_on, quarter.ends_on)
    registry = get_registry()
    for (plugin, key), subjects in sorted(by_metric.items()):
        provider = registry.provider(plugin, key)
        assert provider is not None
        context = MetricContext(
            tuple(sorted(subjects)), period, {}, datasets, reads=provider.metric.reads
        )
        outcomes = await run_metric(provider.metric, context)
        low, high = RANGES[key]
        assert all(o.error is None for o in outcomes.values()), (key, outcomes)
        values = {s: o.value for s, o in outcomes.items() if o.value is not None}
        assert all(low <= v <= high for v in values.values()), (key, values)
        # the demo's customers and issues give every salesperson and engineer a base to
        # rate; an agent's tickets of a quarter's first days may not be rated yet
        if plugin != "service":
            assert set(values) == subjects, key
        assert len(set(values.values())) > 1, f"{key}: every {plugin} person has one value"


async def test_the_demo_refresh_stored_the_plugins_actuals_with_their_provenance(
    session: AsyncSession,
) -> None:
    # the demo's own refreshActuals computed the plugin items: a value (or, for an agent
    # with no rated ticket yet, an empty one) and no error, each saying where it came from
    quarter = current_quarter(dt.date.today())
    rows = (
        await session.execute(
            select(ScorecardItem.source, Actual.value, Actual.error, Actual.provenance)
            .join(Actual, Actual.item_id == ScorecardItem.id)
            .join(Scorecard, Scorecard.id == ScorecardItem.scorecard_id)
            .join(Cycle, Cycle.id == Scorecard.cycle_id)
            .join(Tenant, Tenant.id == Cycle.tenant_id)
            .where(Tenant.slug == DEMO_TENANT, Cycle.period == quarter.label)
        )
    ).all()
    plugin_rows = [r for r in rows if (r.source or {}).get("type") == "plugin"]
    assert plugin_rows
    assert all(r.error is None for r in plugin_rows), [r.error for r in plugin_rows if r.error]
    assert sum(r.value is not None for r in plugin_rows) > len(plugin_rows) * 0.9
    for row in plugin_rows:
        source = row.source
        assert row.provenance["provider"] == f"{source['plugin']}.{source['metric']}"
        assert row.provenance["version"]
        # from the first day of the records read: the quarter, the one before it for a
        # metric reading growth (Period.previous), nothing for one reading all history
        provider = get_registry().provider(source["plugin"], source["metric"])
        assert provider is not None
        period = Period(quarter.starts_on, dt.date.fromisoformat(row.provenance["to"]))
        before = period.previous().start
        firsts = {"period": quarter.starts_on.isoformat(), "previous": before.isoformat()}
        histories = [r.history for r in provider.metric.reads] or ["period"]
        expected = None if "all" in histories else min(firsts[h] for h in histories)
        assert row.provenance["from"] == expected


async def test_the_closed_quarter_keeps_the_built_in_libraries(session: AsyncSession) -> None:
    closed = current_quarter(current_quarter(dt.date.today()).starts_on - dt.timedelta(days=1))
    assert await _plugin_items(session, closed.label) == []


def test_without_the_plugins_the_playbooks_are_the_built_in_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(demo_context, "get_registry", lambda: discover(found=[]))
    usable, missing = first_party_plugins()
    assert not usable
    assert missing == {"sales", "rd", "service"}
    assert playbooks(usable) == PLAYBOOKS
