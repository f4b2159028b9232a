"""Store a prepared batch: idempotent by batch key, all or nothing, in bulk.

The rows bypass the ORM: on SQLite one ``executemany`` on the driver
connection, on PostgreSQL one binary ``COPY`` whose rows were encoded when the
batch was prepared (:mod:`perfloop.ingest.pgcopy`) — both inside the
session's transaction, which also holds the batch row and its audit event, so a
failure leaves nothing behind.

A record whose key field was stored by an earlier batch is skipped, not
duplicated (the dataset template's ``keyField`` promise); the batch counts it
as ``skipped``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from perfloop.ingest import pgcopy
from perfloop.services.core import audit
from perfloop.services.core.errors import ErrorCode, ServiceError
from perfloop.store.datasets import DatasetBatch, DatasetRecord

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.ingest.prepare import PreparedBatch
    from perfloop.ingest.spec import DatasetSpec, RowError
    from perfloop.services.core.caller import Caller

__all__ = ["BatchOutcome", "committed_batch_keys", "find_batch", "store_batch"]

Status = Literal["committed", "replayed", "rejected"]
_TABLE = DatasetRecord.__tablename__
_SQLITE_INSERT = (
    "INSERT INTO dataset_records (tenant_id, dataset_key, dataset_version, record_key, "
    "subject, date, data, batch_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (tenant_id, dataset_key, record_key) DO NOTHING"
)
# a join with the batch's keys (a large ``= ANY($3)`` can turn into a scan that
# compares every stored row with every key)
_PG_EXISTING = (
    "SELECT r.record_key FROM unnest($3::varchar[]) AS k(record_key) "
    "JOIN dataset_records r ON r.record_key = k.record_key "
    "WHERE r.tenant_id = $1 AND r.dataset_key = $2"
)


@dataclass(frozen=True)
class BatchOutcome:
    """What happened to one batch. ``replayed``: the key was committed before and
    this is that earlier result; nothing was written now."""

    dataset: str
    batch_key: str
    status: Status
    received: int
    inserted: int = 0
    skipped: int = 0
    invalid_rows: int = 0
    errors: Sequence[RowError] = field(default_factory=tuple)
    batch_id: int | None = None

    @classmethod
    def from_row(cls, row: DatasetBatch, status: Status = "replayed") -> BatchOutcome:
        return cls(
            dataset=f"{row.dataset_key}@{row.dataset_version}",
            batch_key=row.batch_key,
            status=status,
            received=row.received,
            inserted=row.inserted,
            skipped=row.skipped,
            batch_id=row.id,
        )


async def find_batch(
    session: AsyncSession, tenant_id: int, dataset_key: str, batch_key: str
) -> DatasetBatch | None:
    query = select(DatasetBatch).where(
        DatasetBatch.tenant_id == tenant_id,
        DatasetBatch.dataset_key == dataset_key,
        DatasetBatch.batch_key == batch_key,
    )
    return (await session.execute(query)).scalars().first()


async def committed_batch_keys(
    session: AsyncSession, tenant_id: int, dataset_key: str, prefix: str
) -> set[str]:
    """The committed batch keys of a dataset that start with ``prefix``."""
    rows = await session.execute(
        select(DatasetBatch.batch_key).where(
            DatasetBatch.tenant_id == tenant_id,
            DatasetBatch.dataset_key == dataset_key,
            DatasetBatch.batch_key.startswith(prefix, autoescape=True),
        )
    )
    return set(rows.scalars())


async def _earlier(
    session: AsyncSession, tenant_id: int, spec: DatasetSpec, batch_key: str, checksum: str
) -> BatchOutcome | None:
    """The result of the batch committed under ``batch_key`` before (replayed),
    or None; CONFLICT when that batch held other records. Ends the transaction."""
    earlier = await find_batch(session, tenant_id, spec.key, batch_key)
    replay = None if earlier is None else BatchOutcome.from_row(earlier)
    same = earlier is not None and earlier.checksum == checksum
    await session.rollback()
    if replay is not None and not same:
        raise _conflict(batch_key)
    return replay


def _conflict(batch_key: str) -> ServiceError:
    return ServiceError.one(
        ErrorCode.CONFLICT,
        f"batch {batch_key!r} was committed before with other records; "
        "a batch key names one batch's content — use a new key for new records",
        ("batchKey",),
    )


async def store_batch(
    session: AsyncSession,
    *,
    tenant_id: int,
    actor: Caller | None,
    spec: DatasetSpec,
    batch_key: str,
    prepared: PreparedBatch,
    source: str,
    commit: bool = True,
) -> BatchOutcome:
    """Commit ``prepared`` under ``batch_key`` unless that key is committed already.

    A batch with any invalid row is rejected and writes nothing. Returns the
    outcome; the session is committed (or rolled back) when this returns —
    with ``commit=False`` a ``committed`` batch is written but its transaction
    is left for the caller to commit (the outcome holds once it has).
    """
    if not prepared.ok:
        earlier = await _earlier(session, tenant_id, spec, batch_key, prepared.checksum)
        if earlier is not None:
            return earlier
        return BatchOutcome(
            dataset=spec.ref,
            batch_key=batch_key,
            status="rejected",
            received=prepared.received,
            invalid_rows=prepared.invalid_rows,
            errors=tuple(prepared.errors),
        )
    # No look-up first: the batch key is unique, so inserting the batch row is
    # the check (a round trip less per batch); a key committed before makes the
    # insert fail, and the stored batch answers.
    batch = DatasetBatch(
        tenant_id=tenant_id,
        dataset_key=spec.key,
        dataset_version=spec.version,
        batch_key=batch_key,
        checksum=prepared.checksum,
        source=source,
        received=prepared.received,
        inserted=prepared.size,  # corrected below if records were stored already
        skipped=0,
        created_by_id=actor.user_id if actor is not None else None,
    )
    session.add(batch)
    try:
        await session.flush()
        inserted = await _insert_rows(session, tenant_id, spec, batch.id, prepared)
    except IntegrityError:
        # the batch key was committed before (or just now by someone else), or
        # someone is storing the same record keys right now
        await session.rollback()
        earlier = await _earlier(session, tenant_id, spec, batch_key, prepared.checksum)
        if earlier is not None:
            return earlier
        raise ServiceError.one(
            ErrorCode.CONFLICT,
            f"batch {batch_key!r} overlaps records being stored right now; send it again",
            ("batchKey",),
        ) from None
    if inserted != prepared.size:
        batch.inserted = inserted
        batch.skipped = prepared.size - inserted
    audit.record(
        session,
        actor,
        "dataset.ingest",
        "dataset-batch",
        batch.id,
        after={
            "dataset": spec.ref,
            "batchKey": batch_key,
            "source": source,
            "received": batch.received,
            "inserted": batch.inserted,
            "skipped": batch.skipped,
            "checksum": batch.checksum,
        },
        tenant_id=tenant_id,
    )
    outcome = BatchOutcome.from_row(batch, "committed")
    if commit:
        await session.commit()
    else:
        await session.flush()
    return outcome


async def _insert_rows(
    session: AsyncSession, tenant_id: int, spec: DatasetSpec, batch_id: int, batch: PreparedBatch
) -> int:
    if not batch.size:
        return 0
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    if batch.format != connection.dialect.name:
        name = connection.dialect.name
        raise ValueError(f"a batch prepared for {batch.format} cannot be stored in {name}")
    if batch.format == "postgresql":
        return await _copy_postgres(driver, tenant_id, spec, batch_id, batch.copy_rows)
    key, version = spec.key, spec.version
    cursor = await driver.executemany(
        _SQLITE_INSERT,
        [(tenant_id, key, version, r, s, d, j, batch_id) for r, s, d, j in batch.rows],
    )
    inserted = int(cursor.rowcount)
    await cursor.close()
    return inserted


async def _copy_postgres(
    driver: Any, tenant_id: int, spec: DatasetSpec, batch_id: int, tails: list[bytes]
) -> int:
    import asyncpg  # type: ignore[import-untyped]

    async def chunks(rows: list[bytes]) -> AsyncIterator[bytes]:
        for chunk in pgcopy.copy_data(tenant_id, batch_id, spec.key, spec.version, rows):
            yield chunk

    async def copy(rows: list[bytes]) -> None:
        source = chunks(rows)
        await driver.copy_to_table(_TABLE, source=source, columns=pgcopy.COLUMNS, format="binary")

    try:
        # usually no record is stored already: try the COPY in a savepoint first
        async with driver.transaction():
            await copy(tails)
        return len(tails)
    except asyncpg.UniqueViolationError:
        pass
    keys = [pgcopy.tail_key(t) for t in tails]
    stored = {r[0] for r in await driver.fetch(_PG_EXISTING, tenant_id, spec.key, keys)}
    tails = [t for t, k in zip(tails, keys, strict=True) if k not in stored]
    if not tails:
        return 0
    try:
        await copy(tails)
    except asyncpg.UniqueViolationError as exc:  # stored by someone else just now
        raise IntegrityError("COPY dataset_records", None, exc) from exc
    return len(tails)
