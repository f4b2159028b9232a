"""Metric plugins in refreshActuals: a KPI library naming plugin metrics, plans using
it, and a refresh that values the good ones, marks each faulty one (raising, too slow,
answering garbage, missing a subject, not installed, given bad parameters) as failed
with its message, leaves the rest alone, caches the plugin's answers until the data it
reads changes, and keeps every computed actual's provenance."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from perfloop import paths
from perfloop.authz import EnforcerCache
from perfloop.plugins import (
    MetricContext,
    MetricError,
    Period,
    Plugin,
    Reads,
    get_registry,
    metric,
)
from perfloop.services import plans
from perfloop.services.core.caller import resolve_caller
from perfloop.store.plans import Actual, MetricCacheEntry
from support.actuals import ingest, last_quarter, open_cycle, order
from support.company import Company
from support.results import drain

PLUGIN = "acme"
VERSION = "1.2.3"
SET_ITEMS = """
mutation($cycle: ID!, $employee: ID!, $items: [ScorecardItemInput!]!) {
  setScorecardItems(cycle: $cycle, employee: $employee, items: $items) {
    scorecard { items { id key } } errors { message path }
  }
}"""
PUBLISH = """
mutation($document: JSON!) {
  publishTemplate(document: $document) { template { version } errors { message path } }
}"""
REFRESH = """
mutation($cycle: ID!) {
  refreshActuals(cycle: $cycle) {
    updated overridden failed { item scorecard key message } errors { code message }
  }
}"""
ENTER = """
mutation($item: ID!, $value: Float, $override: Boolean! = false, $note: String) {
  enterActual(item: $item, value: $value, override: $override, note: $note) {
    actual { value source } errors { code message path detail }
  }
}"""
READ = """
query($employee: ID!, $cycle: ID!) {
  scorecard(employee: $employee, cycle: $cycle) { items { key actual actualSource actualError } }
}"""


class Acme:
    """A test plugin's metrics, counting how often each is computed."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.release = threading.Event()  # lets the hanging metric's thread end

    def plugin(self) -> Plugin:
        calls, release = self.calls, self.release

        @metric(
            key="revenue", title="Revenue", unit="CNY", direction="higher",
            params={"type": "object", "properties": {"status": {"type": "string"}},
                    "additionalProperties": False},
            reads=[Reads("sales-orders")],
        )  # fmt: skip
        def revenue(context: MetricContext) -> Mapping[str, Any]:
            calls["revenue"] += 1
            status = context.params.get("status", "paid")
            return {
                s: float(sum(o["amount"] for o in orders if o["status"] == status))
                for s, orders in context.by_subject("sales-orders").items()
            }

        @metric(key="broken", title="Broken", unit="count", direction="higher")
        def broken(context: MetricContext) -> Mapping[str, Any]:
            calls["broken"] += 1
            raise RuntimeError("boom")

        @metric(key="slow", title="Slow", unit="count", direction="higher", timeout=0.2)
        def slow(context: MetricContext) -> Mapping[str, Any]:
            calls["slow"] += 1
            release.wait(10)
            return dict.fromkeys(context.subjects, 1.0)

        @metric(key="sleepy", title="Sleepy", unit="count", direction="higher")
        def sleepy(context: MetricContext) -> Mapping[str, Any]:
            release.wait(10)
            return dict.fromkeys(context.subjects, 1.0)

        @metric(key="garbage", title="Garbage", unit="count", direction="higher")
        def garbage(context: MetricContext) -> Any:
            return "lots"

        @metric(
            key="partial", title="Partial", unit="count", direction="higher",
            reads=[Reads("sales-orders", history="all")],
        )  # fmt: skip
        def partial(context: MetricContext) -> Mapping[str, Any]:
            calls["partial"] += 1
            return {s: 7.0 for s in context.subjects if s.startswith("emp@")}

        @metric(
            key="orders", title="Orders", unit="count", direction="higher",
            reads=["sales-orders"],
        )  # fmt: skip
        async def orders(context: MetricContext) -> Mapping[str, Any]:
            calls["orders"] += 1
            await asyncio.sleep(0)
            counted = await context.aggregate({"dataset": "sales-orders", "op": "count"})
            seen = context.by_subject("sales-orders")
            return {
                s: MetricError("records and count disagree")
                if counted[s] != len(seen[s])
                else counted[s]
                for s in context.subjects
            }

        @metric(
            key="grown", title="Grown", unit="count", direction="higher",
            reads=[Reads("sales-orders", history="previous")],
        )  # fmt: skip
        def grown(context: MetricContext) -> Mapping[str, Any]:
            return {s: float(len(o)) for s, o in context.by_subject("sales-orders").items()}

        @metric(key="sneaky", title="Sneaky", unit="count", direction="higher",
                reads=["sales-orders"])  # fmt: skip
        async def sneaky(context: MetricContext) -> Mapping[str, Any]:
            return await context.aggregate({"dataset": "support-tickets", "op": "count"})

        @metric(key="mixed", title="Mixed", unit="count", direction="higher",
                reads=["sales-orders", "acme-units"])  # fmt: skip
        def mixed(context: MetricContext) -> Mapping[str, Any]:
            return dict.fromkeys(context.subjects, 1.0)

        @metric(key="patient", title="Patient", unit="count", direction="higher", timeout=3600)
        def patient(context: MetricContext) -> Mapping[str, Any]:
            release.wait(10)
            return dict.fromkeys(context.subjects, 1.0)

        return Plugin(
            name=PLUGIN, title="Acme",
            metrics=[revenue, broken, slow, sleepy, garbage, partial, orders, grown, sneaky,
                     mixed, patient],
        )  # fmt: skip


