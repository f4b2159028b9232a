"""The metric plugin SDK: all a plugin imports.

A plugin is an installable distribution with an entry point in the group
``perfloop.metrics`` naming a :class:`Plugin` (or a function returning one)::

    # pyproject.toml
    [project.entry-points."perfloop.metrics"]
    sales = "perfloop_sales:plugin"

    # perfloop_sales/__init__.py
    from perfloop.plugins import Plugin, Reads, metric

    @metric(key="revenue", title={"zh-CN": "销售额", "en": "Revenue"}, unit="CNY",
            direction="higher", reads=[Reads("sales-orders")])
    def revenue(context):
        totals = {s: 0.0 for s in context.subjects}
        for subject, orders in context.by_subject("sales-orders").items():
            totals[subject] = sum(o["amount"] for o in orders if o["status"] == "paid")
        return totals

    plugin = Plugin(name="sales", title={"zh-CN": "销售", "en": "Sales"}, metrics=[revenue])

docs/plugins.md tells the whole story; every name in ``__all__`` is documented there.
"""

from perfloop.plugins.context import Dataset, MetricContext, PluginUsageError, as_date
from perfloop.plugins.data import Period, PluginDefinitionError, Reads
from perfloop.plugins.registry import (
    ENTRY_POINT_GROUP,
    BrokenPlugin,
    Provider,
    Registry,
    discover,
    get_registry,
)
from perfloop.plugins.runner import DEFAULT_TIMEOUT, Outcome, run_metric
from perfloop.plugins.sdk import Metric, MetricError, Plugin, Value, metric

__all__ = [
    "DEFAULT_TIMEOUT",
    "ENTRY_POINT_GROUP",
    "BrokenPlugin",
    "Dataset",
    "Metric",
    "MetricContext",
    "MetricError",
    "Outcome",
    "Period",
    "Plugin",
    "PluginDefinitionError",
    "PluginUsageError",
    "Provider",
    "Reads",
    "Registry",
    "Value",
    "as_date",
    "discover",
    "get_registry",
    "metric",
    "run_metric",
]
