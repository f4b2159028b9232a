"""A metric plugin of the tests' own ("acme"), and a registry holding it beside a
broken one, for `perfloop.plugins.registry.use_registry`."""

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import EntryPoint

from perfloop.plugins import ENTRY_POINT_GROUP, MetricContext, Plugin, Reads, Registry, discover
from perfloop.plugins import metric as make_metric
from perfloop.plugins.sdk import Value

#: what the registry says of acme
VERSION = "1.4.2"
DISTRIBUTION = "perfloop-acme"
#: an installed entry point whose module does not exist
BROKEN = EntryPoint(name="ghost", value="nonexistent.module:plugin", group=ENTRY_POINT_GROUP)

WINDOW = {
    "type": "object",
    "properties": {"window": {"type": "integer", "minimum": 1, "maximum": 12}},
    "required": ["window"],
    "additionalProperties": False,
}


@make_metric(
    key="revenue",
    title={"zh-CN": "回款额", "en": "Collected revenue"},
    unit="CNY",
    direction="higher",
    params=WINDOW,
    reads=[Reads("sales-orders", history="previous")],
)
def revenue(context: MetricContext) -> Mapping[str, Value]:
    return dict.fromkeys(context.subjects, 1.0)


ACME = Plugin(name="acme", title={"zh-CN": "演示插件", "en": "Acme"}, metrics=[revenue])


def acme_registry(*, broken: bool = True) -> Registry:
    """perfloop's own plugin, acme, and (``broken``) the entry point ``ghost`` that
    does not load."""
    registry = discover(found=[BROKEN] if broken else [])
    registry.register(ACME, version=VERSION, distribution=DISTRIBUTION)
    return registry
