"""Statements that do not grow with the company: long value lists cut into chunks.

A statement's ``IN`` list, or a multi-row ``VALUES`` list, sized by headcount
would pass the drivers' cap on bound parameters (asyncpg 32,767, SQLite
32,766) somewhere past a few thousand people, and a huge statement is slow to
build and to plan long before that. Every such list goes through
:func:`chunked` and a loop, one statement per chunk; where the values come from
a query, a subquery is used instead of a list.

Chunks keep the order they are given: a caller locking rows in id order passes
the ids sorted, and the locks are taken in that order across chunks.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

__all__ = ["CHUNK_SIZE", "MAX_PARAMETERS", "chunked"]

T = TypeVar("T")

#: Values of an ``IN`` list, or rows of a multi-row ``VALUES``, per statement.
CHUNK_SIZE = 1_000
#: Bound parameters a statement may carry on both drivers (SQLite's cap; asyncpg's is 32,767).
MAX_PARAMETERS = 32_766


def chunked(values: Iterable[T], *, width: int = 1) -> Iterator[list[T]]:
    """``values`` in lists of at most :data:`CHUNK_SIZE`, in order; with ``width``
    (parameters per value, e.g. a row's columns) also at most
    :data:`MAX_PARAMETERS` parameters per list. Nothing for no values."""
    size = max(1, min(CHUNK_SIZE, MAX_PARAMETERS // max(1, width)))
    chunk: list[T] = []
    for value in values:
        chunk.append(value)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
