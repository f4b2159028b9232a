"""Reading mutation and query inputs: database ids from GraphQL IDs, and the
fields a client actually sent.

An id that is not a number (ASCII digits only: ``"²"`` and ``"٣"`` are not ids)
or is past the id columns' 32-bit range becomes -1, which matches no row: the
answer is the same as for a missing object, on SQLite and PostgreSQL alike,
so a malformed id neither leaks anything nor reaches the database as an error.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import orjson
import strawberry
from graphql import DocumentNode, GraphQLError
from graphql.language import Node, StringValueNode
from strawberry.extensions import SchemaExtension

__all__ = [
    "MAX_ID",
    "NUL",
    "RefuseNul",
    "as_id",
    "document_nul_path",
    "given",
    "nul_path",
    "required_id",
    "variables_nul_path",
]

#: The largest id an id column holds (32-bit INTEGER on PostgreSQL).
MAX_ID = 2**31 - 1


def as_id(value: strawberry.ID | None) -> int | None:
    """A database id from a GraphQL ID; -1 (matches nothing) when it is not a number."""
    if value is None:
        return None
    text = str(value)
    if text.isascii() and text.isdigit() and len(text) <= len(str(MAX_ID)):
        number = int(text)
        if number <= MAX_ID:
            return number
    return -1


def required_id(value: strawberry.ID) -> int:
    """As :func:`as_id`, for an argument that cannot be null."""
    return as_id(value) or -1


def given(**fields: Any) -> dict[str, Any]:
    """The fields a client actually sent (UNSET ones are left out)."""
    return {k: v for k, v in fields.items() if v is not strawberry.UNSET}


#: The one character no database text column takes (PostgreSQL refuses it in
#: TEXT and in JSONB; SQLite stores it): refused in every input, on both.
NUL = "\x00"


def nul_path(value: Any, path: str = "") -> str | None:
    """Where in ``value`` (plain JSON data) a text or a key holds NUL, or None."""
    if isinstance(value, str):
        return path or "." if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if NUL in str(key):
                return here
            found = nul_path(item, here)
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = nul_path(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None


def variables_nul_path(variables: Mapping[str, Any] | None) -> str | None:
    """``nul_path`` of a request's variables, with a C-speed look first: orjson
    writes NUL as ``\\u0000``, so a request without that text has none."""
    if not variables or b"\\u0000" not in orjson.dumps(variables, default=str):
        return None
    return nul_path(dict(variables))


def document_nul_path(document: DocumentNode | None) -> str | None:
    """The first string literal of the document holding NUL, by its location."""
    if document is None:
        return None
    for node in _string_literals(document):
        if NUL in node.value:
            location = node.loc.source.get_location(node.loc.start) if node.loc else None
            return f"line {location.line}, column {location.column}" if location else "a literal"
    return None


def _string_literals(node: Any) -> Iterator[StringValueNode]:
    if isinstance(node, StringValueNode):
        yield node
        return
    for key in getattr(node, "keys", ()):
        child = getattr(node, key, None)
        if isinstance(child, Node):
            yield from _string_literals(child)
        elif isinstance(child, tuple | list):
            for item in child:
                if isinstance(item, Node):
                    yield from _string_literals(item)


class RefuseNul(SchemaExtension):
    """A request whose variables or string literals hold NUL is refused with
    INVALID, naming where, before it executes: PostgreSQL cannot store NUL and
    SQLite would, so refusing it keeps the two databases alike."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if not context.pre_execution_errors:
            where = variables_nul_path(context.variables)
            if where is not None:
                where = f"variable {where}"
            else:
                where = document_nul_path(context.graphql_document)
            if where is not None:
                context.pre_execution_errors = [
                    GraphQLError(
                        f"text must not contain the NUL character (\\u0000): {where}",
                        extensions={"code": "INVALID"},
                    )
                ]
        yield
