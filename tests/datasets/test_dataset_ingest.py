"""Ingesting records over GraphQL: validated, all or nothing, idempotent, audited."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from dataset_helpers import NORTH_LEAD, order
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from perfloop.store.core import AuditEvent
from perfloop.store.datasets import DatasetBatch, DatasetRecord
from support import GraphQLClient

INGEST = """
mutation($dataset: String!, $batchKey: String!, $records: [JSON!]!) {
  ingestRecords(dataset: $dataset, batchKey: $batchKey, records: $records) {
    dataset batchKey status received inserted skipped invalidRows
    rowErrors { row pointer field message }
    errors { code message path }
  }
}"""

Publish = Callable[[], Awaitable[str]]


async def _stored(session: AsyncSession, dataset: str) -> list[str]:
    key = dataset.split("@")[0]
    rows = await session.execute(
        select(DatasetRecord.record_key)
        .where(DatasetRecord.dataset_key == key)
        .order_by(DatasetRecord.record_key)
    )
    return list(rows.scalars())


async def test_valid_batch_is_stored_with_subject_date_and_one_audit_event(
    gql: GraphQLClient, session: AsyncSession, publish_dataset: Publish
) -> None:
    # given a dataset and two valid orders (the subject's email in mixed case)
    dataset = await publish_dataset()
    records = [
        order(1, "Sales-North.Lead@demo.perfloop.dev", "2025-01-05", 1200.5),
        order(2, NORTH_LEAD, "2025-02-10", 300, region="north"),
    ]
    # when HR sends them
    data = await gql.ok(
        INGEST, {"dataset": dataset, "batchKey": "b-1", "records": records}, as_user="hr"
    )
    # then both are stored, keyed, with the subject and date taken from the declared fields
    payload = data["ingestRecords"]
    assert payload["status"] == "COMMITTED"
    assert (payload["received"], payload["inserted"], payload["skipped"]) == (2, 2, 0)
    assert payload["rowErrors"] == []
    assert payload["errors"] == []
    rows = (
        (
            await session.execute(
                select(DatasetRecord).where(DatasetRecord.dataset_key == dataset.split("@")[0])
            )
        )
        .scalars()
        .all()
    )
    assert {(r.record_key, r.subject, r.date.isoformat()) for r in rows} == {
        ("SO-000001", NORTH_LEAD, "2025-01-05"),
        ("SO-000002", NORTH_LEAD, "2025-02-10"),
    }
    assert next(r for r in rows if r.record_key == "SO-000002").data == records[1]
    # and the batch is audited once, not once per row
    events = (
        (
            await session.execute(
                select(AuditEvent.after).where(
                    AuditEvent.action == "dataset.ingest", AuditEvent.object_type == "dataset-batch"
                )
            )
        )
        .scalars()
        .all()
    )
    mine = [e for e in events if e and e["dataset"] == dataset]
    assert len(mine) == 1
    assert mine[0]["inserted"] == 2


async def test_an_invalid_row_rejects_the_whole_batch_with_row_and_field(
    gql: GraphQLClient, session: AsyncSession, publish_dataset: Publish
) -> None:
    dataset = await publish_dataset()
    bad_amount = order(2, NORTH_LEAD, "2025-01-06", -5)
    missing_status = order(3, NORTH_LEAD, "2025-01-07", 10)
    del missing_status["status"]
    records = [order(1, NORTH_LEAD, "2025-01-05", 1), bad_amount, missing_status]
    data = await gql.ok(
        INGEST, {"dataset": dataset, "batchKey": "bad", "records": records}, as_user="hr"
    )
    payload = data["ingestRecords"]
    assert payload["status"] == "REJECTED"
    assert (payload["received"], payload["inserted"], payload["invalidRows"]) == (3, 0, 2)
    errors = {(e["row"], e["field"], e["pointer"]) for e in payload["rowErrors"]}
    assert errors == {(1, "amount", "/amount"), (2, "status", "/status")}
    assert "minimum" in payload["rowErrors"][0]["message"]
    # nothing of the batch is stored, not even its valid row, and the key stays free
    assert await _stored(session, dataset) == []
    assert (
        await session.execute(select(func.count()).where(DatasetBatch.batch_key == "bad"))
    ).scalar_one() == 0
    fixed = await gql.ok(
        INGEST,
        {"dataset": dataset, "batchKey": "bad", "records": [records[0]]},
        as_user="hr",
    )
    assert fixed["ingestRecords"]["status"] == "COMMITTED"


async def test_a_retried_batch_key_writes_nothing_and_returns_the_first_result(
    gql: GraphQLClient, session: AsyncSession, publish_dataset: Publish
) -> None:
    dataset = await publish_dataset()
    records = [order(i, NORTH_LEAD, "2025-03-01", i) for i in range(1, 4)]
    variables = {"dataset": dataset, "batchKey": "retry-me", "records": records}
    first = (await gql.ok(INGEST, variables, as_user="hr"))["ingestRecords"]
    again = (await gql.ok(INGEST, variables, as_user="hr"))["ingestRecords"]
    assert first["status"] == "COMMITTED"
    assert again["status"] == "REPLAYED"
    assert again["inserted"] == first["inserted"] == 3
    assert await _stored(session, dataset) == ["SO-000001", "SO-000002", "SO-000003"]
    # the same key with other records is a conflict, not a silent replay
    other = {**variables, "records": [order(9, NORTH_LEAD, "2025-03-01", 9)]}
    conflict = (await gql.ok(INGEST, other, as_user="hr"))["ingestRecords"]
    assert conflict["status"] is None
    assert conflict["errors"][0]["code"] == "CONFLICT"
    # a new batch repeating stored record keys skips them (the dataset's key field)
    overlap = {
        **variables,
        "batchKey": "next",
        "records": [*records[1:], order(4, NORTH_LEAD, "2025-03-02", 4)],
    }
    result = (await gql.ok(INGEST, overlap, as_user="hr"))["ingestRecords"]
    assert (result["status"], result["inserted"], result["skipped"]) == ("COMMITTED", 1, 2)
    assert len(await _stored(session, dataset)) == 4


async def test_a_key_repeated_inside_a_batch_is_a_row_error(
    gql: GraphQLClient, publish_dataset: Publish
) -> None:
    dataset = await publish_dataset()
    records = [order(1, NORTH_LEAD, "2025-03-01", 1), order(1, NORTH_LEAD, "2025-03-02", 2)]
    payload = (
        await gql.ok(
            INGEST, {"dataset": dataset, "batchKey": "dup", "records": records}, as_user="hr"
        )
    )["ingestRecords"]
    assert payload["status"] == "REJECTED"
    assert payload["rowErrors"][0]["row"] == 1
    assert "repeats row 0" in payload["rowErrors"][0]["message"]


async def test_employees_may_not_ingest_and_unknown_datasets_are_not_found(
    gql: GraphQLClient, publish_dataset: Publish
) -> None:
    dataset = await publish_dataset()
    variables = {
        "dataset": dataset,
        "batchKey": "x",
        "records": [order(1, NORTH_LEAD, "2025-01-01", 1)],
    }
    body = await gql.raw(INGEST, variables, as_user="employee")
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    missing = await gql.ok(INGEST, {**variables, "dataset": "no-such-dataset"}, as_user="hr")
    assert missing["ingestRecords"]["errors"][0]["code"] == "NOT_FOUND"
    tooling = await gql.ok(INGEST, {**variables, "batchKey": "file:abc"}, as_user="hr")
    assert tooling["ingestRecords"]["errors"][0]["path"] == ["batchKey"]
