"""A KPI library's plugin sources against the plugins installed here.

Rules (docs/templates.md, "Plugin sources"):

- **Parameters that do not fit an installed metric are errors**, each at the JSON
  pointer of the offending place (``/indicators/3/source/params/window``): the
  library would compute nothing for that indicator, so it is not published.
- **A plugin that is not installed here** (or is broken, or lacks the metric) is a
  **warning** (``plugin-missing`` at ``/indicators/3/source/plugin``), and the
  library is accepted: in an upgrade a template may be published before the plugin
  reaches every node; until it does, ``refreshActuals`` reports those items as
  errored, never silently without an actual.
- Checked wherever a library is accepted: ``validateTemplate``, ``publishTemplate``
  and ``installApp``/``upgradeApp`` (the app's libraries).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from perfloop.plugins import Registry, get_registry
from perfloop.templates import TemplateError, TemplateErrorCode, TemplateWarning
from perfloop.templates.errors import pointer

#: the warning code of a plugin source whose provider is not usable here
PLUGIN_MISSING: Final = "plugin-missing"


@dataclass(frozen=True)
class SourceFindings:
    errors: list[TemplateError] = field(default_factory=list)
    warnings: list[TemplateWarning] = field(default_factory=list)


def check_plugin_sources(document: Any, registry: Registry | None = None) -> SourceFindings:
    """The errors and warnings of a KPI library's ``{"type": "plugin"}`` sources against
    ``registry`` (by default this process's); nothing for another kind of document.
    Safe on a malformed document (its shape is validation's to report)."""
    found = SourceFindings()
    if not isinstance(document, Mapping) or document.get("kind") != "kpi-library":
        return found
    indicators = document.get("indicators")
    if not isinstance(indicators, list):
        return found
    chosen = registry if registry is not None else get_registry()
    for index, indicator in enumerate(indicators):
        source = indicator.get("source") if isinstance(indicator, Mapping) else None
        if not isinstance(source, Mapping) or source.get("type") != "plugin":
            continue
        name, key = source.get("plugin"), source.get("metric")
        if not isinstance(name, str) or not isinstance(key, str):
            continue  # the meta-schema requires both
        at = ("indicators", index, "source")
        missing = chosen.missing(name, key)
        if missing is not None:
            where = pointer(*at, "plugin" if chosen.plugin(name) is None else "metric")
            found.warnings.append(TemplateWarning(where, PLUGIN_MISSING, missing))
            continue
        provider = chosen.provider(name, key)
        assert provider is not None  # not missing
        params = source.get("params", {})
        for path, message in provider.metric.check_params(params):
            found.errors.append(
                TemplateError(
                    pointer(*at, "params", *path),
                    TemplateErrorCode.PLUGIN_PARAMS,
                    f"{provider.id}: {message}",
                )
            )
    return found
