"""The test kit plugin authors use: perfloop.testing runs a metric over records given in
the test, through run_metric's containment, with the datasets' fields from their
templates; check_plugin checks a plugin's shipped templates."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import pytest

from perfloop.plugins import (
    Dataset,
    MetricContext,
    MetricError,
    Period,
    Plugin,
    Reads,
    discover,
    metric,
)
from perfloop.plugins.builtin import DATASET, FORMULA
from perfloop.testing import check_plugin, dataset_for, run_metric_on

Q2 = ("2026-04-01", "2026-06-30")


def order(owner: str, day: str, amount: float, status: str = "paid") -> dict[str, Any]:
    return {
        "order_id": f"{owner}-{day}-{amount}",
        "owner_email": owner,
        "customer_id": "c1",
        "order_date": day,
        "amount": amount,
        "status": status,
    }


ORDERS = [
    order("Ann@Example.com", "2026-04-02", 100),
    order("ann@example.com", "2026-05-02", 50, "refunded"),
    order("bob@example.com", "2026-03-31", 70),
    order("bob@example.com", "2026-06-30", 30),
]


@metric(
    key="paid_revenue",
    title={"zh-CN": "回款", "en": "Paid revenue"},
    unit="CNY",
    direction="higher",
    reads=["sales-orders"],
    params={
        "type": "object",
        "properties": {"status": {"enum": ["paid", "refunded"]}},
        "additionalProperties": False,
    },
)
def paid_revenue(context: MetricContext) -> dict[str, float]:
    wanted = context.params.get("status", "paid")
    return {
        subject: float(sum(o["amount"] for o in orders if o["status"] == wanted))
        for subject, orders in context.by_subject("sales-orders").items()
    }


@metric(key="growth", title="Growth", unit="percent", direction="higher",
        reads=[Reads("sales-orders", history="previous")])  # fmt: skip
def growth(context: MetricContext) -> dict[str, float | MetricError]:
    out: dict[str, float | MetricError] = {}
    for subject, orders in context.by_subject("sales-orders").items():
        now = sum(o["amount"] for o in orders if context.in_period("sales-orders", o))
        before = sum(o["amount"] for o in orders) - now
        out[subject] = MetricError("no sales before") if not before else now / before * 100 - 100
    return out


def test_values_per_subject_with_the_template_s_fields() -> None:
    values = run_metric_on(
        paid_revenue,
        records={"sales-orders": ORDERS},
        subjects=["ann@example.com", "bob@example.com", "cy@example.com"],
        period=Q2,
    )

    assert values == {"ann@example.com": 100.0, "bob@example.com": 30.0, "cy@example.com": 0.0}


def test_the_fixture_is_installed_with_perfloop(metric_runner: Any) -> None:
    assert metric_runner is run_metric_on


def test_subjects_default_to_those_of_the_records_and_params_reach_the_metric() -> None:
    values = run_metric_on(
        paid_revenue,
        records={"sales-orders@1": ORDERS},
        period=Period(dt.date(2026, 4, 1), dt.date(2026, 6, 30)),
        params={"status": "refunded"},
    )

    assert values == {"ann@example.com": 50.0, "bob@example.com": 0.0}


def test_history_previous_and_errors_come_back_with_their_message() -> None:
    values = run_metric_on(growth, records={"sales-orders": ORDERS}, period=Q2)

    assert values["bob@example.com"] == pytest.approx(30 / 70 * 100 - 100)
    assert values["ann@example.com"] == MetricError("no sales before")
    error = values["ann@example.com"]
    assert isinstance(error, MetricError)
    assert error.message == "no sales before"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"status": "lost"}, "params of metric 'paid_revenue' do not fit its schema: /status: "),
        ({"limit": 3}, "/: Additional properties are not allowed ('limit' was unexpected)"),
    ],
)
def test_params_are_checked_against_the_schema_first(params: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run_metric_on(paid_revenue, records={}, subjects=["a"], period=Q2, params=params)


def test_a_metric_that_hangs_or_raises_is_contained() -> None:
    @metric(key="slow", title="Slow", unit="count", direction="higher")
    def slow(context: MetricContext) -> dict[str, float]:
        time.sleep(1)
        return {}

    @metric(key="broken", title="Broken", unit="count", direction="higher")
    def broken(context: MetricContext) -> dict[str, float]:
        return {"a": 1 / 0}

    assert run_metric_on(slow, subjects=["a"], period=Q2, timeout=0.1) == {
        "a": MetricError("the metric 'slow' took longer than 0.1 s")
    }
    assert run_metric_on(broken, subjects=["a"], period=Q2) == {
        "a": MetricError("the metric 'broken' failed: ZeroDivisionError: division by zero")
    }


async def test_it_runs_from_an_async_test_too() -> None:
    values = run_metric_on(paid_revenue, records={"sales-orders": ORDERS}, period=Q2)

    assert values["bob@example.com"] == 30.0


def test_builtin_metrics_run_the_same_way() -> None:
    source = {"dataset": "sales-orders@1", "op": "sum", "field": "amount"}
    assert run_metric_on(DATASET, records={"sales-orders": ORDERS}, period=Q2, params=source) == {
        "ann@example.com": 150.0,
        "bob@example.com": 30.0,
    }
    assert run_metric_on(
        FORMULA, subjects=["a"], period=Q2, params={"formula": "x * 2"}, inputs={"a": {"x": 4}}
    ) == {"a": 8.0}


def test_a_provider_brings_its_plugin() -> None:
    provider = discover(found=[]).provider("perfloop", "dataset")
    assert provider is not None

    values = run_metric_on(
        provider,
        records={"support-tickets": []},
        subjects=["ann@example.com"],
        period=Q2,
        params={"dataset": "support-tickets@1", "op": "count"},
    )

    assert values == {"ann@example.com": 0.0}


def test_a_dataset_given_whole_names_its_own_fields() -> None:
    @metric(key="visits", title="Visits", unit="count", direction="higher", reads=["visits"])
    def visits(context: MetricContext) -> dict[str, float]:
        return {s: float(len(r)) for s, r in context.by_subject("visits").items()}

    records = [{"who": "u1", "on": "2026-04-05"}, {"who": "u1", "on": "2026-01-05"}]
    found = run_metric_on(
        visits, records={"visits": Dataset("visits", "who", "on", records)}, period=Q2
    )

    assert found == {"u1": 1.0}


def test_a_dataset_without_a_template_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"no dataset template 'visits'.*give Dataset"):
        run_metric_on(paid_revenue, records={"visits": []}, period=Q2)
    with pytest.raises(ValueError, match="no dataset template 'sales-orders@9'"):
        dataset_for("sales-orders@9")
    with pytest.raises(ValueError, match="no dataset template 'sales-kpis'"):
        dataset_for("sales-kpis")


def test_dataset_for_reads_the_template() -> None:
    found = dataset_for("support-tickets", [{"x": 1}])

    assert (found.key, found.subject_field, found.date_field) == (
        "support-tickets",
        "agent_email",
        "opened_at",
    )
    assert found.lowercase_subject
    assert found.ref == "support-tickets@1"
    assert found.records == ({"x": 1},)


# A plugin that ships templates: a dataset of its own and a KPI library naming its metrics

VISITS = {
    "kind": "dataset",
    "key": "shop-visits",
    "version": 1,
    "title": {"zh-CN": "到店", "en": "Shop visits"},
    "subjectField": "unit",
    "subjectType": "org-unit",
    "dateField": "day",
    "keyField": "id",
    "records": {
        "type": "object",
        "properties": {
            "id": {"type": "string", "x-title": {"zh-CN": "编号", "en": "ID"}},
            "unit": {"type": "string", "x-title": {"zh-CN": "门店", "en": "Shop"}},
            "day": {"type": "string", "format": "date", "x-title": {"zh-CN": "日期", "en": "Day"}},
        },
        "required": ["id", "unit", "day"],
    },
}


def library(*sources: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "kpi-library",
        "key": "shop-kpis",
        "version": 1,
        "title": {"zh-CN": "门店", "en": "Shops"},
        "indicators": [
            {
                "key": f"i{index}",
                "name": {"zh-CN": "指标", "en": "Indicator"},
                "unit": "count",
                "direction": "higher",
                "aggregation": "sum",
                "period": "month",
                "category": "customer",
                "source": source,
            }
            for index, source in enumerate(sources)
        ],
    }


@metric(key="visits", title="Visits", unit="count", direction="higher", reads=["shop-visits"],
        params={"type": "object", "properties": {"min": {"type": "integer"}}})  # fmt: skip
def shop_visits(context: MetricContext) -> dict[str, float]:
    return {s: float(len(r)) for s, r in context.by_subject("shop-visits").items()}


def shipping(tmp_path: Path, *documents: dict[str, Any]) -> Plugin:
    for document in documents:
        folder = (
            tmp_path / {"dataset": "datasets", "kpi-library": "kpi-libraries"}[document["kind"]]
        )
        folder.mkdir(exist_ok=True)
        (folder / f"{document['key']}.v1.json").write_text(json.dumps(document), "utf-8")
    return Plugin(name="shops", title="Shops", metrics=[shop_visits], templates=tmp_path)


def test_a_plugin_s_own_dataset_template_is_found(tmp_path: Path) -> None:
    plugin = shipping(tmp_path, VISITS)
    records = [{"id": "1", "unit": "SH-01", "day": "2026-05-01"}]

    found = run_metric_on(shop_visits, records={"shop-visits": records}, period=Q2, plugin=plugin)

    assert found == {"SH-01": 1.0}


def test_check_plugin_passes_a_plugin_whose_templates_are_right(tmp_path: Path) -> None:
    plugin = shipping(
        tmp_path,
        VISITS,
        library(
            {"type": "plugin", "plugin": "shops", "metric": "visits", "params": {"min": 1}},
            {"type": "plugin", "plugin": "other", "metric": "anything"},
            {"type": "dataset", "dataset": "shop-visits@1", "op": "count"},
        ),
    )

    assert check_plugin(plugin) == []
    assert check_plugin(Plugin(name="bare", title="Bare", metrics=[shop_visits])) == []


def test_check_plugin_names_each_wrong_source(tmp_path: Path) -> None:
    plugin = shipping(
        tmp_path,
        VISITS,
        library(
            {"type": "plugin", "plugin": "shops", "metric": "vistis"},
            {"type": "plugin", "plugin": "shops", "metric": "visits", "params": {"min": "1"}},
        ),
    )

    assert check_plugin(plugin) == [
        "shop-kpis@1 /indicators/0/source/metric: 'shops' has no metric 'vistis'",
        "shop-kpis@1 /indicators/1/source/params/min: '1' is not of type 'integer'",
    ]


def test_check_plugin_reports_templates_that_do_not_load(tmp_path: Path) -> None:
    broken = {**library({"type": "dataset", "dataset": "shop-visits@2", "op": "count"})}
    plugin = shipping(tmp_path, VISITS, broken)

    (problem,) = check_plugin(plugin)
    assert "shop-visits@2" in problem
    assert "shop-kpis.v1.json" in problem


def test_a_formula_that_does_not_compile_is_an_error_per_subject() -> None:
    found = run_metric_on(FORMULA, subjects=["a"], period=Q2, params={"formula": "x +"})

    (error,) = found.values()
    assert isinstance(error, MetricError)
    assert error.message.startswith("the formula does not compile")
