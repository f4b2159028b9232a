"""What a metric plugin declares: its metrics (:class:`Metric`, made with :func:`metric`),
the datasets they read (:class:`Reads`) and the plugin that ships them (:class:`Plugin`).

Everything here is plain data checked when it is made, so a mistake in a plugin is
reported where the plugin is loaded, with the metric's key in the message.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeAlias

from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from jsonschema.exceptions import SchemaError  # type: ignore[import-untyped]

from perfloop.plugins.context import MetricContext
from perfloop.plugins.data import PluginDefinitionError, Reads

#: what a metric computes for one subject: a number, None (no value, e.g. nothing to
#: average), or a :class:`MetricError` saying why this subject has none
Value: TypeAlias = "float | int | MetricError | None"
#: a metric's computation: given the context, a value for every subject asked for
Compute: TypeAlias = Callable[
    [MetricContext], "Mapping[str, Value] | Awaitable[Mapping[str, Value]]"
]
Direction = Literal["higher", "lower", "closest"]

_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
_LANGS = ("zh-CN", "en")
_DIRECTIONS = ("higher", "lower", "closest")


@dataclass(frozen=True)
class MetricError:
    """Why a subject has no value: the message is stored on the item's actual and
    shown to whoever reads it (keep it short, no secrets)."""

    message: str

    def __post_init__(self) -> None:
        if not isinstance(self.message, str) or not self.message.strip():
            raise PluginDefinitionError("a MetricError needs a message")


def _bilingual(value: Any, what: str) -> dict[str, str]:
    if isinstance(value, str):
        value = {"zh-CN": value, "en": value}
    if not isinstance(value, Mapping) or set(value) != set(_LANGS):
        raise PluginDefinitionError(f"{what} is {{'zh-CN': ..., 'en': ...}}")
    if not all(isinstance(value[lang], str) and value[lang].strip() for lang in _LANGS):
        raise PluginDefinitionError(f"{what} has a non-empty text in each language")
    return {lang: value[lang] for lang in _LANGS}


_NO_PARAMS: Mapping[str, Any] = {"type": "object", "additionalProperties": False}


@dataclass(frozen=True)
class Metric:
    """One metric a plugin provides.

    ``compute(context)`` returns a value for every subject in ``context.subjects``
    (a number, None, or a :class:`MetricError`); it may be a plain or an ``async``
    function. ``params`` is the JSON Schema of the parameters a KPI library gives it
    (checked when the template is validated); ``reads`` the datasets it reads;
    ``timeout`` (seconds) overrides perfloop's limit for one computation."""

    key: str
    title: Mapping[str, str]
    unit: str
    direction: Direction
    compute: Compute | None
    params: Mapping[str, Any] = field(default_factory=lambda: dict(_NO_PARAMS))
    reads: tuple[Reads, ...] = ()
    description: Mapping[str, str] | None = None
    timeout: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not _KEY.match(self.key) or len(self.key) > 60:
            raise PluginDefinitionError(f"metric key {self.key!r}: snake_case, up to 60 characters")
        where = f"metric {self.key!r}"
        object.__setattr__(self, "title", _bilingual(self.title, f"{where}: title"))
        if self.description is not None:
            object.__setattr__(
                self, "description", _bilingual(self.description, f"{where}: description")
            )
        if not isinstance(self.unit, str) or not self.unit.strip():
            raise PluginDefinitionError(f"{where}: unit is a unit code such as CNY or percent")
        if self.direction not in _DIRECTIONS:
            raise PluginDefinitionError(f"{where}: direction is one of {', '.join(_DIRECTIONS)}")
        if self.compute is not None and not callable(self.compute):
            raise PluginDefinitionError(f"{where}: compute is a function of the context")
        if not isinstance(self.params, Mapping) or self.params.get("type") != "object":
            raise PluginDefinitionError(f"{where}: params is a JSON Schema of type object")
        try:
            Draft202012Validator.check_schema(dict(self.params))
        except SchemaError as exc:
            message = f"{where}: params is not a JSON Schema: {exc.message}"
            raise PluginDefinitionError(message) from None
        problem = _unusable_reference(self.params)
        if problem:  # a $ref to nowhere (or to the network) would only fail when used
            raise PluginDefinitionError(
                f"{where}: params cannot be used as a JSON Schema: {problem}"
            )
        reads = tuple(self.reads)
        if not all(isinstance(r, Reads) for r in reads):
            raise PluginDefinitionError(f"{where}: reads is a list of Reads(...)")
        if len({r.key for r in reads}) != len(reads):
            raise PluginDefinitionError(f"{where}: a dataset is read once")
        object.__setattr__(self, "reads", reads)
        if self.timeout is not None and not (
            isinstance(self.timeout, int | float) and 0 < self.timeout <= 3600
        ):
            raise PluginDefinitionError(f"{where}: timeout is between 0 and 3600 seconds")

    def check_params(self, params: Any) -> list[tuple[tuple[str | int, ...], str]]:
        """Each problem of ``params`` against the metric's schema: (path, message)."""
        validator = Draft202012Validator(dict(self.params))
        try:
            found = sorted(validator.iter_errors(params), key=lambda e: list(e.path))
        except Exception as exc:  # the schema fails on these parameters ($ref, recursion)
            return [((), f"the parameters cannot be checked against the metric's schema: {exc}")]
        return [(tuple(error.absolute_path), error.message) for error in found]


