"""Business records (datasets) and ingest batches.

``dataset_records`` is a fact table that grows by millions of rows, written in
bulk (``executemany`` on SQLite, ``COPY`` on PostgreSQL) by
:mod:`perfloop.ingest`. It deliberately has no foreign keys: a
row-level foreign-key check costs more than the insert itself on PostgreSQL
(an RI trigger per row), and every record is written in the same transaction
as the ``dataset_batches`` row it names, by the only code that writes the
table. Deleting a tenant deletes its records explicitly.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from perfloop.store.core.base import Base, JSONType, utcnow

# BIGINT on PostgreSQL; INTEGER (the rowid alias) on SQLite.
RecordId = BigInteger().with_variant(Integer(), "sqlite")


def _bytewise(length: int) -> String:
    """Text compared byte by byte on PostgreSQL (``COLLATE "C"``): keys, emails
    and codes are matched, never sorted for people, and a B-tree insert then
    compares with memcmp instead of the locale's strcoll (about 5% of the
    server's time while ingesting). Equality is the same under any
    deterministic collation, and a default-collation operand (an employee's
    email) takes this column's collation in a comparison."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


class DatasetBatch(Base):
    """One committed ingest batch: its idempotency key, what it held, who sent it.

    A batch key already present means the batch was committed; sending it again
    returns this row and writes nothing.
    """

    __tablename__ = "dataset_batches"
    __table_args__ = (UniqueConstraint("tenant_id", "dataset_key", "batch_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    dataset_key: Mapped[str] = mapped_column(String(100))
    dataset_version: Mapped[int] = mapped_column(Integer)
    batch_key: Mapped[str] = mapped_column(String(200))
    # sha256 of the batch's records as stored: a reused key with other content is a conflict.
    checksum: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(20))  # api | file
    received: Mapped[int] = mapped_column(Integer)
    inserted: Mapped[int] = mapped_column(Integer)
    # records whose key field was stored already (by an earlier batch): not duplicated
    skipped: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_accounts.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )


class DatasetRecord(Base):
    """One business record (an order, a ticket) of a dataset template version."""

    __tablename__ = "dataset_records"
    __table_args__ = (
        # aggregation and browsing: a dataset's records of some subjects in a period
        Index("ix_dataset_records_subject_date", "tenant_id", "dataset_key", "subject", "date"),
        # the dataset's key field: a record sent again is not duplicated
        UniqueConstraint("tenant_id", "dataset_key", "record_key"),
    )

    id: Mapped[int] = mapped_column(RecordId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    dataset_key: Mapped[str] = mapped_column(_bytewise(100))
    dataset_version: Mapped[int] = mapped_column(Integer)
    record_key: Mapped[str] = mapped_column(_bytewise(200))
    # the value of the dataset's subject field (an employee's email is lower-cased)
    subject: Mapped[str] = mapped_column(_bytewise(254))
    # the value of the dataset's date field (the date as written, for a date-time)
    date: Mapped[dt.date] = mapped_column(Date)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    batch_id: Mapped[int] = mapped_column(Integer)


__all__ = ["DatasetBatch", "DatasetRecord"]
