"""Writes to shared rows that stay right under concurrent writers, on both databases.

- ``lock_rows``: read rows for update. PostgreSQL locks them (``SELECT … FOR NO KEY
  UPDATE``: writers of the same rows wait for each other, while an insert that only
  refers to a locked row — its foreign key check takes ``KEY SHARE`` — goes on, so a
  check-in is not held up by an edit of its plan, and cannot deadlock with it);
  SQLite has no row locks, so a no-op ``UPDATE`` of the same rows takes
  the database's write lock first (writers then run one at a time, readers go on
  under WAL). Either way, what the caller reads is current and stays so until
  commit: a read-check-write on those rows cannot interleave with another.
- ``keep_rows``: a read of rows that a write then refers to (an actual or a check-in
  on a plan item): on PostgreSQL they are held with ``FOR KEY SHARE`` until commit, so
  a concurrent delete waits (and a row deleted before is not read) and the insert that
  refers to them cannot fail its foreign key; updates of the rows go on meanwhile. On
  SQLite the database's one writer is the rule: a row deleted between the read and the
  write makes the write fail as "database is locked", answered as a conflict.
- ``insert_or_ignore`` / ``upsert``: ``INSERT … ON CONFLICT`` on a unique key, so
  two first writes of the same row do not both insert (one of them would be a
  unique violation) and a repeated write is idempotent.

Both dialects' ``insert`` constructs share the ``on_conflict_do_*`` API.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import ColumnElement, Select, Table, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError

from perfloop.store.core.base import json_text, table_of
from perfloop.store.core.chunks import chunked

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.store.core.base import Base

T = TypeVar("T", bound="Base")
S = TypeVar("S", bound="Select[*tuple[Any, ...]]")

__all__ = [
    "insert_many",
    "insert_or_ignore",
    "keep_rows",
    "lock_rows",
    "update_many",
    "upsert",
    "upsert_many",
]


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def lock_rows(
    session: AsyncSession,
    model: type[T],
    *criteria: ColumnElement[bool],
    order_by: Any = None,
    options: Sequence[Any] = (),
) -> list[T]:
    """The rows of ``model`` matching ``criteria``, locked until the transaction ends
    and read afresh (objects already in the session are refreshed); ``options``: loader
    options (``load_only`` to read a few columns of wide rows)."""
    query = select(model).where(*criteria).execution_options(populate_existing=True)
    if options:
        query = query.options(*options)
    if order_by is not None:
        query = query.order_by(order_by)
    if _dialect(session) == "sqlite":
        pk = model.__mapper__.primary_key[0]
        await session.execute(
            update(model)
            .where(*criteria)
            .values({pk.key: pk})
            .execution_options(synchronize_session=False)
        )
    else:  # ordered by primary key, so two lockers of overlapping sets cannot deadlock
        query = query.with_for_update(key_share=True)  # FOR NO KEY UPDATE
        if order_by is None:
            query = query.order_by(*model.__mapper__.primary_key)
    return list((await session.execute(query)).scalars())


def keep_rows(query: S, *models: type[Base]) -> S:
    """``query``, holding the rows it returns of ``models`` until the transaction ends:
    nobody deletes them (or changes their key) meanwhile, updates go on. Rows are held
    in the query's order: order it by the held model's primary key, as a delete of
    several rows is (SQLAlchemy deletes in primary-key order), so that holders and
    deleters of overlapping rows cannot deadlock. No-op on SQLite (see the module)."""
    return query.with_for_update(read=True, key_share=True, of=list(models))  # FOR KEY SHARE


def _insert(session: AsyncSession, model: type[Base] | Table) -> Any:
    if _dialect(session) == "sqlite":
        return sqlite.insert(model)
    return postgresql.insert(model)


async def insert_or_ignore(
    session: AsyncSession,
    model: type[Base],
    rows: Sequence[Mapping[str, Any]],
    key: Sequence[str],
) -> None:
    """Insert ``rows``, leaving out those whose ``key`` columns match an existing row;
    in chunks (:func:`~perfloop.store.core.chunks.chunked`), in the order given.

    One statement compiled once, executed with many parameter sets (SQLAlchemy's
    "insertmanyvalues" batches them): building a multi-row ``VALUES`` per chunk
    instead cost more than the database's work (0.16 s of compiling per 1,000 rows)."""
    stmt = _insert(session, table_of(model)).on_conflict_do_nothing(index_elements=list(key))
    for chunk in chunked(rows):
        await session.execute(stmt, [dict(r) for r in chunk])


