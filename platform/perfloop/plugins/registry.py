"""Finding the metric plugins: perfloop's own (registered first, through the same
:meth:`Registry.register` as any other) and those installed under the entry-point
group ``perfloop.metrics``.

A plugin that cannot be loaded — it raises on import, its entry point names something
that is not a :class:`~perfloop.plugins.Plugin`, its name is taken — is kept as a
:class:`BrokenPlugin` with the reason; perfloop starts without it and reports it
(``perfloop plugins list``, the ``metricPlugins`` query, the log).
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

from perfloop.plugins.sdk import Metric, Plugin

log = logging.getLogger(__name__)

#: the entry-point group plugins are installed under
ENTRY_POINT_GROUP = "perfloop.metrics"


@dataclass(frozen=True)
class Provider:
    """A metric as perfloop runs it: which plugin and version it came from."""

    plugin: Plugin
    metric: Metric
    version: str
    #: the distribution that installed it (None for perfloop's own)
    distribution: str | None = None
    builtin: bool = False

    @property
    def id(self) -> str:
        """``plugin.metric``, how provenance and messages name it."""
        return f"{self.plugin.name}.{self.metric.key}"


@dataclass(frozen=True)
class BrokenPlugin:
    """An entry point that did not give a usable plugin, and why."""

    name: str
    value: str
    distribution: str | None
    error: str


@dataclass
class Registry:
    """The plugins of this process, by name."""

    plugins: dict[str, tuple[Plugin, str, str | None, bool]] = field(default_factory=dict)
    broken: list[BrokenPlugin] = field(default_factory=list)

    def register(
        self,
        plugin: Plugin,
        *,
        version: str,
        distribution: str | None = None,
        builtin: bool = False,
    ) -> None:
        """Add ``plugin``; a name registered already is refused (ValueError)."""
        if not isinstance(plugin, Plugin):
            raise TypeError(f"register() takes a Plugin, not {type(plugin).__name__}")
        if plugin.name in self.plugins:
            raise ValueError(f"a plugin named {plugin.name!r} is registered already")
        self.plugins[plugin.name] = (plugin, version, distribution, builtin)

    def unregister(self, name: str) -> Plugin:
        """Take the plugin ``name`` out (KeyError when none is registered), for tests
        that register one for a while; returns it."""
        if name not in self.plugins:
            raise KeyError(f"no plugin named {name!r} is registered")
        return self.plugins.pop(name)[0]

    def plugin(self, name: str) -> Plugin | None:
        found = self.plugins.get(name)
        return found[0] if found else None

    def version(self, name: str) -> str | None:
        found = self.plugins.get(name)
        return found[1] if found else None

    def provider(self, plugin: str, metric: str) -> Provider | None:
        """The provider of ``plugin.metric``, or None when either is not installed."""
        found = self.plugins.get(plugin)
        if found is None:
            return None
        chosen = found[0].metric(metric)
        if chosen is None:
            return None
        return Provider(found[0], chosen, found[1], found[2], found[3])

    def providers(self) -> Iterator[Provider]:
        """Every provider, by plugin name then metric order."""
        for name in sorted(self.plugins):
            plugin = self.plugins[name][0]
            for chosen in plugin.metrics:
                found = self.provider(name, chosen.key)
                assert found is not None
                yield found

    def template_dirs(self) -> list[tuple[str, Path]]:
        """The template folders the plugins ship, with the plugin's name, by name."""
        return [
            (name, p.templates)
            for name, (p, *_) in sorted(self.plugins.items())
            if p.templates is not None
        ]

    def missing(self, plugin: str, metric: str | None) -> str | None:
        """Why ``plugin.metric`` cannot be computed here, or None when it can."""
        if plugin not in self.plugins:
            broken = next((b for b in self.broken if b.name == plugin), None)
            if broken is not None:
                return f"the metric plugin {plugin!r} is installed but broken: {broken.error}"
            return f"the metric plugin {plugin!r} is not installed"
        if metric is None:
            return f"the source names no metric of the plugin {plugin!r}"
        if self.provider(plugin, metric) is None:
            return f"the metric plugin {plugin!r} has no metric {metric!r}"
        return None


def _load(registry: Registry, entry: EntryPoint) -> None:
    dist = entry.dist.name if entry.dist is not None else None
    version = entry.dist.version if entry.dist is not None else "0"
    try:
        loaded = entry.load()
        plugin = loaded() if callable(loaded) and not isinstance(loaded, Plugin) else loaded
        if not isinstance(plugin, Plugin):
            raise TypeError(f"{entry.value} is a {type(plugin).__name__}, not a perfloop Plugin")
        if plugin.name != entry.name:
            raise ValueError(f"the entry point {entry.name!r} names plugin {plugin.name!r}")
        registry.register(plugin, version=version, distribution=dist)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # any fault, SystemExit too: reported, perfloop goes on
        message = f"{type(exc).__name__}: {exc}"
        log.error("metric plugin %s (%s) is broken: %s", entry.name, entry.value, message)
        registry.broken.append(BrokenPlugin(entry.name, entry.value, dist, message))


def discover(found: Iterable[EntryPoint] | None = None) -> Registry:
    """perfloop's own plugin, then every ``perfloop.metrics`` entry point (or those
    given), by name."""
    from perfloop.plugins.builtin import BUILTIN, builtin_version

    registry = Registry()
    registry.register(BUILTIN, version=builtin_version(), builtin=True)
    chosen = found if found is not None else entry_points(group=ENTRY_POINT_GROUP)
    for entry in sorted(chosen, key=lambda e: e.name):
        _load(registry, entry)
    return registry


#: the registries :func:`use_registry` put in place, innermost last
_IN_USE: list[Registry] = []
#: what :func:`on_change` was given: caches built from the registry, to clear
_ON_CHANGE: list[Callable[[], object]] = []


def on_change(callback: Callable[[], object]) -> None:
    """Call ``callback`` whenever :func:`use_registry` changes the registry in use (on
    entering and on leaving): for caches built from it, such as the built-in templates
    (``perfloop.templates`` registers ``load_builtin_templates.cache_clear``)."""
    if callback not in _ON_CHANGE:
        _ON_CHANGE.append(callback)


def _changed() -> None:
    get_registry.cache_clear()
    for callback in _ON_CHANGE:
        callback()


@functools.cache
def get_registry() -> Registry:
    """The registry of this process, discovered once (``get_registry.cache_clear()``
    makes the next call look again); inside :func:`use_registry`, the one given."""
    return _IN_USE[-1] if _IN_USE else discover()


@contextlib.contextmanager
def use_registry(registry: Registry) -> Iterator[Registry]:
    """Make :func:`get_registry` return ``registry`` inside the ``with`` block (and
    discover again after it): for tests that need plugins of their own, or a broken
    one (``discover(found=[EntryPoint(...)])``). Not for production code.

    The caches built from the registry (those given to :func:`on_change`: the built-in
    templates, ``perfloop.testing``'s) are cleared on entering and on leaving."""
    _IN_USE.append(registry)
    _changed()
    try:
        yield registry
    finally:
        _IN_USE.pop()
        _changed()
