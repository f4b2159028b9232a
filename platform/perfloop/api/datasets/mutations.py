"""Datasets mutations."""

from __future__ import annotations

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.payloads import mutation
from perfloop.api.core.scalars import JSON
from perfloop.api.datasets.types import IngestRecordsPayload
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