@pytest.fixture
def acme() -> Iterator[Acme]:
    """The plugin ``acme`` registered in this process's registry for one test."""
    made = Acme()
    registry = get_registry()
    registry.register(made.plugin(), version=VERSION, distribution="acme-metrics")
    try:
        yield made
    finally:
        made.release.set()
        registry.unregister(PLUGIN)


def _indicator(key: str, source: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": key, "name": {"zh-CN": key, "en": key}, "unit": "count", "direction": "higher",
        "aggregation": "sum", "period": "quarter", "category": "customer", "source": source,
    }  # fmt: skip


def _plugin(name: str, params: dict[str, Any] | None = None, plugin: str = PLUGIN) -> Any:
    source = {"type": "plugin", "plugin": plugin, "metric": name}
    return source if params is None else {**source, "params": params}


LIBRARY = {
    "good": _plugin("revenue", {"status": "paid"}),
    "refunds": _plugin("revenue", {"status": "refunded"}),
    "raising": _plugin("broken"),
    "hanging": _plugin("slow"),
    "sleepy": _plugin("sleepy"),
    "garbage": _plugin("garbage"),
    "partial": _plugin("partial"),
    "orders": _plugin("orders"),
    "missing": _plugin("churn", plugin="nowhere"),
    "unknown_metric": _plugin("nothing"),
    "bad_params": _plugin("revenue", {"status": 5}),
    "paid": {"type": "dataset", "dataset": "sales-orders@1", "op": "sum", "field": "amount",
             "filter": [{"field": "status", "op": "eq", "value": "paid"}]},
    "good_k": {"type": "formula", "formula": "good / 1000"},
}  # fmt: skip
#: more, used by one test only
MORE = {k: _plugin(k) for k in ("grown", "sneaky", "mixed", "patient")}


async def _library(company: Company, keys: list[str]) -> str:
    document = {
        "kind": "kpi-library", "key": f"acme-kpis-{company.slug}", "version": 1,
        "title": {"zh-CN": "Acme", "en": "Acme"},
        "indicators": [_indicator(k, {**LIBRARY, **MORE}[k]) for k in keys],
    }  # fmt: skip
    # published while acme is not installed on this node (an upgrade under way): its
    # sources are warnings then, so the parameters acme would refuse are stored as well,
    # and the refresh is what finds them wrong
    registry = get_registry()
    installed = registry.unregister(PLUGIN)
    try:
        published = await company.ok(PUBLISH, {"document": document}, as_user="hr")
    finally:
        registry.register(installed, version=VERSION, distribution="acme-metrics")
    assert published["publishTemplate"]["errors"] == []
    return f"{document['key']}@1"


