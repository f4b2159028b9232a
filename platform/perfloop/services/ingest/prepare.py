"""Turn one batch of records into rows ready for a bulk insert (pure, no I/O).

This is the hot loop of ingest: per record one jsonschema-rs ``is_valid``, one
JSON encoding and a tuple. Rows that fail are explained (up to a cap) by the
Python ``jsonschema`` package; a batch with any error is rejected as a whole by
the store, so the rows of an invalid batch are never built.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import json.encoder
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from perfloop.services.ingest.spec import MAX_EXPLAINED, DatasetSpec, RowError

__all__ = ["PreparedBatch", "encode_json", "prepare_records"]

# (record_key, subject, date as YYYY-MM-DD, record as JSON text)
Row = tuple[str, str, str, str]


def _not_json(value: object) -> Any:
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def _make_encoder() -> Callable[[Any], str]:
    """Compact JSON (UTF-8 kept, NaN refused) — the C encoder called directly
    skips ``json.dumps``'s per-call set-up, which is half its cost on a small
    record; the standard encoder is the fallback."""
    standard = json.JSONEncoder(
        ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=_not_json
    ).encode
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython always has it
        return standard
    try:
        chunks = make(
            None, _not_json, json.encoder.encode_basestring, None, ":", ",", False, False, False
        )
        sample = {"a": "中\n", "b": 1.5, "c": [True, None], "d": 2}
        if "".join(chunks(sample, 0)) != standard(sample):  # pragma: no cover
            return standard
    except TypeError:  # pragma: no cover - another signature
        return standard

    def encode(value: Any) -> str:
        return "".join(chunks(value, 0))

    return encode


encode_json = _make_encoder()


@dataclass
class PreparedBatch:
    """A batch after validation: the rows to store, or the errors that reject it."""

    number: int
    received: int = 0
    rows: list[Row] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    invalid_rows: int = 0
    checksum: str = ""

    @property
    def ok(self) -> bool:
        return self.invalid_rows == 0


def _checksum(rows: list[Row]) -> str:
    return hashlib.sha256("\x1e".join([r[3] for r in rows]).encode()).hexdigest()


def prepare_records(
    spec: DatasetSpec,
    numbered: Iterable[tuple[int, Any]],
    *,
    number: int = 0,
    errors: list[RowError] | None = None,
    invalid_rows: int = 0,
) -> PreparedBatch:
    """Validate ``(row number, record)`` pairs and build the rows to insert.

    ``errors``/``invalid_rows`` carry problems found before (a file's cells that
    could not be converted), so they count against the same batch.
    """
    batch = PreparedBatch(number=number, errors=list(errors or ()), invalid_rows=invalid_rows)
    out = batch.rows
    problems = batch.errors
    is_valid = spec.is_valid
    encode = encode_json
    key_field, subject_field, date_field = spec.key_field, spec.subject_field, spec.date_field
    lower = spec.lowercase_subject
    seen: dict[str, int] = {}
    good_dates: set[str] = set()
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
        day = record[date_field][:10]
        if day not in good_dates:
            try:
                dt.date.fromisoformat(day)
            except ValueError:
                batch.invalid_rows += 1
                if len(problems) < MAX_EXPLAINED:
                    message = f"{record[date_field]!r} is not a date (YYYY-MM-DD)"
                    problems.append(RowError(row, f"/{date_field}", message))
                continue
            good_dates.add(day)
        subject = record[subject_field]
        if type(subject) is not str:
            subject = str(subject)
        elif lower:
            subject = subject.lower()
        if batch.invalid_rows:
            continue  # the batch is rejected: only look for more errors
        out.append((key, subject, day, encode(record)))
    batch.received = received
    if batch.invalid_rows:
        out.clear()
    else:
        batch.checksum = _checksum(out)
    return batch
