"""How records are encoded for storage: the JSON text, the binary COPY rows,
the field order of converted cells, and records JSON cannot hold."""

from __future__ import annotations

import datetime as dt
import json
import struct
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from dataset_helpers import HR, NORTH_LEAD, caller_for, order
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from perfloop.ingest import encode_record, pgcopy, prepare_records, spec_for_body
from perfloop.ingest.files import _columns, _compile, _plan
from perfloop.services import datasets
from perfloop.store.datasets import DatasetRecord
from perfloop.templates import load_builtin_templates

Publish = Callable[[], Awaitable[str]]
STANDARD = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode


def sales_orders() -> Any:
    body = load_builtin_templates().resolve("sales-orders", 1)
    assert body is not None
    return spec_for_body(body)


def read_copy(data: bytes) -> list[list[bytes | None]]:
    """A small reader of PostgreSQL's binary COPY format, to check what is sent."""
    assert data[:11] == b"PGCOPY\n\xff\r\n\x00"
    assert struct.unpack("!ii", data[11:19]) == (0, 0)
    at, rows = 19, []
    while True:
        (count,) = struct.unpack("!h", data[at : at + 2])
        at += 2
        if count == -1:
            assert at == len(data)
            return rows
        fields: list[bytes | None] = []
        for _ in range(count):
            (size,) = struct.unpack("!i", data[at : at + 4])
            at += 4
            fields.append(None if size == -1 else data[at : at + size])
            at += max(size, 0)
        rows.append(fields)


def test_json_text_is_compact_utf8_as_the_standard_encoder_writes_it() -> None:
    record = {
        "name": '张伟 "quoted" \\ back\nline\t\x01',
        "amount": 1200.5,
        "count": 3,
        "big": 2**70,  # beyond orjson's 64 bits: the standard encoder takes over
        "flags": [True, False, None],
        "tiny": 0.25,
    }
    assert encode_record(record) == STANDARD(record).encode()
    assert json.loads(encode_record(record)) == record


@pytest.mark.parametrize(
    "bad", [float("nan"), float("inf"), [1.0, float("-inf")], "\ud800", dt.date(2025, 1, 1)]
)
def test_values_json_cannot_hold_are_refused(bad: Any) -> None:
    with pytest.raises((ValueError, TypeError)):
        encode_record({"value": bad, "other": None})


def test_copy_rows_carry_the_batch_fields_and_the_record() -> None:
    spec = sales_orders()
    records = [
        order(1, "Sales-North.Lead@demo.perfloop.dev", "2025-01-05", 1200.5),
        order(2, NORTH_LEAD, "2025-02-10", 300, region="华北"),
    ]
    copy = prepare_records(spec, enumerate(records), format="postgresql")
    rows = prepare_records(spec, enumerate(records), format="sqlite")
    assert copy.ok
    assert rows.ok
    assert (copy.size, copy.rows, rows.size, rows.copy_rows) == (2, [], 2, [])
    # the same JSON text, so the same checksum, whichever database stores it
    assert copy.checksum == rows.checksum
    assert [pgcopy.tail_key(t) for t in copy.copy_rows] == ["SO-000001", "SO-000002"]
    data = b"".join(pgcopy.copy_data(7, 42, "sales-orders", 1, copy.copy_rows, chunk_rows=1))
    decoded = read_copy(data)
    assert len(decoded) == 2
    for fields, record, row in zip(decoded, records, rows.rows, strict=True):
        named = dict(zip(pgcopy.COLUMNS, fields, strict=True))
        assert struct.unpack("!i", named["tenant_id"] or b"") == (7,)
        assert struct.unpack("!i", named["batch_id"] or b"") == (42,)
        assert named["dataset_key"] == b"sales-orders"
        assert struct.unpack("!i", named["dataset_version"] or b"") == (1,)
        assert named["record_key"] == record["order_id"].encode()
        assert named["subject"] == NORTH_LEAD.encode()  # an employee-email subject, lower-cased
        (days,) = struct.unpack("!i", named["date"] or b"")
        assert dt.date(2000, 1, 1) + dt.timedelta(days=days) == dt.date.fromisoformat(row[2])
        assert named["data"] == b"\x01" + row[3].encode()  # jsonb: version 1, then the text
        assert json.loads(row[3]) == record
    assert read_copy(b"".join(pgcopy.copy_data(7, 42, "sales-orders", 1, []))) == []


