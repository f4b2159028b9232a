"""A write that loses a race the database reports (SQLite's "database is locked" after
the busy timeout, a PostgreSQL deadlock or unique violation) is a CONFLICT the client
retries, never INTERNAL."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from perfloop.services.core.errors import ErrorCode, race_conflict
from support import GraphQLClient, dataset_document

PUBLISH = """
mutation($d: JSON!) { publishTemplate(document: $d) { template { key } errors { code detail } } }
"""


async def test_a_write_waiting_out_the_sqlite_lock_is_a_conflict(
    gql: GraphQLClient, engine: AsyncEngine, backend: str
) -> None:
    if backend != "sqlite":
        pytest.skip("SQLite's database-wide write lock; PostgreSQL: see the deadlock test")
    # given another process holding SQLite's write lock longer than the busy timeout
    holder = sqlite3.connect(str(engine.url.database), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        body = await gql.raw(PUBLISH, {"d": dataset_document()}, as_user="hr")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    # then the write is refused as a conflict to retry, in its payload
    assert "errors" not in body, body
    errors = body["data"]["publishTemplate"]["errors"]
    assert [(e["code"], e["detail"]) for e in errors] == [("CONFLICT", "race.busy-database")]
    # and once the lock is gone, the same write goes through
    again = await gql.ok(PUBLISH, {"d": dataset_document()}, as_user="hr")
    assert again["publishTemplate"]["errors"] == []


async def test_a_deadlock_and_a_duplicate_key_are_conflicts(
    engine: AsyncEngine, backend: str
) -> None:
    if backend != "postgres":
        pytest.skip("row locks and deadlock detection are PostgreSQL's")
    async with engine.connect() as setup:
        await setup.execute(text("CREATE TABLE IF NOT EXISTS race_probe (id int PRIMARY KEY)"))
        await setup.execute(text("DELETE FROM race_probe"))
        await setup.execute(text("INSERT INTO race_probe VALUES (1), (2)"))
        await setup.commit()
    # two transactions each lock one row, then wait for the other's
    first, second = await engine.connect(), await engine.connect()
    try:
        await first.execute(text("SELECT id FROM race_probe WHERE id = 1 FOR UPDATE"))
        await second.execute(text("SELECT id FROM race_probe WHERE id = 2 FOR UPDATE"))
        outcomes = await asyncio.gather(
            first.execute(text("SELECT id FROM race_probe WHERE id = 2 FOR UPDATE")),
            second.execute(text("SELECT id FROM race_probe WHERE id = 1 FOR UPDATE")),
            return_exceptions=True,
        )
        lost = [o for o in outcomes if isinstance(o, BaseException)]
        assert len(lost) == 1
        assert isinstance(lost[0], DBAPIError)
        conflict = race_conflict(lost[0])
        assert conflict is not None
        assert conflict.code is ErrorCode.CONFLICT
        assert conflict.errors[0].detail == "race.deadlock"
    finally:
        await first.close()
        await second.close()
    async with engine.connect() as conn:
        with pytest.raises(DBAPIError) as duplicate:
            await conn.execute(text("INSERT INTO race_probe VALUES (1)"))
        found = race_conflict(duplicate.value)
        assert found is not None
        assert found.errors[0].detail == "race.unique-violation"
        await conn.rollback()
        # and an error that is not a race stays a bug
        with pytest.raises(DBAPIError) as other:
            await conn.execute(text("SELECT 1 / 0"))
        assert race_conflict(other.value) is None
        await conn.rollback()
        await conn.execute(text("DROP TABLE race_probe"))
        await conn.commit()
