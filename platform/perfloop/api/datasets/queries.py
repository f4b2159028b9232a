"""Datasets queries."""

from __future__ import annotations

import datetime as dt

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.pagination import Connection
from perfloop.api.core.permissions import requires
from perfloop.api.datasets.types import DatasetRecord
from perfloop.authz import Permission
from perfloop.services import datasets as service


@strawberry.type
class DatasetsQueries:
    @strawberry.field(
        description=(
            "Records of a dataset (key@version, or key for the latest; every version's "
            "records are listed) whose subject you may see: yourself, your team, your org "
            "unit or the tenant, by your dataset.read scope. Oldest first; start and end "
            "are inclusive dates."
        ),
        extensions=requires(Permission.DATASET_READ),
    )
    async def dataset_records(
        self,
        info: Info,
        dataset: str,
        subject: str | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[DatasetRecord]:
        ctx = info.context
        page = await service.list_records(
            ctx.session,
            ctx.caller,
            dataset,
            subject=subject,
            start=start,
            end=end,
            first=first,
            after=after,
            page_cap=ctx.settings.max_page_size,
        )
        return Connection[DatasetRecord].from_page(page, DatasetRecord.from_row)
