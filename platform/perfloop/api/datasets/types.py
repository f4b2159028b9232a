"""Dataset GraphQL types."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import TYPE_CHECKING

import strawberry

from perfloop.api.core.errors import UserError
from perfloop.api.core.scalars import JSON
from perfloop.api.core.uploads import ImportRowError
from perfloop.services.core.errors import ErrorCode

if TYPE_CHECKING:
    from perfloop.services.datasets import BatchOutcome, RowError
    from perfloop.services.datasets import ImportReport as FileImportReport
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


@strawberry.type(
    description=(
        "What importDatasetFile did (or, with dryRun, would do), batch by batch. A batch "
        "holding an invalid row is stored not at all (REJECTED) and its rows are listed "
        "in rowErrors; the other batches are stored. Importing the fixed file again skips "
        "the batches already stored."
    )
)
class ImportDatasetFilePayload:
    dataset: str | None = strawberry.field(default=None, description="key@version used.")
    dry_run: bool = strawberry.field(default=False, description="Nothing was stored.")
    ok: bool = strawberry.field(
        default=False, description="Every batch is stored (or, with dryRun, valid)."
    )
    batches: int = 0
    committed: int = strawberry.field(default=0, description="Batches stored now.")
    replayed: int = strawberry.field(
        default=0, description="Batches stored by an earlier import of the same file: skipped."
    )
    rejected: int = strawberry.field(
        default=0, description="Batches with an invalid row: stored not at all."
    )
    received: int = strawberry.field(default=0, description="Rows read.")
    inserted: int = strawberry.field(default=0, description="Records stored.")
    skipped: int = strawberry.field(
        default=0, description="Records whose key field was stored before: not duplicated."
    )
    invalid_rows: int = 0
    row_errors: list[ImportRowError] = strawberry.field(
        default_factory=list,
        description="Problems of rows, as the spreadsheet numbers them (the first 200).",
    )
    errors: list[UserError] = strawberry.field(default_factory=list)

    @classmethod
    def from_report(cls, report: FileImportReport, *, dry_run: bool) -> ImportDatasetFilePayload:
        errors = []
        if report.rejected:
            errors.append(
                UserError(
                    code=ErrorCode.INVALID,
                    message=(
                        f"{report.invalid_rows} invalid row(s) (see rowErrors): "
                        f"{report.rejected} batch(es) of {report.batches} not stored"
                    ),
                    path=["file"],
                    message_zh=(
                        f"{report.invalid_rows} 行数据无效（见 rowErrors）："
                        f"{report.batches} 个批次中有 {report.rejected} 个未保存"
                    ),
                )
            )
        return cls(
            dataset=report.dataset,
            dry_run=dry_run,
            ok=report.ok,
            batches=report.batches,
            committed=report.committed,
            replayed=report.replayed,
            rejected=report.rejected,
            received=report.received,
            inserted=report.inserted,
            skipped=report.skipped,
            invalid_rows=report.invalid_rows,
            row_errors=[
                ImportRowError(row=e.row, column=e.field, message=e.message) for e in report.errors
            ],
            errors=errors,
        )
