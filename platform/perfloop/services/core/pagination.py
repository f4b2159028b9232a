"""Relay-style pages: opaque keyset cursors, a hard page cap, a total count."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy import and_, func, or_, select

from perfloop.services.core.errors import ErrorCode, ServiceError

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.orm import InstrumentedAttribute

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    cursors: Sequence[str]
    has_next_page: bool
    has_previous_page: bool
    total_count: int


def encode_cursor(key: Sequence[object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode()


def decode_cursor(cursor: str) -> list[object]:
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        value = None
    if not isinstance(value, list):
        raise ServiceError.one(
            ErrorCode.INVALID, "`after` is not a cursor from this API", ("after",)
        )
    return value


def check_first(first: int | None, cap: int) -> int:
    """Validate a ``first`` argument against the page cap."""
    if first is None:
        return min(20, cap)
    if first < 0 or first > cap:
        raise ServiceError.one(
            ErrorCode.INVALID, f"`first` must be between 0 and {cap} (got {first})", ("first",)
        )
    return first


async def keyset_page(
    session: AsyncSession,
    model: type[T],
    where: Sequence[ColumnElement[bool]],
    order: tuple[InstrumentedAttribute[str], InstrumentedAttribute[int]],
    *,
    first: int | None,
    after: str | None,
    cap: int,
    what: str,
) -> Page[T]:
    """One page of ``model`` rows matching ``where``, ordered by a text column
    then an integer column (unique together), after an opaque cursor."""
    limit = check_first(first, cap)
    text_col, int_col = order
    total = (
        await session.execute(select(func.count()).select_from(model).where(*where))
    ).scalar_one()
    page_where = list(where)
    if after is not None:
        cursor = decode_cursor(after)
        if len(cursor) != 2 or not isinstance(cursor[0], str) or not isinstance(cursor[1], int):
            raise ServiceError.one(ErrorCode.INVALID, f"`after` is not a {what} cursor", ("after",))
        last_text, last_int = cursor
        page_where.append(
            or_(text_col > last_text, and_(text_col == last_text, int_col > last_int))
        )
    query = select(model).where(*page_where).order_by(text_col, int_col).limit(limit + 1)
    rows: Sequence[Any] = (await session.execute(query)).scalars().all()
    items = rows[:limit]
    return Page(
        items=items,
        cursors=[encode_cursor([getattr(r, text_col.key), getattr(r, int_col.key)]) for r in items],
        has_next_page=len(rows) > limit,
        has_previous_page=after is not None,
        total_count=total,
    )
