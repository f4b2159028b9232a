"""Shared scalar-like types."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NewType

import strawberry
from graphql import ValueNode, value_from_ast_untyped
from strawberry.scalars import JSON
from strawberry.types.scalar import ScalarDefinition

__all__ = ["JSON", "SCALAR_MAP", "I18nText", "I18nTextInput", "JSONObject"]


def _object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        kind = "an array" if isinstance(value, list) else f"{type(value).__name__} {value!r:.40}"
        raise ValueError(f"a JSON object ({{...}}) belongs here, not {kind}")
    return value


def _object_literal(node: ValueNode, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    return _object(value_from_ast_untyped(node, variables))


#: A JSON argument whose value must be an object: anything else (a string where
#: an item's thresholds belong) is refused while the request is validated, with
#: INVALID naming the argument, instead of being dropped or failing later.
JSONObject = NewType("JSONObject", dict[str, Any])

#: The scalars the schema maps (``StrawberryConfig.scalar_map``).
SCALAR_MAP: dict[object, ScalarDefinition] = {
    JSONObject: strawberry.scalar(
        name="JSONObject",
        description="A JSON object ({...}); any other JSON value is refused.",
        serialize=lambda value: value,
        parse_value=_object,
        parse_literal=_object_literal,
    )
}


@strawberry.type(description="Text in both product languages.")
class I18nText:
    zh_cn: str = strawberry.field(name="zhCN")
    en: str

    @classmethod
    def from_dict(cls, value: Mapping[str, str]) -> I18nText:
        return cls(zh_cn=value.get("zh-CN", ""), en=value.get("en", ""))


@strawberry.input(
    description="Text in the product languages; a language left out reads as the other one."
)
class I18nTextInput:
    zh_cn: str | None = strawberry.field(default=None, name="zhCN")
    en: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        """As templates hold bilingual text: ``{"zh-CN": …, "en": …}``."""
        return {"zh-CN": self.zh_cn, "en": self.en}
