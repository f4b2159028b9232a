"""Datasets: business records ingested by batch or file, browsed in scope, and
aggregated into actuals.

Other domains use these names only; the modules behind them are this
domain's own.
"""

from __future__ import annotations

from perfloop.ingest import RowError
from perfloop.ingest.files import count_rows
from perfloop.services.datasets.aggregate import Aggregated, aggregate_actuals, aggregate_sources
from perfloop.services.datasets.batches import BatchOutcome
from perfloop.services.datasets.records import (
    MAX_API_RECORDS,
    MAX_BATCH_KEY,
    MAX_REPORTED_ERRORS,
    ImportReport,
    import_file,
    ingest_records,
    list_records,
    resolve_dataset,
)

__all__ = [
    "MAX_API_RECORDS",
    "MAX_BATCH_KEY",
    "MAX_REPORTED_ERRORS",
    "Aggregated",
    "BatchOutcome",
    "ImportReport",
    "RowError",
    "aggregate_actuals",
    "aggregate_sources",
    "count_rows",
    "import_file",
    "ingest_records",
    "list_records",
    "resolve_dataset",
]
