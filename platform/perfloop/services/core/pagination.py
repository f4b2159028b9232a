"""Relay-style pages: opaque keyset cursors, a hard page cap, a total count.

Every list that grows with the company is paged the same way, by one rule:

- A list has a stable order given by its *sort key*, a few columns that are
  unique together (``employee_no, id``; ``starts_on DESC, id``). A cursor is
  the sort key of a row, as JSON in URL-safe base64; the next page is the
  rows whose key comes after it (keyset pagination: no OFFSET, so a page
  costs the same at the start and at the end of a long list, and a row added
  meanwhile neither repeats nor skips one).
- ``first`` is between 0 and the page cap (``PERFLOOP_MAX_PAGE_SIZE``);
  20 when it is not given.
- A cursor that is not one of ours — not base64, not JSON, the wrong shape,
  a value of the wrong type or past its column's range, a text no database
  stores — is refused with ``INVALID`` on the path ``after`` before it
  reaches the database, so both databases answer alike and never with an
  internal error.

:func:`keyset_page` pages a SQL query; :func:`check_page` checks a page's
arguments before a service does its work.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar, Union

from sqlalchemy import BigInteger, DateTime, and_, func, literal, or_, select
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

from perfloop.services.core.errors import ErrorCode, ServiceError

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement, Select
    from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")

#: ``first`` when a client does not say.
DEFAULT_PAGE_SIZE = 20
#: The page cap of a service called without one (the CLI, the demo, tests);
#: the API passes ``PERFLOOP_MAX_PAGE_SIZE``.
DEFAULT_PAGE_CAP = 100
#: A cursor longer than this is not one of ours (ours are a few dozen characters).
MAX_CURSOR_LENGTH = 1_000
#: Integer columns hold 32 bits unless they are BIGINT.
_INT32 = 2**31
_INT64 = 2**63

#: A sort column: a mapped attribute, a column, or either's ``.desc()``.
Ordering = Union["ColumnElement[Any]", QueryableAttribute[Any]]
#: A sort key value as a cursor carries it: what JSON holds, dates as ISO text.
KeyValue = int | float | str | dt.date | dt.datetime


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    cursors: Sequence[str]
    has_next_page: bool
    has_previous_page: bool
    #: None when the caller did not ask for it (``keyset_page(count=False)``)
    total_count: int | None


def _not_a_cursor(what: str) -> ServiceError:
    return ServiceError.one(ErrorCode.INVALID, f"`after` is not a {what} cursor", ("after",))


def encode_cursor(key: Sequence[KeyValue]) -> str:
    """The opaque cursor of a row whose sort key is ``key``."""
    values = [v.isoformat() if isinstance(v, dt.date) else v for v in key]
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def _text(value: object) -> str:
    """A text a database stores: no NUL (PostgreSQL refuses it), valid UTF-8."""
    if not isinstance(value, str) or "\x00" in value:
        raise ValueError(value)
    value.encode()  # a lone surrogate ("\ud800") is not UTF-8: UnicodeEncodeError
    return value


def _integer(bound: int) -> Callable[[object], int]:
    def convert(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not -bound <= value < bound:
            raise ValueError(value)
        return value

    return convert


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(value)
    return float(value)


def _date(value: object) -> dt.date:
    return dt.date.fromisoformat(_text(value))


def _datetime(aware: bool) -> Callable[[object], dt.datetime]:
    """A timestamp as its column takes it: with a time zone (UTC when the text
    has none) or without one (converted to UTC first)."""

    def convert(value: object) -> dt.datetime:
        moment = dt.datetime.fromisoformat(_text(value))
        if aware:
            return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment

    return convert


Converter = Callable[[object], Any]

#: Converters for the Python types of an in-memory sort key.
CONVERTERS: dict[type, Converter] = {
    int: _integer(_INT64),
    float: _number,
    str: _text,
    dt.date: _date,
    dt.datetime: _datetime(aware=True),
}


def decode_cursor(cursor: str, converters: Sequence[Converter], what: str) -> list[Any]:
    """The sort key in ``cursor``, each value converted for its column; INVALID
    naming ``after`` when it is not a ``what`` cursor from this API."""
    try:
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise ValueError(cursor[:20])
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(values, list) or len(values) != len(converters):
            raise ValueError(values)
        return [convert(v) for convert, v in zip(converters, values, strict=True)]
    except (binascii.Error, ValueError, UnicodeError, RecursionError, OverflowError):
        raise _not_a_cursor(what) from None


def check_first(first: int | None, cap: int) -> int:
    """Validate a ``first`` argument against the page cap."""
    if first is None:
        return min(DEFAULT_PAGE_SIZE, cap)
    if first < 0 or first > cap:
        raise ServiceError.one(
            ErrorCode.INVALID, f"`first` must be between 0 and {cap} (got {first})", ("first",)
        )
    return first


@dataclass(frozen=True)
class _SortColumn:
    column: ColumnElement[Any]
    descending: bool
    convert: Converter


def _sort_column(ordering: Ordering) -> _SortColumn:
    expression = (
        ordering.__clause_element__() if isinstance(ordering, QueryableAttribute) else ordering
    )
    descending = False
    if isinstance(expression, UnaryExpression) and expression.modifier in (
        operators.desc_op,
        operators.asc_op,
    ):
        descending = expression.modifier is operators.desc_op
        expression = expression.element
    kind = expression.type
    python = kind.python_type
    convert: Converter
    if python is dt.datetime:
        convert = _datetime(aware=isinstance(kind, DateTime) and bool(kind.timezone))
    elif python is int:
        convert = _integer(_INT64 if isinstance(kind, BigInteger) else _INT32)
    else:
        convert = CONVERTERS[python]
    return _SortColumn(expression, descending, convert)


def _after(keys: Sequence[_SortColumn], values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows whose sort key comes after ``values`` (each column in its direction)."""
    alternatives = []
    for i, key in enumerate(keys):
        beyond = key.column < values[i] if key.descending else key.column > values[i]
        equal = [k.column == v for k, v in zip(keys[:i], values[:i], strict=True)]
        alternatives.append(and_(*equal, beyond))
    return or_(*alternatives)