async def _plans(
    company: Company, keys: list[str], people: tuple[str, ...] = ("emp", "other")
) -> tuple[str, tuple[dt.date, dt.date], dict[str, dict[str, int]]]:
    """Last quarter's cycle, a plan with every indicator of ``keys`` for each of
    ``people``, and their orders; returns the cycle, the quarter and the item ids."""
    ref = await _library(company, keys)
    period, start, end = last_quarter()
    cycle = await open_cycle(company, period)
    ids: dict[str, dict[str, int]] = {}
    weight = 100 / len(keys)
    for who in people:
        items = [{"library": ref, "indicator": k, "target": 10, "weight": weight} for k in keys]
        variables = {"cycle": cycle, "employee": str(company.people[who]), "items": items}
        data = await company.ok(SET_ITEMS, variables, as_user="hr")
        assert data["setScorecardItems"]["errors"] == []
        ids[who] = {i["key"]: int(i["id"]) for i in data["setScorecardItems"]["scorecard"]["items"]}
    await ingest(company, "sales-orders", [
        order(company.email("emp"), start, 100),
        order(company.email("emp"), start + dt.timedelta(days=3), 50),
        order(company.email("emp"), start, 30, status="refunded"),
        order(company.email("emp"), start - dt.timedelta(days=1), 999),  # before the quarter
        order(company.email("other"), end, 20),
    ])  # fmt: skip
    return cycle, (start, end), ids


async def _refresh(company: Company, cycle: str, as_user: str = "hr") -> dict[str, Any]:
    data = (await company.ok(REFRESH, {"cycle": cycle}, as_user=as_user))["refreshActuals"]
    assert data["errors"] == []
    return dict(data)


async def _actuals(sessions: async_sessionmaker[AsyncSession], ids: list[int]) -> dict[int, Any]:
    async with sessions() as session:
        rows = await session.execute(select(Actual).where(Actual.item_id.in_(ids)))
        return {r.item_id: r for r in rows.scalars()}


async def test_plugin_actuals_faults_and_provenance(
    company: Company, sessions: async_sessionmaker[AsyncSession], acme: Acme
) -> None:
    # given plans whose items name good, faulty and missing plugin metrics, a dataset
    # aggregation and a formula over a plugin's value
    keys = [k for k in LIBRARY if k != "sleepy"]
    cycle, (start, end), ids = await _plans(company, keys)
    # when HR refreshes
    refreshed = await _refresh(company, cycle)
    # then every computed item was written, and the faulty ones are listed with why
    assert refreshed["updated"] == 2 * len(keys)
    failed = {(f["key"], int(f["item"])): f["message"] for f in refreshed["failed"]}
    by_key: dict[str, set[str]] = {}
    for (key, _), message in failed.items():
        by_key.setdefault(key, set()).add(message)
    assert by_key == {
        "raising": {"the metric 'broken' failed: RuntimeError: boom"},
        "hanging": {"the metric 'slow' took longer than 0.2 s"},
        "garbage": {"the metric returned str, not a value per subject"},
        "partial": {"the metric 'partial' returned no value for this subject"},
        "missing": {"the metric plugin 'nowhere' is not installed"},
        "unknown_metric": {"the metric plugin 'acme' has no metric 'nothing'"},
        "bad_params": {"the parameters of acme.revenue are invalid: status: 5 is not of type "
                       "'string'"},
    }  # fmt: skip
    assert ("partial", ids["emp"]["partial"]) not in failed  # emp's value came back
    assert ("raising", ids["other"]["raising"]) in failed
    # and the good items have their values, each person's own
    for who, paid, refunded, count in (("emp", 150, 30, 3), ("other", 20, 0, 1)):
        read = await company.ok(
            READ, {"employee": str(company.people[who]), "cycle": cycle}, as_user="hr"
        )
        items = {i["key"]: i for i in read["scorecard"]["items"]}
        assert (items["good"]["actual"], items["good"]["actualSource"]) == (paid, "plugin")
        assert items["refunds"]["actual"] == refunded
        assert items["orders"]["actual"] == count
        assert items["paid"]["actual"] == paid
        assert items["good_k"]["actual"] == paid / 1000
        assert items["raising"]["actual"] is None
        assert items["raising"]["actualError"] == "the metric 'broken' failed: RuntimeError: boom"
        assert items["missing"]["actualError"] == "the metric plugin 'nowhere' is not installed"
    # and the stored rows: errors with an empty value, provenance for what was computed
    emp = ids["emp"]
    rows = await _actuals(sessions, list(emp.values()))
    assert (rows[emp["hanging"]].value, rows[emp["hanging"]].source) == (None, "plugin")
    assert rows[emp["hanging"]].error == "the metric 'slow' took longer than 0.2 s"
    quarter = {"from": start.isoformat(), "to": end.isoformat()}
    assert rows[emp["good"]].provenance == {
        "provider": "acme.revenue", "version": VERSION, "params": {"status": "paid"},
        **quarter, "datasets": ["sales-orders"], "cached": False,
    }  # fmt: skip
    assert rows[emp["paid"]].provenance == {
        "provider": "perfloop.dataset", "version": rows[emp["paid"]].provenance["version"],
        "params": {k: v for k, v in LIBRARY["paid"].items() if k != "type"},
        **quarter, "datasets": ["sales-orders"], "cached": False,
    }  # fmt: skip
    assert rows[emp["good_k"]].provenance["provider"] == "perfloop.formula"
    assert rows[emp["good_k"]].provenance["params"] == {"formula": "good / 1000"}
    assert rows[emp["raising"]].provenance["provider"] == "acme.broken"
    assert rows[emp["partial"]].provenance["from"] is None  # it reads all history
    assert rows[emp["missing"]].provenance is None


