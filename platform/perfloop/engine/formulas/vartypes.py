"""Static types the checker can know, read from a JSON-Schema-like description.

`variables` passed to `compile()` looks like a JSON Schema of the data:
`{"type": "object", "properties": {"actual": {"type": "number"}, "items":
{"type": "array", "items": {"type": "object", "properties": {...}}}}}`.
Only `type`, `properties`, `additionalProperties`, `items` and `enum` are
read; anything else is ignored. A type list such as `["number", "null"]`
means "a number, possibly missing" (every value may be null anyway).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

NUMBER = "number"
TEXT = "text"
BOOL = "boolean"
LIST = "list"
RECORD = "record"
NULL = "null"
UNKNOWN = "any"

_KIND_NAMES = {
    NUMBER: "a number",
    TEXT: "text",
    BOOL: "a boolean",
    LIST: "a list",
    RECORD: "a record",
    NULL: "null",
    UNKNOWN: "any value",
}


@dataclass(frozen=True, slots=True)
class SType:
    kind: str
    item: SType | None = None  #: element type of a list
    fields: Mapping[str, SType] | None = field(default=None, hash=False)  #: of a record
    closed: bool = False  #: a record whose fields are all listed
    enum: tuple[Any, ...] | None = None

    @property
    def known(self) -> bool:
        return self.kind not in (UNKNOWN, NULL)

    def describe(self) -> str:
        if self.kind == LIST and self.item is not None and self.item.kind == RECORD:
            return "a list of records"
        return _KIND_NAMES[self.kind]

    def is_(self, *kinds: str) -> bool:
        return self.kind in kinds


ANY = SType(UNKNOWN)
NUM_T = SType(NUMBER)
TEXT_T = SType(TEXT)
BOOL_T = SType(BOOL)
NULL_T = SType(NULL)
LIST_T = SType(LIST, ANY)
RECORD_T = SType(RECORD)

_JSON_TYPES = {
    "number": NUMBER,
    "integer": NUMBER,
    "string": TEXT,
    "boolean": BOOL,
    "array": LIST,
    "object": RECORD,
    "null": NULL,
}


def from_schema(schema: Any) -> SType:
    """The static type a (sub)schema describes; ANY when it says nothing usable."""
    if not isinstance(schema, Mapping):
        return ANY
    raw = schema.get("type")
    kinds: list[str] = []
    if isinstance(raw, str):
        kinds = [raw]
    elif isinstance(raw, list):
        kinds = [k for k in raw if isinstance(k, str)]
    mapped = {_JSON_TYPES[k] for k in kinds if k in _JSON_TYPES} - {NULL}
    enum = schema.get("enum")
    enum_t = tuple(enum) if isinstance(enum, list) else None
    if not mapped:
        if "properties" in schema:
            mapped = {RECORD}
        elif "items" in schema:
            mapped = {LIST}
        elif enum_t and all(isinstance(v, str) for v in enum_t):
            mapped = {TEXT}
    if len(mapped) != 1:
        return SType(NULL) if kinds == ["null"] else ANY
    kind = mapped.pop()
    if kind == LIST:
        return SType(LIST, from_schema(schema.get("items")))
    if kind == RECORD:
        props = schema.get("properties")
        if not isinstance(props, Mapping):
            return RECORD_T
        extra = schema.get("additionalProperties", False)
        fields = {str(k): from_schema(v) for k, v in props.items()}
        return SType(RECORD, fields=fields, closed=extra is False)
    return SType(kind, enum=enum_t)


def describe_value(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "a value"
