"""The `Template` value and the small helpers every kind shares."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

__all__ = [
    "KINDS",
    "Template",
    "canonical_json",
    "checksum",
    "format_ref",
    "parse_ref",
]

KINDS: Final = ("form", "kpi-library", "scoring", "cycle", "dataset", "app")
"""Every template kind, in the order an app is assembled from them."""

_REF = re.compile(r"^([a-z][a-z0-9-]*(?:\.[a-z0-9][a-z0-9-]*)*)@([1-9][0-9]*)$")


def parse_ref(ref: str) -> tuple[str, int] | None:
    """`"sales-kpis@1"` -> `("sales-kpis", 1)`; None when `ref` is not key@version."""
    match = _REF.match(ref)
    if match is None:
        return None
    return match.group(1), int(match.group(2))


def format_ref(key: str, version: int) -> str:
    return f"{key}@{version}"


def canonical_json(document: Any) -> bytes:
    """Key-sorted, compact, UTF-8 JSON: equal documents give equal bytes."""
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def checksum(document: Any) -> str:
    """sha256 (hex) of the canonical JSON."""
    return hashlib.sha256(canonical_json(document)).hexdigest()


@dataclass(frozen=True, slots=True)
class Template:
    """A validated template document and its identity.

    `document` is a private deep copy; treat it as read-only (published
    versions are immutable). Two templates are equal when kind, key, version
    and checksum are.
    """

    kind: str
    key: str
    version: int
    title: Mapping[str, str] = field(compare=False)
    document: Mapping[str, Any] = field(compare=False, repr=False)
    checksum: str

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> Template:
        """Wrap a document that passed `validate_document` (header fields are trusted)."""
        body = copy.deepcopy(dict(document))
        return cls(
            kind=str(body["kind"]),
            key=str(body["key"]),
            version=int(body["version"]),
            title=dict(body["title"]),
            document=body,
            checksum=checksum(body),
        )

    @property
    def ref(self) -> str:
        """`key@version`, as other templates reference this one."""
        return format_ref(self.key, self.version)
