"""Bilingual template text -> one language, for renderers such as react-jsonschema-form.

Templates keep text as `{"zh-CN": ..., "en": ...}`; inside embedded JSON
Schemas, whose `title` must be a string, they use `x-title`,
`x-description` and `x-enum-titles`. `localize` turns both into the plain
strings a renderer expects: `x-title` becomes `title`, and an `enum` with
`x-enum-titles` becomes `oneOf` of `{const, title}` (a labelled select).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

__all__ = ["LOCALES", "localize"]

LOCALES: Final = ("zh-CN", "en")
_RENAMED: Final = {"x-title": "title", "x-description": "description"}


def _is_text(value: Mapping[str, Any]) -> bool:
    return (
        bool(value)
        and set(value) <= set(LOCALES)
        and all(isinstance(v, str) for v in value.values())
    )


def localize(value: Any, locale: str = "zh-CN") -> Any:
    """A copy of `value` with every bilingual text in `locale` (falling back to the other)."""
    if locale not in LOCALES:
        raise ValueError(f"unknown locale {locale!r}; perfloop speaks {', '.join(LOCALES)}")
    return _walk(value, locale)


def _walk(value: Any, locale: str) -> Any:
    if isinstance(value, list):
        return [_walk(item, locale) for item in value]
    if not isinstance(value, Mapping):
        return value
    if _is_text(value):
        return value.get(locale) or next(iter(value.values()))
    result: dict[str, Any] = {}
    for key, item in value.items():
        if key != "x-enum-titles":
            result[_RENAMED[key] if key in _RENAMED else str(key)] = _walk(item, locale)
    titles = value.get("x-enum-titles")
    if isinstance(titles, list) and isinstance(value.get("enum"), list):
        options = zip(value["enum"], titles, strict=False)
        result["oneOf"] = [{"const": v, "title": _walk(t, locale)} for v, t in options]
        del result["enum"]
    return result