async def test_plugin_answers_are_cached_until_the_data_changes(
    company: Company, sessions: async_sessionmaker[AsyncSession], acme: Acme
) -> None:
    keys = ["good", "raising", "partial", "paid"]
    cycle, (start, _), ids = await _plans(company, keys)
    await _refresh(company, cycle)
    assert (acme.calls["revenue"], acme.calls["broken"], acme.calls["partial"]) == (1, 1, 1)
    async with sessions() as session:
        entries = (
            await session.execute(
                select(MetricCacheEntry.provider, MetricCacheEntry.subject, MetricCacheEntry.value)
            )
        ).all()
    # only successful answers are kept: revenue for both, partial for emp only
    mine = {(p, s, v) for p, s, v in entries if s.endswith(f"@{company.slug}.test")}
    assert mine == {
        ("acme.revenue", company.email("emp"), 150), ("acme.revenue", company.email("other"), 20),
        ("acme.partial", company.email("emp"), 7),
    }  # fmt: skip
    # when the refresh runs again on the same data, revenue comes from the cache; a
    # failure is tried again, and so is a group with a subject that failed
    again = await _refresh(company, cycle)
    assert (acme.calls["revenue"], acme.calls["broken"], acme.calls["partial"]) == (1, 2, 2)
    assert {f["key"] for f in again["failed"]} == {"raising", "partial"}
    rows = await _actuals(sessions, [ids["emp"]["good"], ids["emp"]["partial"]])
    assert rows[ids["emp"]["good"]].value == 150
    assert rows[ids["emp"]["good"]].provenance["cached"] is True
    assert rows[ids["emp"]["partial"]].provenance["cached"] is False
    # when a new order arrives, the data changed: revenue is computed again
    await ingest(company, "sales-orders", [order(company.email("emp"), start, 1_000)])
    await _refresh(company, cycle)
    assert acme.calls["revenue"] == 2
    rows = await _actuals(sessions, [ids["emp"]["good"], ids["other"]["good"]])
    assert rows[ids["emp"]["good"]].value == 1_150
    assert rows[ids["emp"]["good"]].provenance["cached"] is False
    assert rows[ids["other"]["good"]].value == 20
    # and the cache answers once more
    await _refresh(company, cycle)
    assert acme.calls["revenue"] == 2


async def test_a_plugin_actual_is_overridden_not_entered(
    company: Company, sessions: async_sessionmaker[AsyncSession], acme: Acme
) -> None:
    cycle, _, ids = await _plans(company, ["good", "refunds", "paid"], people=("emp",))
    item = ids["emp"]["good"]
    # a plugin computes this item: typing it is refused, as for a dataset
    typed = await company.ok(ENTER, {"item": item, "value": 5}, as_user="lead")
    assert typed["enterActual"]["errors"][0]["detail"] == "computed-source"
    done = await company.ok(
        ENTER, {"item": item, "value": 5, "override": True, "note": "booked by hand"},
        as_user="lead",
    )  # fmt: skip
    assert done["enterActual"]["actual"] == {"value": 5, "source": "override"}
    # a refresh leaves the override, and computes the rest
    refreshed = await _refresh(company, cycle)
    assert (refreshed["updated"], refreshed["overridden"], refreshed["failed"]) == (2, 1, [])
    assert acme.calls["revenue"] == 1  # for the refunds only
    rows = await _actuals(sessions, [item])
    assert (rows[item].value, rows[item].source, rows[item].provenance) == (5, "override", None)


START = """
mutation($cycle: ID!) { startRefreshActuals(cycle: $cycle) { job { id } errors { message } } }"""
JOB = "query($id: ID!) { job(id: $id) { status result error { message } } }"


