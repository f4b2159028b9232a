"""Every text column's length, enforced when a value is assigned, not by the database.

PostgreSQL refuses a text longer than its ``String(n)`` column (an error at
flush, which the API answered as INTERNAL) and SQLite stores it whole, so the
same input failed on one database and was kept on the other. The models are
the one place that knows the lengths: for every mapped ``String(n)`` column an
attribute ``set`` listener refuses a longer text with :class:`TextTooLong`
the moment a service assigns it (constructor keywords included), before any
SQL, on both databases alike. The API answers it as INVALID naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import String, event
from sqlalchemy.orm import ColumnProperty, Mapper

__all__ = ["TextTooLong", "check_lengths", "column_length", "guard_text_lengths"]


class TextTooLong(Exception):
    """A text longer than the column it is assigned to."""

    def __init__(self, model: str, attribute: str, limit: int, length: int) -> None:
        super().__init__(f"{model}.{attribute} takes at most {limit} characters, not {length}")
        self.model, self.attribute, self.limit, self.length = model, attribute, limit, length


def column_length(model: type[Any], attribute: str) -> int:
    """The ``String(n)`` length of ``model.attribute``: services that report every
    problem of an input at once ask the model, never repeat the number."""
    length = getattr(model.__table__.c[attribute].type, "length", None)
    if not isinstance(length, int):
        raise TypeError(f"{model.__name__}.{attribute} is not a String(n) column")
    return length


def check_lengths(model: type[Any], values: Mapping[str, Any]) -> None:
    """Raise :class:`TextTooLong` for the first text in ``values`` (by attribute) longer
    than its ``String(n)`` column: the same check as assigning them, for a service that
    writes many rows with one set-based statement instead of through objects."""
    columns = model.__table__.c
    for name, value in values.items():
        limit = getattr(columns[name].type, "length", None) if name in columns else None
        if isinstance(value, str) and isinstance(limit, int) and len(value) > limit:
            raise TextTooLong(model.__name__, name, limit, len(value))


def _checker(model: str, attribute: str, limit: int) -> Any:
    def check(_target: Any, value: Any, _old: Any, _initiator: Any) -> Any:
        if isinstance(value, str) and len(value) > limit:
            raise TextTooLong(model, attribute, limit, len(value))
        return value

    return check


def guard_text_lengths(base: type[Any]) -> None:
    """Check the length of every ``String(n)`` attribute of ``base``'s models."""

    @event.listens_for(base, "mapper_configured", propagate=True)
    def _guard(mapper: Mapper[Any], cls: type[Any]) -> None:
        for prop in mapper.column_attrs:
            if not isinstance(prop, ColumnProperty) or len(prop.columns) != 1:
                continue
            column_type = prop.columns[0].type
            limit = getattr(column_type, "length", None)
            if isinstance(column_type, String) and limit:
                check = _checker(cls.__name__, prop.key, limit)
                event.listen(getattr(cls, prop.key), "set", check, retval=True)
