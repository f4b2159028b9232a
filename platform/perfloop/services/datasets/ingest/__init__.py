"""Dataset ingest: compile a dataset's schema, validate and encode batches of
records (pure), read CSV/.xlsx files, and store batches in bulk (per dialect).

The use-cases that combine these with authorization and audit are in
:mod:`perfloop.services.datasets`.
"""

from __future__ import annotations

from perfloop.services.datasets.ingest.prepare import (
    PreparedBatch,
    RowFormat,
    encode_record,
    prepare_records,
)
from perfloop.services.datasets.ingest.spec import DatasetSpec, RowError, spec_for_body

__all__ = [
    "DatasetSpec",
    "PreparedBatch",
    "RowError",
    "RowFormat",
    "encode_record",
    "prepare_records",
    "spec_for_body",
]
