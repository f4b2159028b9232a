"""Datasets mutations."""

from __future__ import annotations

import strawberry
from strawberry.file_uploads import Upload

from perfloop.api.core.context import Info
from perfloop.api.core.payloads import mutation
from perfloop.api.core.scalars import JSON
from perfloop.api.core.uploads import saved_upload
from perfloop.api.datasets.types import ImportDatasetFilePayload, IngestRecordsPayload
from perfloop.authz import Permission
from perfloop.services import datasets as service


@strawberry.type
class DatasetsMutations:
    @mutation(
        description=(
            "Store a batch of records of a dataset (key@version, or key for the latest), "
            "at most 10000. Every record is validated against the dataset's schema; one "
            "invalid record rejects the whole batch (REJECTED, with rowErrors). The batch "
            "key makes a retry safe: a key committed before returns that result (REPLAYED) "
            "and stores nothing. A record whose key field is stored already is skipped."
        ),
        permission=Permission.DATASET_INGEST,
    )
    async def ingest_records(
        self, info: Info, dataset: str, batch_key: str, records: list[JSON]
    ) -> IngestRecordsPayload:
        ctx = info.context
        outcome = await service.ingest_records(
            ctx.session,
            ctx.caller,
            dataset,
            batch_key,
            records,
            max_bytes=ctx.settings.max_document_bytes,
        )
        return IngestRecordsPayload.from_outcome(outcome)

    @mutation(
        description=(
            "Import a .csv or .xlsx file, sent as a multipart upload, into a dataset "
            "(key@version, or key for the latest); the header names the fields. Rows are "
            "validated against the dataset's schema and stored in batches of 10000: a batch "
            "with an invalid row is stored not at all (rowErrors), the others are stored; "
            "importing the same file again skips the batches stored. dryRun: validate every "
            "row, store nothing. sheet: a workbook's sheet, by name or position from 1; "
            "encoding: a CSV file's (default: detected)."
        ),
        permission=Permission.DATASET_INGEST,
    )
    async def import_dataset_file(
        self,
        info: Info,
        dataset: str,
        file: Upload,
        sheet: str | None = None,
        encoding: str | None = None,
        dry_run: bool = False,
    ) -> ImportDatasetFilePayload:
        ctx = info.context
        async with saved_upload(file) as path:
            report = await service.import_file(
                ctx.session,
                ctx.caller,
                ctx.caller.tenant_id,
                dataset,
                path,
                encoding=(encoding or "").strip() or None,
                sheet=(sheet or "").strip() or None,
                dry_run=dry_run,
            )
        return ImportDatasetFilePayload.from_report(report, dry_run=dry_run)
