"""Reading mutation and query inputs: database ids from GraphQL IDs, and the
fields a client actually sent.

An id that is not a number (ASCII digits only: ``"²"`` and ``"٣"`` are not ids)
or is past the id columns' 32-bit range becomes -1, which matches no row: the
answer is the same as for a missing object, on SQLite and PostgreSQL alike,
so a malformed id neither leaks anything nor reaches the database as an error.
"""

from __future__ import annotations

from typing import Any

import strawberry

__all__ = ["MAX_ID", "as_id", "given", "required_id"]

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
