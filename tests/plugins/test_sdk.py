"""The SDK's declarations: a mistake in a plugin is reported where it is made, with the
metric's key or the plugin's name in the message; Period.previous for growth metrics."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from perfloop.plugins import (
    Metric,
    MetricContext,
    MetricError,
    Period,
    Plugin,
    PluginDefinitionError,
    Reads,
    metric,
)

TITLE = {"zh-CN": "销售额", "en": "Revenue"}


def _compute(context: MetricContext) -> dict[str, float]:
    return dict.fromkeys(context.subjects, 1.0)


def make(**changes: Any) -> Metric:
    fields: dict[str, Any] = {
        "key": "revenue",
        "title": TITLE,
        "unit": "CNY",
        "direction": "higher",
        "compute": _compute,
    }
    return Metric(**{**fields, **changes})


def test_a_well_declared_metric_keeps_its_fields() -> None:
    made = metric(
        key="revenue",
        title=TITLE,
        unit="CNY",
        direction="higher",
        reads=["sales-orders", Reads("customers", history="all")],
    )(_compute)

    assert made.compute is _compute
    assert made.reads == (Reads("sales-orders"), Reads("customers", "all"))
    assert made.params == {"type": "object", "additionalProperties": False}
    assert made.check_params({}) == []
    assert made.check_params({"x": 1}) != []


def test_a_plain_text_title_serves_both_languages() -> None:
    assert make(title="Revenue").title == {"zh-CN": "Revenue", "en": "Revenue"}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"key": "Revenue"}, "metric key 'Revenue': snake_case"),
        ({"key": "1st"}, "metric key '1st'"),
        ({"key": "a" * 61}, "up to 60 characters"),
        ({"key": 7}, "metric key 7"),
        ({"title": {"en": "Revenue"}}, "metric 'revenue': title is {'zh-CN': ..., 'en': ...}"),
        ({"title": {"zh-CN": "销售额", "en": "Revenue", "fr": "x"}}, "title is"),
        ({"title": {"zh-CN": " ", "en": "Revenue"}}, "title has a non-empty text"),
        ({"title": None}, "title is"),
        ({"description": {"en": "only"}}, "metric 'revenue': description is"),
        ({"unit": ""}, "unit is a unit code"),
        ({"direction": "up"}, "direction is one of higher, lower, closest"),
        ({"compute": "not a function"}, "compute is a function"),
        ({"params": {"type": "array"}}, "params is a JSON Schema of type object"),
        ({"params": ["type", "object"]}, "params is a JSON Schema of type object"),
        (
            {"params": {"type": "object", "properties": {"n": {"type": "integr"}}}},
            "params is not a JSON Schema",
        ),
        ({"params": {"type": "object", "required": "n"}}, "params is not a JSON Schema"),
        ({"reads": ["sales-orders"]}, "reads is a list of Reads"),
        ({"reads": [Reads("sales-orders"), Reads("sales-orders@1")]}, "a dataset is read once"),
        ({"timeout": 0}, "timeout is between 0 and 3600"),
        ({"timeout": 3601}, "timeout is between 0 and 3600"),
        ({"timeout": "5"}, "timeout is between 0 and 3600"),
    ],
)
def test_a_badly_declared_metric_says_what_is_wrong(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(PluginDefinitionError, match=re.escape(message)):
        make(**changes)


@pytest.mark.parametrize(
    ("dataset", "history", "message"),
    [
        ("Sales", "period", "Reads('Sales'): a dataset key or key@version"),
        ("sales@0", "period", "Reads('sales@0')"),
        ("sales@1@2", "period", "Reads('sales@1@2')"),
        ("sales", "forever", "history is one of period, previous, all"),
    ],
)
def test_a_bad_read_is_refused(dataset: str, history: Any, message: str) -> None:
    with pytest.raises(PluginDefinitionError, match=re.escape(message)):
        Reads(dataset, history)


def test_a_read_names_its_dataset_with_or_without_version() -> None:
    assert Reads("sales-orders@2").key == "sales-orders"
    assert Reads("sales-orders").key == "sales-orders"


def test_a_metric_error_needs_a_message() -> None:
    assert MetricError("no orders").message == "no orders"
    with pytest.raises(PluginDefinitionError, match="needs a message"):
        MetricError("  ")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "Sales"}, "plugin name 'Sales'"),
        ({"name": "-sales"}, "plugin name '-sales'"),
        ({"name": "s" * 61}, "plugin name"),
        ({"title": {"zh-CN": "销售"}}, "plugin 'sales': title is"),
        ({"description": {"en": "x", "zh-CN": ""}}, "plugin 'sales': description has"),
        ({"metrics": []}, "metrics is a non-empty list of Metric"),
        ({"metrics": [_compute]}, "metrics is a non-empty list of Metric"),
        ({"metrics": [make(), make(unit="count")]}, "two metrics share a key"),
        ({"templates": Path("/no/such/folder")}, "templates folder /no/such/folder does not"),
    ],
)
def test_a_badly_declared_plugin_says_what_is_wrong(changes: dict[str, Any], message: str) -> None:
    fields: dict[str, Any] = {"name": "sales", "title": "Sales", "metrics": [make()]}
    with pytest.raises(PluginDefinitionError, match=re.escape(message)):
        Plugin(**{**fields, **changes})


def test_a_plugin_finds_its_metrics_and_keeps_its_templates_folder(tmp_path: Path) -> None:
    plugin = Plugin(name="sales-x", title="Sales", metrics=[make()], templates=str(tmp_path))  # type: ignore[arg-type]

    assert plugin.metric("revenue") is plugin.metrics[0]
    assert plugin.metric("growth") is None
    assert plugin.templates == tmp_path
    assert isinstance(plugin.metrics, tuple)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.mark.parametrize(
    ("start", "end", "previous"),
    [
        # a month: the month before, whatever its length
        ("2026-05-01", "2026-05-31", ("2026-04-01", "2026-04-30")),
        ("2026-03-01", "2026-03-31", ("2026-02-01", "2026-02-28")),
        ("2024-03-01", "2024-03-31", ("2024-02-01", "2024-02-29")),  # leap year
        ("2024-02-01", "2024-02-29", ("2024-01-01", "2024-01-31")),
        ("2026-01-01", "2026-01-31", ("2025-12-01", "2025-12-31")),
        # a quarter, a half-year, a year: the one before
        ("2026-04-01", "2026-06-30", ("2026-01-01", "2026-03-31")),
        ("2026-01-01", "2026-03-31", ("2025-10-01", "2025-12-31")),
        ("2026-07-01", "2026-12-31", ("2026-01-01", "2026-06-30")),
        ("2025-01-01", "2025-12-31", ("2024-01-01", "2024-12-31")),
        ("2024-03-01", "2025-02-28", ("2023-03-01", "2024-02-29")),
        ("2024-01-01", "2025-12-31", ("2022-01-01", "2023-12-31")),
        # not whole months: as many days just before
        ("2026-05-10", "2026-05-19", ("2026-04-30", "2026-05-09")),
        ("2024-03-01", "2024-03-30", ("2024-01-31", "2024-02-29")),
        ("2026-05-15", "2026-05-15", ("2026-05-14", "2026-05-14")),
        ("2024-02-29", "2024-03-31", ("2024-01-28", "2024-02-28")),
    ],
)
def test_the_previous_period(start: str, end: str, previous: tuple[str, str]) -> None:
    before = Period(d(start), d(end)).previous()

    assert (before.start, before.end) == (d(previous[0]), d(previous[1]))
    if d(start).day != 1:
        assert before.days == Period(d(start), d(end)).days


def test_a_period_holds_its_days_and_ends_after_it_starts() -> None:
    period = Period(d("2026-04-01"), d("2026-06-30"))

    assert period.days == 91
    assert d("2026-04-01") in period
    assert dt.datetime(2026, 6, 30, 23, 59) in period
    assert d("2026-07-01") not in period
    assert "2026-05-01" not in period
    with pytest.raises(ValueError, match="ends on or after its start"):
        Period(d("2026-04-02"), d("2026-04-01"))


@pytest.mark.parametrize(
    ("history", "first", "last"),
    [
        ("period", "2026-04-01", "2026-06-30"),
        ("previous", "2026-01-01", "2026-06-30"),
        ("all", None, "2026-06-30"),
    ],
)
def test_a_read_window(history: Any, first: str | None, last: str) -> None:
    window = Reads("sales-orders", history).window(Period(d("2026-04-01"), d("2026-06-30")))

    assert window == (d(first) if first else None, d(last))


def test_a_params_schema_with_a_reference_to_nowhere_is_refused() -> None:
    with pytest.raises(PluginDefinitionError, match="params cannot be used as a JSON Schema"):
        Metric(
            key="m", title="M", unit="count", direction="higher", compute=None,
            params={"type": "object", "properties": {"x": {"$ref": "#/$defs/nope"}}},
        )  # fmt: skip