def test_converted_cells_are_set_in_jsonb_key_order_for_postgresql() -> None:
    spec = sales_orders()
    header = ["order_id", "owner_email", "customer_id", "order_date", "amount", "status"]
    cells = ["SO-1", NORTH_LEAD, "C1", "2025-01-01", "1,200.50", "paid"]
    plan = _plan(spec, _columns(spec).match([*header, "deal_type"]))
    for_pg = _compile(plan, "postgresql")([*cells, "new"])
    for_sqlite = _compile(plan, "sqlite")([*cells, "new"])
    assert for_pg == for_sqlite
    assert list(for_sqlite) == [*header, "deal_type"]
    assert list(for_pg) == sorted(for_pg, key=lambda k: (len(k.encode()), k.encode()))
    assert list(for_pg)[:2] == ["amount", "status"]


async def test_stored_records_read_back_as_sent(
    session: AsyncSession, publish_dataset: Publish
) -> None:
    dataset = await publish_dataset()
    hr = await caller_for(session, HR)
    records = [
        order(1, NORTH_LEAD, "2025-01-05", 1e-7, region='华北 "north"\n'),
        order(2, NORTH_LEAD, "2025-01-06", 2**70, customer_id="客户-2"),
        {**order(3, NORTH_LEAD, "2025-01-07", 0), "order_id": "订单-3"},
    ]
    outcome = await datasets.ingest_records(session, hr, dataset, "unicode", records)
    assert (outcome.status, outcome.inserted) == ("committed", 3)
    stored = (
        await session.execute(
            select(DatasetRecord.record_key, DatasetRecord.date, DatasetRecord.data)
            .where(DatasetRecord.dataset_key == dataset.split("@")[0])
            .order_by(DatasetRecord.id)
        )
    ).all()
    assert [(r.record_key, r.date, r.data) for r in stored] == [
        (rec["order_id"], dt.date.fromisoformat(rec["order_date"]), rec) for rec in records
    ]
    # sent again under a new batch key, every record is skipped by its key
    again = await datasets.ingest_records(session, hr, dataset, "unicode-2", records)
    assert (again.status, again.inserted, again.skipped) == ("committed", 0, 3)


async def test_a_record_json_cannot_hold_is_a_row_error(
    session: AsyncSession, publish_dataset: Publish
) -> None:
    dataset = await publish_dataset()
    hr = await caller_for(session, HR)
    records = [
        order(1, NORTH_LEAD, "2025-01-05", 1),
        order(2, NORTH_LEAD, "2025-01-05", 2, region="\ud800 half a character"),
    ]
    outcome = await datasets.ingest_records(session, hr, dataset, "broken", records)
    assert (outcome.status, outcome.inserted, outcome.invalid_rows) == ("rejected", 0, 1)
    assert [(e.row, e.pointer) for e in outcome.errors] == [(1, "")]
    assert "cannot be stored as JSON" in outcome.errors[0].message


async def test_keys_and_subjects_are_compared_bytewise(session: AsyncSession) -> None:
    # PostgreSQL: COLLATE "C" on the indexed text columns (migration 0005), so
    # index inserts compare with memcmp; SQLite compares text bytewise by default
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        rows = await session.execute(
            text(
                "SELECT column_name, collation_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = 'dataset_records' "
                "AND collation_name IS NOT NULL"
            )
        )
        assert dict(rows.all()) == {
            "dataset_key": "C",
            "record_key": "C",
            "subject": "C",
        }
    else:
        ddl = await session.scalar(
            text("SELECT sql FROM sqlite_master WHERE name = 'dataset_records'")
        )
        assert "COLLATE" not in str(ddl).upper()  # BINARY, the default
