"""The metric plugins of this process, as people read them.

Rules:

- **Everything discovered is shown**, perfloop's own plugin first among equals (by
  name): each plugin's version and distribution (None: built into perfloop), and each
  metric's titles, unit, direction, parameter JSON Schema and the datasets it reads.
- **A broken plugin is shown, not hidden**: the entry point, the distribution and the
  error; so are the plugins whose shipped templates were left out, with the reason.
  perfloop runs without them (docs/plugins.md).
- **Who may read it**: whoever may read templates (``template.read``): the catalog is
  what a KPI library's ``{"type": "plugin"}`` sources may name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from perfloop.authz import Permission
from perfloop.plugins import BrokenPlugin, Registry, get_registry
from perfloop.templates.registry import plugin_template_failures

if TYPE_CHECKING:
    from perfloop.services.core.caller import Caller


@dataclass(frozen=True)
class MetricInfo:
    """One metric of a plugin: ``reads`` is (dataset, history) per dataset read."""

    key: str
    title: dict[str, str]
    description: dict[str, str] | None
    unit: str
    direction: str
    params_schema: dict[str, Any]
    reads: list[tuple[str, str]]


@dataclass(frozen=True)
class PluginInfo:
    name: str
    title: dict[str, str]
    description: dict[str, str] | None
    version: str
    #: the distribution that installed it; None for perfloop's own
    distribution: str | None
    builtin: bool
    metrics: list[MetricInfo]


@dataclass(frozen=True)
class Catalog:
    plugins: list[PluginInfo]
    broken: list[BrokenPlugin]
    #: why a plugin's templates were left out, by plugin name
    template_failures: dict[str, str]

    def as_json(self) -> dict[str, Any]:
        """The catalog as JSON (``perfloop plugins list --json``)."""
        return {
            "plugins": [
                {
                    "name": p.name,
                    "title": p.title,
                    "description": p.description,
                    "version": p.version,
                    "distribution": p.distribution,
                    "builtin": p.builtin,
                    "metrics": [
                        {
                            "key": m.key,
                            "provider": f"{p.name}.{m.key}",
                            "title": m.title,
                            "description": m.description,
                            "unit": m.unit,
                            "direction": m.direction,
                            "params": m.params_schema,
                            "reads": [{"dataset": d, "history": h} for d, h in m.reads],
                        }
                        for m in p.metrics
                    ],
                }
                for p in self.plugins
            ],
            "broken": [
                {"name": b.name, "value": b.value, "distribution": b.distribution, "error": b.error}
                for b in self.broken
            ],
            "templateFailures": [
                {"plugin": name, "error": error} for name, error in self.template_failures.items()
            ],
        }


def plugin_catalog(registry: Registry | None = None) -> Catalog:
    """The catalog of ``registry`` (by default this process's), no permission asked:
    for the command line, which runs as whoever may run perfloop."""
    chosen = registry if registry is not None else get_registry()
    plugins = []
    for name in sorted(chosen.plugins):
        plugin, version, distribution, builtin = chosen.plugins[name]
        metrics = [
            MetricInfo(
                key=m.key,
                title=dict(m.title),
                description=dict(m.description) if m.description is not None else None,
                unit=m.unit,
                direction=m.direction,
                params_schema=dict(m.params),
                reads=[(r.dataset, r.history) for r in m.reads],
            )
            for m in plugin.metrics
        ]
        plugins.append(
            PluginInfo(
                name=name,
                title=dict(plugin.title),
                description=dict(plugin.description) if plugin.description is not None else None,
                version=version,
                distribution=distribution,
                builtin=builtin,
                metrics=metrics,
            )
        )
    failures = dict(sorted(plugin_template_failures().items()))
    return Catalog(plugins=plugins, broken=list(chosen.broken), template_failures=failures)


def metric_plugins(caller: Caller) -> Catalog:
    """The catalog, for a caller who may read templates."""
    caller.require(Permission.TEMPLATE_READ)
    return plugin_catalog()
