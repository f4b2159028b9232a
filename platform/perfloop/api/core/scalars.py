"""Shared scalar-like types."""

from __future__ import annotations

from collections.abc import Mapping

import strawberry
from strawberry.scalars import JSON

__all__ = ["JSON", "I18nText"]


@strawberry.type(description="Text in both product languages.")
class I18nText:
    zh_cn: str = strawberry.field(name="zhCN")
    en: str

    @classmethod
    def from_dict(cls, value: Mapping[str, str]) -> I18nText:
        return cls(zh_cn=value.get("zh-CN", ""), en=value.get("en", ""))