def _references(node: Any) -> list[str]:
    if isinstance(node, Mapping):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for value in node.values() for r in _references(value)]
    if isinstance(node, list):
        return [r for value in node for r in _references(value)]
    return []


def _unusable_reference(schema: Mapping[str, Any]) -> str | None:
    """Why a ``$ref`` of ``schema`` cannot be followed (only references inside the
    schema are: a parameter check never goes to the network), or None."""
    resolver = Draft202012Validator(dict(schema))._resolver
    for ref in _references(schema):
        if not ref.startswith("#"):
            return f"$ref {ref!r} points outside the schema"
        try:
            resolver.lookup(ref)
        except Exception:
            return f"$ref {ref!r} points at nothing"
    return None


def metric(
    *,
    key: str,
    title: Mapping[str, str],
    unit: str,
    direction: Direction,
    params: Mapping[str, Any] | None = None,
    reads: Iterable[Reads | str] = (),
    description: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> Callable[[Compute], Metric]:
    """Make a :class:`Metric` of the decorated function (its ``compute``); a dataset
    in ``reads`` may be given by its key alone (``Reads(key)``)."""

    def make(compute: Compute) -> Metric:
        return Metric(
            key=key,
            title=title,
            unit=unit,
            direction=direction,
            compute=compute,
            params=dict(params) if params is not None else dict(_NO_PARAMS),
            reads=tuple(r if isinstance(r, Reads) else Reads(r) for r in reads),
            description=description,
            timeout=timeout,
        )

    return make


@dataclass(frozen=True)
class Plugin:
    """What a ``perfloop.metrics`` entry point names: a plugin's metrics, and the
    folder of templates (KPI libraries, datasets) it ships, if any.

    ``name`` is how a KPI library names it (``{"type": "plugin", "plugin": name,
    "metric": key}``); the entry point's name must be the same."""

    name: str
    title: Mapping[str, str]
    metrics: Sequence[Metric]
    templates: Path | None = None
    description: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.match(self.name) or len(self.name) > 60:
            raise PluginDefinitionError(f"plugin name {self.name!r}: lowercase, digits, - and _")
        where = f"plugin {self.name!r}"
        object.__setattr__(self, "title", _bilingual(self.title, f"{where}: title"))
        if self.description is not None:
            object.__setattr__(
                self, "description", _bilingual(self.description, f"{where}: description")
            )
        metrics = tuple(self.metrics)
        if not metrics or not all(isinstance(m, Metric) for m in metrics):
            raise PluginDefinitionError(f"{where}: metrics is a non-empty list of Metric")
        keys = [m.key for m in metrics]
        if len(set(keys)) != len(keys):
            raise PluginDefinitionError(f"{where}: two metrics share a key")
        object.__setattr__(self, "metrics", metrics)
        if self.templates is not None:
            folder = Path(self.templates)
            if not folder.is_dir():
                raise PluginDefinitionError(f"{where}: templates folder {folder} does not exist")
            object.__setattr__(self, "templates", folder)

    def metric(self, key: str) -> Metric | None:
        """The metric ``key``, or None."""
        return next((m for m in self.metrics if m.key == key), None)
