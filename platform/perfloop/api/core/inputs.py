"""Reading mutation and query inputs: database ids from GraphQL IDs, and the
fields a client actually sent.

An id that is not a number becomes -1, which matches no row: the answer is the
same as for a missing object, so a malformed id does not leak anything.
"""

from __future__ import annotations

from typing import Any

import strawberry

__all__ = ["as_id", "given", "required_id"]


def as_id(value: strawberry.ID | None) -> int | None:
    """A database id from a GraphQL ID; -1 (matches nothing) when it is not a number."""
    if value is None:
        return None
    text = str(value)
    return int(text) if text.isdigit() else -1


def required_id(value: strawberry.ID) -> int:
    """As :func:`as_id`, for an argument that cannot be null."""
    return as_id(value) or -1


def given(**fields: Any) -> dict[str, Any]:
    """The fields a client actually sent (UNSET ones are left out)."""
    return {k: v for k, v in fields.items() if v is not strawberry.UNSET}
