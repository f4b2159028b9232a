"""Metric plugin GraphQL types: the catalog of what is installed here."""

from __future__ import annotations

from typing import TYPE_CHECKING

import strawberry

from perfloop.api.core.scalars import JSON, I18nText

if TYPE_CHECKING:
    from perfloop.plugins import BrokenPlugin as BrokenPluginView
    from perfloop.services.plugins import Catalog, MetricInfo, PluginInfo


@strawberry.type(description="A dataset a metric reads.")
class MetricReads:
    dataset: str = strawberry.field(description="A dataset key, or key@version.")
    history: str = strawberry.field(
        description="Which records: period (dated in the period), previous (the period and "
        "the one before it) or all (up to the period's end)."
    )


@strawberry.type(description="A metric a plugin provides, as a KPI library names it.")
class PluginMetric:
    key: str = strawberry.field(
        description='The source\'s "metric" ({"type": "plugin", "plugin": …, "metric": key}).'
    )
    provider: str = strawberry.field(
        description="plugin.metric, as provenance and messages name it."
    )
    title: I18nText
    description: I18nText | None
    unit: str
    direction: str = strawberry.field(description="higher, lower or closest.")
    params_schema: JSON = strawberry.field(
        description='The JSON Schema of the source\'s "params", checked when a KPI library '
        "is validated, published or installed."
    )
    reads: list[MetricReads]

    @classmethod
    def of(cls, plugin: str, m: MetricInfo) -> PluginMetric:
        return cls(
            key=m.key,
            provider=f"{plugin}.{m.key}",
            title=I18nText.from_dict(m.title),
            description=I18nText.from_dict(m.description) if m.description else None,
            unit=m.unit,
            direction=m.direction,
            params_schema=JSON(m.params_schema),
            reads=[MetricReads(dataset=d, history=h) for d, h in m.reads],
        )


@strawberry.type(description="A metric plugin installed here, perfloop's own included.")
class MetricPlugin:
    name: str = strawberry.field(description='How a KPI library names it ("plugin").')
    title: I18nText
    description: I18nText | None
    version: str
    distribution: str | None = strawberry.field(
        description="The Python distribution that installed it; null for perfloop's own."
    )
    builtin: bool = strawberry.field(description="perfloop's own: dataset, formula, manual.")
    metrics: list[PluginMetric]

    @classmethod
    def of(cls, p: PluginInfo) -> MetricPlugin:
        return cls(
            name=p.name,
            title=I18nText.from_dict(p.title),
            description=I18nText.from_dict(p.description) if p.description else None,
            version=p.version,
            distribution=p.distribution,
            builtin=p.builtin,
            metrics=[PluginMetric.of(p.name, m) for m in p.metrics],
        )


@strawberry.type(description="An installed entry point that did not give a usable plugin.")
class BrokenPlugin:
    name: str = strawberry.field(description="The entry point's name.")
    value: str = strawberry.field(description="What it points at (module:attribute).")
    distribution: str | None
    error: str

    @classmethod
    def of(cls, b: BrokenPluginView) -> BrokenPlugin:
        return cls(name=b.name, value=b.value, distribution=b.distribution, error=b.error)


@strawberry.type(description="A plugin whose shipped templates were left out, and why.")
class PluginTemplateFailure:
    plugin: str
    error: str


@strawberry.type(
    description="The metric plugins of this server: those perfloop runs, those it could "
    "not load (perfloop runs without them) and those whose templates were left out."
)
class MetricPluginCatalog:
    plugins: list[MetricPlugin]
    broken: list[BrokenPlugin]
    template_failures: list[PluginTemplateFailure]

    @classmethod
    def of(cls, c: Catalog) -> MetricPluginCatalog:
        return cls(
            plugins=[MetricPlugin.of(p) for p in c.plugins],
            broken=[BrokenPlugin.of(b) for b in c.broken],
            template_failures=[
                PluginTemplateFailure(plugin=name, error=error)
                for name, error in c.template_failures.items()
            ],
        )
