"""The datasets tables: business records (datasets) and ingest batches.

``dataset_records`` is a fact table that grows by millions of rows, written in
bulk (``executemany`` on SQLite, ``COPY`` on PostgreSQL) by
:mod:`perfloop.ingest`. It deliberately has no foreign keys: a
row-level foreign-key check costs more than the insert itself on PostgreSQL
(an RI trigger per row), and every record is written in the same transaction
as the ``dataset_batches`` row it names, by the only code that writes the
table. Deleting a tenant deletes its records explicitly."""

from __future__ import annotations

from perfloop.store.datasets.models import DatasetBatch, DatasetRecord

__all__ = ["DatasetBatch", "DatasetRecord"]