async def keyset_page(
    session: AsyncSession,
    query: Select[Any],
    order: Sequence[Ordering],
    *,
    first: int | None,
    after: str | None,
    cap: int,
    what: str,
    count: bool = True,
) -> Page[Any]:
    """One page of ``query``'s rows in ``order`` (columns unique together and not
    null; ``column.desc()`` for a descending one), after an opaque cursor.

    Items are the query's single entity or column (``select(Employee)`` gives
    employees), or tuples when it selects several. The total counts every row
    of ``query``. One statement: the page, with one row past it (which tells
    whether there is a next page) and the total; a page past the last row
    counts in a second one. With ``count=False`` there is no total (None): a
    page then costs the same however many rows the query has (counting 100,000
    plans costs more than reading a page of them).
    """
    limit = check_first(first, cap)
    keys = [_sort_column(expression) for expression in order]
    values = None if after is None else decode_cursor(after, [k.convert for k in keys], what)
    # Counted over the query's FROM and WHERE only: its columns (a template's
    # body, say) are not read to be counted.
    rows_of = query.order_by(None).with_only_columns(literal(1), maintain_column_froms=True)
    counting = select(func.count()).select_from(rows_of.subquery())
    width = len(query.column_descriptions)
    # The total rides along as an uncorrelated scalar subquery (both databases
    # compute it once per statement), so a page is one statement.
    totals = [counting.scalar_subquery()] if count else []
    page = query.add_columns(*(k.column for k in keys), *totals).order_by(None).order_by(*order)
    if values is not None:
        page = page.where(_after(keys, values))
    fetched = (await session.execute(page.limit(limit + 1))).all()
    total: int | None = None
    if not count:
        pass
    elif fetched:
        total = fetched[0][-1]
    elif values is None:
        total = 0  # not one row, even before any cursor
    else:  # past the last row: the total still counts them all
        total = (await session.execute(counting)).scalar_one()
    rows = fetched[:limit]
    end = -1 if count else None
    return Page(
        items=[row[0] if width == 1 else tuple(row[:width]) for row in rows],
        cursors=[encode_cursor(row[width:end]) for row in rows],
        has_next_page=len(fetched) > limit,
        has_previous_page=after is not None,
        total_count=total,
    )


def check_page(
    first: int | None, after: str | None, key_types: Sequence[type], *, cap: int, what: str
) -> tuple[int, tuple[Any, ...] | None]:
    """The page size and the decoded cursor of a page's arguments, for
    a service to refuse bad ones before it computes the rows."""
    limit = check_first(first, cap)
    if after is None:
        return limit, None
    return limit, tuple(decode_cursor(after, [CONVERTERS[t] for t in key_types], what))