async def upsert(
    session: AsyncSession,
    model: type[Base],
    values: Mapping[str, Any],
    key: Sequence[str],
    update: Sequence[str],
) -> int:
    """Insert one row, or update the ``update`` columns of the row with the same ``key``;
    returns the row's primary key."""
    stmt = _insert(session, model).values(dict(values))
    stmt = stmt.on_conflict_do_update(
        index_elements=list(key), set_={c: stmt.excluded[c] for c in update}
    ).returning(*model.__mapper__.primary_key)
    return int((await session.execute(stmt)).scalar_one())


async def upsert_many(
    session: AsyncSession,
    model: type[Base],
    rows: Sequence[Mapping[str, Any]],
    key: Sequence[str],
    update: Sequence[str],
    *,
    unless: ColumnElement[bool] | None = None,
    encoded: Collection[str] = (),
) -> None:
    """``upsert`` for many rows (same columns in each), in chunks (in the order given);
    an existing row for which ``unless`` holds is left as it is. Like
    :func:`insert_or_ignore`, one statement executed with many parameter sets. The
    ``encoded`` columns are JSON columns whose values are JSON text already (see
    ``json_text``)."""
    stmt = _insert(session, table_of(model))
    if encoded:
        stmt = stmt.values(_encoded_values(encoded, _dialect(session)))
    stmt = stmt.on_conflict_do_update(
        index_elements=list(key),
        set_={c: stmt.excluded[c] for c in update},
        where=None if unless is None else ~unless,
    )
    for chunk in chunked(rows):
        await session.execute(
            stmt, [{f"{k}__json" if k in encoded else k: v for k, v in r.items()} for r in chunk]
        )


async def insert_many(
    session: AsyncSession,
    model: type[Base],
    rows: Sequence[Mapping[str, Any]],
    *,
    encoded: Collection[str] = (),
) -> None:
    """Insert new ``rows`` (the same columns in each; the ``encoded`` ones are JSON
    columns whose values are JSON text already, see ``json_text``), in chunks.

    PostgreSQL: ``COPY`` (asyncpg's ``copy_records_to_table``, in the session's
    transaction) — for a company's plan items it is several times cheaper than an
    ``INSERT`` per row for the database, and the driver encodes the rows in C. A row
    that is there already fails the whole statement (a unique violation, raised as
    SQLAlchemy's ``DBAPIError`` and answered as a lost race): use it for rows known
    to be new, under the locks that keep them so.
    SQLite: one ``INSERT`` with many parameter sets."""
    if not rows:
        return
    table = table_of(model)
    columns = list(rows[0])
    if _dialect(session) == "postgresql":
        import asyncpg  # type: ignore[import-untyped]

        raw = await (await session.connection()).get_raw_connection()
        driver: Any = raw.driver_connection
        for chunk in chunked(rows):
            records = [tuple(r[c] for c in columns) for r in chunk]
            try:
                await driver.copy_records_to_table(table.name, records=records, columns=columns)
            except asyncpg.PostgresError as exc:  # as SQLAlchemy wraps the driver's errors
                raise DBAPIError(f"COPY {table.name}", None, exc) from exc
        return
    stmt = insert(table).values(_encoded_values(encoded, "sqlite"))
    for chunk in chunked(rows):
        await session.execute(stmt, [_renamed(r, encoded) for r in chunk])


async def update_many(
    session: AsyncSession,
    model: type[Base],
    rows: Sequence[Mapping[str, Any]],
    *,
    encoded: Collection[str] = (),
) -> None:
    """Update rows by primary key: each of ``rows`` holds its ``id`` and the columns to
    set (the same in each; the ``encoded`` ones JSON text, as for :func:`insert_many`).
    One statement with many parameter sets, in chunks."""
    table = table_of(model)
    stmt = (
        update(table)
        .where(table.c.id == bindparam("id__row"))
        .values(_encoded_values(encoded, _dialect(session)))
    )
    for chunk in chunked(rows):
        await session.execute(stmt, [_renamed(r, encoded) for r in chunk])


def _encoded_values(encoded: Collection[str], dialect: str) -> dict[str, Any]:
    return {c: json_text(f"{c}__json", dialect) for c in encoded}


def _renamed(row: Mapping[str, Any], encoded: Collection[str]) -> dict[str, Any]:
    """A row's parameters: JSON text under its own name, the id under the WHERE's."""
    return {
        ("id__row" if k == "id" else f"{k}__json" if k in encoded else k): v for k, v in row.items()
    }