async def test_the_company_wide_job_reports_plugin_failures(
    company: Company, engine: AsyncEngine, acme: Acme
) -> None:
    # given plans in two departments with a good plugin item, a failing one and a missing one
    cycle, _, ids = await _plans(company, ["good", "raising", "missing"])
    # when HR refreshes the whole company as a job
    started = (await company.ok(START, {"cycle": cycle}, as_user="hr"))["startRefreshActuals"]
    assert started["errors"] == []
    await drain(engine)
    job = (await company.ok(JOB, {"id": started["job"]["id"]}, as_user="hr"))["job"]
    # then the job succeeded, and its result lists each failed item with its message
    assert (job["status"], job["error"]) == ("SUCCEEDED", None)
    result = job["result"]
    assert (result["updated"], result["failed"]) == (6, 4)
    assert sorted((f["item"], f["message"]) for f in result["failedItems"]) == sorted(
        (ids[who][key], message)
        for who in ("emp", "other")
        for key, message in (
            ("raising", "the metric 'broken' failed: RuntimeError: boom"),
            ("missing", "the metric plugin 'nowhere' is not installed"),
        )
    )
    # and the good items are valued, by one computation per part (department)
    for who, paid in (("emp", 150), ("other", 20)):
        read = await company.ok(
            READ, {"employee": str(company.people[who]), "cycle": cycle}, as_user="hr"
        )
        assert {i["key"]: i["actual"] for i in read["scorecard"]["items"]}["good"] == paid


async def test_the_refresh_limits_a_metric_without_its_own_timeout(
    company: Company, sessions: async_sessionmaker[AsyncSession], acme: Acme
) -> None:
    # given a plan with a metric that hangs and has no limit of its own
    cycle, _, ids = await _plans(company, ["sleepy", "good", "paid"], people=("emp",))
    # when the refresh is given a limit (the API and the job pass plugin_timeout_seconds)
    async with sessions() as session:
        hr = await resolve_caller(session, EnforcerCache(), company.slug, company.email("hr"))
        done = await plans.refresh_actuals(session, hr, int(cycle), plugin_timeout=0.1)
    # then that metric's item fails with the limit, and the others are computed
    assert [(f.item_id, f.message) for f in done.failed] == [
        (ids["emp"]["sleepy"], "the metric 'sleepy' took longer than 0.1 s")
    ]
    rows = await _actuals(sessions, list(ids["emp"].values()))
    assert rows[ids["emp"]["good"]].value == 150


async def test_a_metric_reads_only_what_it_declares_within_the_refresh_s_limit(
    company: Company, sessions: async_sessionmaker[AsyncSession], acme: Acme
) -> None:
    # given a dataset naming its subjects by org unit, and metrics reading the quarter
    # before too, aggregating a dataset they do not declare, reading datasets that name
    # their subjects differently, and hanging with a limit of an hour
    units = json.loads((paths.builtin_templates_dir() / "datasets/projects.v1.json").read_text())
    units.update(key="acme-units", subjectType="org-unit")
    published = await company.ok(PUBLISH, {"document": units}, as_user="hr")
    assert published["publishTemplate"]["errors"] == []
    keys = ["grown", "sneaky", "mixed", "patient"]
    cycle, (start, end), ids = await _plans(company, keys, people=("emp",))
    # when the refresh runs with a limit of 0.1 s (the plugin_timeout_seconds setting)
    async with sessions() as session:
        hr = await resolve_caller(session, EnforcerCache(), company.slug, company.email("hr"))
        done = await plans.refresh_actuals(session, hr, int(cycle), plugin_timeout=0.1)
    # then the setting is the ceiling of the metric's own limit, the undeclared
    # aggregation and the disagreeing datasets fail with why
    emp = ids["emp"]
    assert sorted((f.item_id, f.message) for f in done.failed) == sorted([
        (emp["patient"], "the metric 'patient' took longer than 0.1 s"),
        (emp["sneaky"], "the metric 'sneaky' failed: PluginUsageError: the metric aggregates "
                        "'support-tickets' without declaring it in reads"),
        (emp["mixed"], "acme.mixed reads datasets naming their subjects differently: "
                       "sales-orders (employee-email), acme-units (org-unit)"),
    ])  # fmt: skip
    # and the provenance of a metric reading the quarter before starts with that quarter
    rows = await _actuals(sessions, [emp["grown"]])
    assert rows[emp["grown"]].value == 4  # the quarter's three orders and the one before
    first = Period(start, end).previous().start
    assert (rows[emp["grown"]].provenance["from"], rows[emp["grown"]].provenance["to"]) == (
        first.isoformat(),
        end.isoformat(),
    )
