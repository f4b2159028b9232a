"""Dataset GraphQL types."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import TYPE_CHECKING

import strawberry

from perfloop.api.core.errors import UserError
from perfloop.api.core.scalars import JSON

if TYPE_CHECKING:
    from perfloop.services.datasets import BatchOutcome, RowError
    from perfloop.store.datasets import DatasetRecord as DatasetRecordRow


@strawberry.type(description="One business record of a dataset (an order, a ticket, a project).")
class DatasetRecord:
    id: strawberry.ID
    dataset: str = strawberry.field(description="The template version it was stored with.")
    key: str = strawberry.field(description="The value of the dataset's key field.")
    subject: str = strawberry.field(description="Whom it counts for (the subject field).")
    date: dt.date = strawberry.field(description="The date that puts it into a period.")
    data: JSON

    @classmethod
    def from_row(cls, row: DatasetRecordRow) -> DatasetRecord:
        return cls(
            id=strawberry.ID(str(row.id)),
            dataset=f"{row.dataset_key}@{row.dataset_version}",
            key=row.record_key,
            subject=row.subject,
            date=row.date,
            data=JSON(row.data),
        )


@strawberry.enum(description="What happened to an ingest batch.")
class IngestStatus(Enum):
    COMMITTED = "committed"
    REPLAYED = "replayed"
    REJECTED = "rejected"


@strawberry.type(description="Why one record of a batch was refused.")
class IngestRowError:
    row: int = strawberry.field(description="The record's position in `records`, from 0.")
    pointer: str = strawberry.field(description="JSON pointer into the record, e.g. /amount.")
    field: str | None = strawberry.field(description="The field concerned, when there is one.")
    message: str

    @classmethod
    def from_error(cls, error: RowError) -> IngestRowError:
        return cls(row=error.row, pointer=error.pointer, field=error.field, message=error.message)


@strawberry.type
class IngestRecordsPayload:
    dataset: str | None = strawberry.field(default=None, description="key@version used.")
    batch_key: str | None = None
    status: IngestStatus | None = strawberry.field(
        default=None,
        description=(
            "COMMITTED: stored now. REPLAYED: this batch key was committed before; this is "
            "that result and nothing was written. REJECTED: some rows are invalid; nothing "
            "was stored."
        ),
    )
    received: int = 0
    inserted: int = 0
    skipped: int = strawberry.field(
        default=0, description="Records whose key field was stored before: not duplicated."
    )
    invalid_rows: int = 0
    row_errors: list[IngestRowError] = strawberry.field(
        default_factory=list, description="Per-row problems (the first 100)."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)

    @classmethod
    def from_outcome(cls, outcome: BatchOutcome) -> IngestRecordsPayload:
        return cls(
            dataset=outcome.dataset,
            batch_key=outcome.batch_key,
            status=IngestStatus(outcome.status),
            received=outcome.received,
            inserted=outcome.inserted,
            skipped=outcome.skipped,
            invalid_rows=outcome.invalid_rows,
            row_errors=[IngestRowError.from_error(e) for e in outcome.errors],
        )
