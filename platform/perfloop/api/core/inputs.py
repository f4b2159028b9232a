"""Reading mutation and query inputs: database ids from GraphQL IDs, and the
fields a client actually sent.

An id that is not a number (ASCII digits only: ``"²"`` and ``"٣"`` are not ids)
or is past the id columns' 32-bit range becomes -1, which matches no row: the
answer is the same as for a missing object, on SQLite and PostgreSQL alike,
so a malformed id neither leaks anything nor reaches the database as an error.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

import orjson
import strawberry
from graphql import DocumentNode, GraphQLError
from graphql.language import FloatValueNode, Node, StringValueNode
from strawberry.extensions import SchemaExtension

__all__ = [
    "MAX_ID",
    "NUL",
    "RefuseUnstorable",
    "as_id",
    "document_problem",
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
    writes NUL as ``\\u0000``, so a request without that text has none. (orjson
    refuses an integer past 64 bits, which JSON allows: such variables are
    searched the slow way.)"""
    if not variables:
        return None
    try:
        if b"\\u0000" not in orjson.dumps(variables, default=str):
            return None
    except TypeError:  # orjson refuses an integer past 64 bits, which JSON allows: look slowly
        pass
    return nul_path(dict(variables))


def document_problem(document: DocumentNode | None) -> str | None:
    """What no database can store in the document's literals, and where: a
    string holding NUL, or a number past a double's range (``1e999``)."""
    if document is None:
        return None
    for node in _literals(document):
        if isinstance(node, StringValueNode):
            if NUL in node.value:
                return f"a text holds the NUL character (\\u0000) at {_where(node)}"
        elif not math.isfinite(float(node.value)):
            return f"the number {node.value[:20]} is past a double's range at {_where(node)}"
    return None


def _where(node: Node) -> str:
    if node.loc is None:
        return "a literal"
    location = node.loc.source.get_location(node.loc.start)
    return f"line {location.line}, column {location.column}"


def _literals(node: Any) -> Iterator[StringValueNode | FloatValueNode]:
    if isinstance(node, StringValueNode | FloatValueNode):
        yield node
        return
    for key in getattr(node, "keys", ()):
        child = getattr(node, key, None)
        if isinstance(child, Node):
            yield from _literals(child)
        elif isinstance(child, tuple | list):
            for item in child:
                if isinstance(item, Node):
                    yield from _literals(item)


class RefuseUnstorable(SchemaExtension):
    """A request carrying what no database column can store is refused with
    INVALID, naming where, before it executes: NUL in a text (PostgreSQL
    refuses it, SQLite would store it) in its variables or its literals, or a
    literal number past a double's range. (Variables cannot carry NaN or
    infinity: the request body's JSON decoder refuses them.)"""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if not context.pre_execution_errors:
            where = variables_nul_path(context.variables)
            problem = (
                f"a text holds the NUL character (\\u0000): variable {where}"
                if where is not None
                else document_problem(context.graphql_document)
            )
            if problem is not None:
                context.pre_execution_errors = [
                    GraphQLError(problem, extensions={"code": "INVALID"})
                ]
        yield
