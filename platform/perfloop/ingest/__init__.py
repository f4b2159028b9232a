"""Dataset ingest machinery: compile a dataset's schema, read CSV/.xlsx files
into batches, validate and encode batches of records for the database at
hand, in worker processes for a large file.

It touches no database and imports nothing of the service layer, so a worker
process starts in a fraction of a second (an import of the services would
add SQLAlchemy, Alembic and Casbin to every worker). Storing batches, with
authorization and audit, is :mod:`perfloop.services.datasets`.
"""

from __future__ import annotations

from perfloop.ingest.prepare import PreparedBatch, RowFormat, encode_record, prepare_records
from perfloop.ingest.spec import DatasetSpec, RowError, spec_for_body

__all__ = [
    "DatasetSpec",
    "PreparedBatch",
    "RowError",
    "RowFormat",
    "encode_record",
    "prepare_records",
    "spec_for_body",
]
