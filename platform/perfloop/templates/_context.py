"""State shared by the semantic checks of one document."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from perfloop.templates.errors import TemplateError, TemplateErrorCode, pointer
from perfloop.templates.model import parse_ref

__all__ = ["Context", "Resolver", "fields_of", "i18n_errors", "is_i18n", "types_of"]

Resolver = Callable[[str, int], Mapping[str, Any] | None]
"""Looks a template up by key and version; None when there is no such template."""

_MISSING = object()


@dataclass
class Context:
    resolver: Resolver
    errors: list[TemplateError] = field(default_factory=list)
    _seen: dict[str, Mapping[str, Any] | None] = field(default_factory=dict)

    def add(self, at: tuple[str | int, ...], code: TemplateErrorCode, message: str) -> None:
        self.errors.append(TemplateError(pointer(*at), code, message))

    def resolve(self, ref: str, kind: str, at: tuple[str | int, ...]) -> Mapping[str, Any] | None:
        """The document `ref` names if it exists and is a `kind`; otherwise report why not."""
        document = self._lookup(ref)
        if document is None:
            self.add(at, TemplateErrorCode.UNKNOWN_REFERENCE, f"no template {ref} exists")
            return None
        found = document.get("kind")
        if found != kind:
            message = f"{ref} is a {found} template, expected a {kind}"
            self.add(at, TemplateErrorCode.KIND_MISMATCH, message)
            return None
        return document

    def _lookup(self, ref: str) -> Mapping[str, Any] | None:
        cached = self._seen.get(ref, _MISSING)
        if cached is not _MISSING:
            return cached  # type: ignore[return-value]
        parsed = parse_ref(ref)
        document = self.resolver(*parsed) if parsed is not None else None
        self._seen[ref] = document if isinstance(document, Mapping) else None
        return self._seen[ref]


def is_i18n(value: object) -> bool:
    return (
        isinstance(value, Mapping)
        and set(value) == {"zh-CN", "en"}
        and all(isinstance(text, str) and text.strip() for text in value.values())
    )


def fields_of(schema: object) -> Mapping[str, Any]:
    """The `properties` of an object schema (empty when there are none)."""
    if isinstance(schema, Mapping):
        properties = schema.get("properties")
        if isinstance(properties, Mapping):
            return properties
    return {}


def types_of(field_schema: object) -> set[str]:
    """The JSON types a field schema allows (`type` as a string or a list)."""
    if not isinstance(field_schema, Mapping):
        return set()
    declared = field_schema.get("type")
    if isinstance(declared, str):
        return {declared}
    if isinstance(declared, list):
        return {t for t in declared if isinstance(t, str)}
    return set()


_TEXT_KEYWORDS = ("x-title", "x-description")


def i18n_errors(schema: object, *at: str | int) -> Iterator[TemplateError]:
    """Every field of an embedded schema needs a bilingual `x-title`; enum titles must match."""
    for name, sub in fields_of(schema).items():
        here = (*at, "properties", name)
        if not isinstance(sub, Mapping):
            continue
        if "x-title" not in sub:
            message = f"field {name!r} needs an x-title with zh-CN and en text"
            yield TemplateError(pointer(*here), TemplateErrorCode.I18N, message)
        for keyword in _TEXT_KEYWORDS:
            if keyword in sub and not is_i18n(sub[keyword]):
                message = f"{keyword} must be an object with non-empty zh-CN and en text"
                yield TemplateError(pointer(*here, keyword), TemplateErrorCode.I18N, message)
        yield from _enum_titles(sub, here)
        yield from i18n_errors(sub, *here)
        items = sub.get("items")
        if isinstance(items, Mapping):
            yield from _enum_titles(items, (*here, "items"))
            yield from i18n_errors(items, *here, "items")


def _enum_titles(sub: Mapping[str, Any], here: tuple[str | int, ...]) -> Iterator[TemplateError]:
    if "x-enum-titles" not in sub:
        return
    titles, values = sub["x-enum-titles"], sub.get("enum")
    at = pointer(*here, "x-enum-titles")
    if not isinstance(titles, list) or not all(is_i18n(t) for t in titles):
        yield TemplateError(
            at, TemplateErrorCode.I18N, "x-enum-titles must be a list of zh-CN/en texts"
        )
    elif not isinstance(values, list) or len(values) != len(titles):
        message = "x-enum-titles needs one title per enum value"
        yield TemplateError(at, TemplateErrorCode.I18N, message)
