"""Metric plugin queries."""

from __future__ import annotations

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.permissions import requires
from perfloop.api.plugins.types import MetricPluginCatalog
from perfloop.authz import Permission
from perfloop.services import plugins as service


@strawberry.type
class PluginQueries:
    @strawberry.field(
        description="The metric plugins installed on this server, with each metric's "
        "parameter schema; also the broken ones and those whose templates were left out.",
        extensions=requires(Permission.TEMPLATE_READ),
    )
    def metric_plugins(self, info: Info) -> MetricPluginCatalog:
        return MetricPluginCatalog.of(service.metric_plugins(info.context.caller))
