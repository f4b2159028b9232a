"""insert_many and update_many: set-based writes of many rows, JSON columns given as
text encoded once, on both databases; a row already there is a lost race."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import delete, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from perfloop.services.core.errors import race_conflict
from perfloop.store.core import insert_many, update_many
from perfloop.store.datasets import DatasetRecord

KEY = "bulk-writes-test"


def _row(n: int, data: dict[str, object]) -> dict[str, object]:
    return {
        "tenant_id": 0, "dataset_key": KEY, "dataset_version": 1, "record_key": f"r{n}",
        "subject": "ana@example.test", "date": dt.date(2026, 1, n % 28 + 1),
        "data": json.dumps(data, ensure_ascii=False), "batch_id": 0,
    }  # fmt: skip


async def _stored(session: AsyncSession) -> dict[str, object]:
    found = await session.execute(
        select(DatasetRecord.record_key, DatasetRecord.data)
        .where(DatasetRecord.dataset_key == KEY)
        .execution_options(populate_existing=True)
    )
    return dict(found.all())


async def test_many_rows_are_inserted_and_updated_with_their_json(
    session: AsyncSession,
) -> None:
    # given 2,500 rows (three chunks) whose JSON holds Chinese text, a null and a list
    await session.execute(delete(DatasetRecord).where(DatasetRecord.dataset_key == KEY))
    rows = [
        _row(n, {"名称": f"订单 {n}", "amount": n, "note": None, "tags": [n]}) for n in range(2_500)
    ]
    # when they are inserted, then some updated by id
    await insert_many(session, DatasetRecord, rows, encoded=("data",))
    await session.commit()
    found = await session.execute(
        select(DatasetRecord.record_key, DatasetRecord.id).where(DatasetRecord.dataset_key == KEY)
    )
    ids = dict(found.all())
    changes = [{"id": ids[f"r{n}"], "data": json.dumps({"moved": n})} for n in range(0, 2_500, 2)]
    await update_many(session, DatasetRecord, changes, encoded=("data",))
    await session.commit()
    # then every row reads back as the document it was given
    stored = await _stored(session)
    assert len(stored) == 2_500
    assert stored["r1"] == {"名称": "订单 1", "amount": 1, "note": None, "tags": [1]}
    assert stored["r2"] == {"moved": 2}


async def test_a_row_inserted_twice_is_a_lost_race(session: AsyncSession) -> None:
    # given a row stored already
    await session.execute(delete(DatasetRecord).where(DatasetRecord.dataset_key == KEY))
    await insert_many(session, DatasetRecord, [_row(1, {})], encoded=("data",))
    await session.commit()
    # when it is inserted again
    with pytest.raises(DBAPIError) as raised:
        await insert_many(session, DatasetRecord, [_row(2, {}), _row(1, {})], encoded=("data",))
    await session.rollback()
    # then the error is the database's own, answered as a CONFLICT to retry
    conflict = race_conflict(raised.value)
    assert conflict is not None
    assert conflict.errors[0].detail == "race.unique-violation"
    assert list(await _stored(session)) == ["r1"]
