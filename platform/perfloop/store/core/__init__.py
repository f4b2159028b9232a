"""Shared store machinery: the declarative base, the engine and session factory,
migrations and the audit trail every domain writes to."""

from __future__ import annotations

from perfloop.store.core.audit import AuditEvent
from perfloop.store.core.base import NAMING, Base, JSONType, json_text, table_of, utcnow
from perfloop.store.core.chunks import chunked
from perfloop.store.core.lengths import TextTooLong, check_lengths, column_length
from perfloop.store.core.statistics import (
    analyze,
    deferred_statistics,
    refresh_statistics,
)
from perfloop.store.core.writes import (
    insert_many,
    insert_or_ignore,
    keep_rows,
    lock_rows,
    update_many,
    upsert,
    upsert_many,
)

__all__ = [
    "NAMING",
    "AuditEvent",
    "Base",
    "JSONType",
    "TextTooLong",
    "analyze",
    "check_lengths",
    "chunked",
    "column_length",
    "deferred_statistics",
    "insert_many",
    "insert_or_ignore",
    "json_text",
    "keep_rows",
    "lock_rows",
    "refresh_statistics",
    "table_of",
    "update_many",
    "upsert",
    "upsert_many",
    "utcnow",
]
