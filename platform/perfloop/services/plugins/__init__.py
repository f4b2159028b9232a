"""Metric plugins: what is installed here (the catalog ``perfloop plugins list`` and
the ``metricPlugins`` query show) and how a template's plugin sources fit it.

Other domains use these names only; the modules behind them are this
domain's own.
"""

from __future__ import annotations

from perfloop.services.plugins.catalog import (
    Catalog,
    MetricInfo,
    PluginInfo,
    metric_plugins,
    plugin_catalog,
)
from perfloop.services.plugins.sources import (
    PLUGIN_MISSING,
    SourceFindings,
    check_plugin_sources,
)

__all__ = [
    "PLUGIN_MISSING",
    "Catalog",
    "MetricInfo",
    "PluginInfo",
    "SourceFindings",
    "check_plugin_sources",
    "metric_plugins",
    "plugin_catalog",
]
