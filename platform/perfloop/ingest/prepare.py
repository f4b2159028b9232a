"""Turn one batch of records into rows ready for a bulk insert (pure, no I/O).

This is the hot loop of ingest: per record one jsonschema-rs ``is_valid``, one
JSON encoding (orjson) and the row in the form the database's bulk path takes —
a tuple for SQLite's ``executemany``, or the record's part of a binary ``COPY``
row for PostgreSQL (:mod:`perfloop.ingest.pgcopy`), so the process
that stores the batch has no per-row work left. Rows that fail are explained
(up to a cap) by the Python ``jsonschema`` package; a batch with any error is
rejected as a whole by the store, so the rows of an invalid batch are never
built.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

from perfloop.ingest.pgcopy import day_field, row_tail, text_field
from perfloop.ingest.spec import MAX_EXPLAINED, DatasetSpec, RowError

__all__ = ["PreparedBatch", "RowFormat", "encode_record", "prepare_records"]

# (record_key, subject, date as YYYY-MM-DD, record as JSON text)
Row = tuple[str, str, str, str]
# how the rows are built: tuples for executemany, or binary COPY tails
RowFormat = Literal["sqlite", "postgresql"]

_STANDARD = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
_SEPARATOR = b"\x1e"
# what orjson would write but the standard encoder refuses (dates, dataclasses)
# or writes otherwise (subclasses) goes to the standard encoder
_STRICT = (
    orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)


def _finite(value: Any) -> bool:
    """No NaN or infinity anywhere in ``value`` (orjson writes them as null)."""
    if value.__class__ is float:
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(_finite(v) for v in value)
    return True


def _encode_slowly(value: Any) -> bytes:
    """The standard library's encoder, for what orjson refuses (an integer beyond
    64 bits); raises ValueError/TypeError for what JSON cannot hold."""
    return _STANDARD(value).encode()


def encode_record(value: Any) -> bytes:
    """Compact UTF-8 JSON text of a record, as stored. Raises ValueError for NaN,
    infinities and text that is not Unicode, TypeError for non-JSON values.

    orjson is ~5x faster than the standard encoder on a small record and writes
    the same text, except that it spells small exponents ``1e-7``, not ``1e-07``.
    """
    try:
        text = orjson.dumps(value, option=_STRICT)
    except TypeError:
        return _encode_slowly(value)
    if b"null" in text and not _finite(value):
        raise ValueError("NaN and infinite numbers cannot be stored")
    return text


@dataclass
class PreparedBatch:
    """A batch after validation: the rows to store, or the errors that reject it.

    ``rows`` (format ``sqlite``) or ``copy_rows`` (format ``postgresql``: the
    record's part of each binary COPY row) holds the rows; the other is empty.
    ``checksum`` is the sha256 of the records' JSON texts joined by U+001E.
    """

    number: int
    format: RowFormat = "sqlite"
    received: int = 0
    rows: list[Row] = field(default_factory=list)
    copy_rows: list[bytes] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    invalid_rows: int = 0
    checksum: str = ""

    @property
    def ok(self) -> bool:
        return self.invalid_rows == 0

    @property
    def size(self) -> int:
        """Rows to store."""
        return len(self.rows) + len(self.copy_rows)


def prepare_records(
    spec: DatasetSpec,
    numbered: Iterable[tuple[int, Any]],
    *,
    number: int = 0,
    errors: list[RowError] | None = None,
    invalid_rows: int = 0,
    format: RowFormat = "sqlite",
) -> PreparedBatch:
    """Validate ``(row number, record)`` pairs and build the rows to insert.

    ``errors``/``invalid_rows`` carry problems found before (a file's cells that
    could not be converted), so they count against the same batch.
    """
    batch = PreparedBatch(
        number=number, format=format, errors=list(errors or ()), invalid_rows=invalid_rows
    )
    copy = format == "postgresql"
    rows = batch.rows
    tails = batch.copy_rows
    problems = batch.errors
    is_valid = spec.is_valid
    encode = encode_record
    tail = row_tail
    digest = hashlib.sha256()
    update = digest.update
    kept = 0
    key_field, subject_field, date_field = spec.key_field, spec.subject_field, spec.date_field
    lower = spec.lowercase_subject
    seen: dict[str, int] = {}
    # a date as written -> (YYYY-MM-DD, its binary COPY field)
    days: dict[str, tuple[str, bytes]] = {}
    # a subject as written -> (as stored, its binary COPY field)
    subjects: dict[Any, tuple[str, bytes]] = {}
    received = 0
    for row, record in numbered:
        received += 1
        if type(record) is not dict or not is_valid(record):
            batch.invalid_rows += 1
            if len(problems) < MAX_EXPLAINED:
                if isinstance(record, dict):
                    problems.extend(spec.explain(row, record))
                else:
                    problems.append(RowError(row, "", "a record must be a JSON object"))
            continue
        key = record[key_field]
        if type(key) is not str:
            key = str(key)
        first = seen.get(key)
        if first is not None:
            batch.invalid_rows += 1
            if len(problems) < MAX_EXPLAINED:
                message = f"{key_field} {key!r} repeats row {first} of this batch"
                problems.append(RowError(row, f"/{key_field}", message))
            continue
        seen[key] = row
        written = record[date_field][:10]
        day = days.get(written)
        if day is None:
            try:
                parsed = dt.date.fromisoformat(written)
            except ValueError:
                batch.invalid_rows += 1
                if len(problems) < MAX_EXPLAINED:
                    message = f"{record[date_field]!r} is not a date (YYYY-MM-DD)"
                    problems.append(RowError(row, f"/{date_field}", message))
                continue
            day = days[written] = (parsed.isoformat(), day_field(parsed))
        if batch.invalid_rows:
            continue  # the batch is rejected: only look for more errors
        try:
            written = record[subject_field]
            subject = subjects.get(written) if type(written) is str else None
            if subject is None:
                stored = written.lower() if lower and type(written) is str else str(written)
                subject = (stored, text_field(stored))
                if type(written) is str:
                    subjects[written] = subject
            text = encode(record)
            if copy:
                tails.append(tail(key.encode(), subject[1], day[1], text))
            else:
                rows.append((key, subject[0], day[0], text.decode()))
        except (TypeError, ValueError) as exc:
            batch.invalid_rows += 1
            if len(problems) < MAX_EXPLAINED:
                problems.append(RowError(row, "", f"the record cannot be stored as JSON: {exc}"))
            continue
        if kept:
            update(_SEPARATOR)
        update(text)
        kept += 1
    batch.received = received
    if batch.invalid_rows:
        rows.clear()
        tails.clear()
    else:
        batch.checksum = digest.hexdigest()
    return batch
