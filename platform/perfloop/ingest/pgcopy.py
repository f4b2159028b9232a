"""PostgreSQL binary ``COPY`` rows for ``dataset_records``, built where the
records are prepared (pure, no I/O).

A row of the binary format is a field count and then each field as a 4-byte
length and its bytes (https://www.postgresql.org/docs/current/sql-copy.html,
"Binary Format"). The columns are ordered so that the fields every row of a
batch shares come first: ``tenant_id, batch_id, dataset_key, dataset_version``
— the store knows them (the batch id only once the batch row is inserted) —
and the fields of the record follow: ``record_key, subject, date, data``.
:func:`row_tail` encodes the record's part (a worker process does it while the
previous batch is stored) and :func:`copy_data` puts the shared part in front
of every tail with ``bytes.join``, so the process that talks to the database
does no per-row work in Python.
"""

from __future__ import annotations

import datetime as dt
import struct
from collections.abc import Iterator, Sequence

__all__ = [
    "COLUMNS",
    "copy_data",
    "day_field",
    "row_tail",
    "tail_key",
    "text_field",
]

COLUMNS = (
    "tenant_id",
    "batch_id",
    "dataset_key",
    "dataset_version",
    "record_key",
    "subject",
    "date",
    "data",
)
_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)  # signature, flags, no extension
_TRAILER = struct.pack("!h", -1)
_LENGTH = struct.Struct("!i").pack
_PREFIX = struct.Struct("!hiiii")  # field count; tenant_id and batch_id (int4, 4 bytes each)
_INT4 = struct.Struct("!ii")  # a 4-byte int4 field with its length
_POSTGRES_EPOCH = dt.date(2000, 1, 1).toordinal()
_JSONB_VERSION = b"\x01"  # jsonb's binary input: a version byte, then the JSON text


def day_field(day: dt.date) -> bytes:
    """A ``date`` field: days since 2000-01-01 as int4."""
    return _INT4.pack(4, day.toordinal() - _POSTGRES_EPOCH)


def row_tail(record_key: bytes, subject: bytes, day: bytes, data: bytes) -> bytes:
    """The record's fields of one row: the UTF-8 key, a :func:`text_field` of
    the subject, a :func:`day_field`, the record's UTF-8 JSON text."""
    return b"".join(
        (
            _LENGTH(len(record_key)),
            record_key,
            subject,
            day,
            _LENGTH(len(data) + 1),
            _JSONB_VERSION,
            data,
        )
    )


def text_field(text: str) -> bytes:
    """A text field: its UTF-8 length and bytes."""
    encoded = text.encode()
    return _LENGTH(len(encoded)) + encoded


def tail_key(tail: bytes) -> str:
    """The record key a :func:`row_tail` starts with."""
    size = int.from_bytes(tail[:4], "big")
    return tail[4 : 4 + size].decode()


def copy_data(
    tenant_id: int,
    batch_id: int,
    dataset_key: str,
    dataset_version: int,
    tails: Sequence[bytes],
    *,
    chunk_rows: int = 256,
) -> Iterator[bytes]:
    """The ``COPY … FROM STDIN (FORMAT binary)`` input for ``tails``, in chunks of
    ``chunk_rows`` rows (~64 kB: small enough to be sent at once and to reuse
    the allocator's memory instead of mapping fresh pages for a whole batch)."""
    key = dataset_key.encode()
    shared = b"".join(
        (
            _PREFIX.pack(len(COLUMNS), 4, tenant_id, 4, batch_id),
            _LENGTH(len(key)),
            key,
            _INT4.pack(4, dataset_version),
        )
    )
    yield _HEADER
    for start in range(0, len(tails), chunk_rows):
        yield shared + shared.join(tails[start : start + chunk_rows])
    yield _TRAILER
