"""Actuals aggregated from records in SQL, and records browsed in scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from dataset_helpers import EMPLOYEE, HR, NORTH_LEAD, caller_for, order
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from perfloop.demo import DEMO_DOMAIN
from perfloop.services import datasets
from perfloop.services.core.errors import ServiceError
from perfloop.store.datasets import DatasetRecord
from perfloop.store.org import Employee, OrgUnit
from support import GraphQLClient

Publish = Callable[[], Awaitable[str]]
Q1 = (dt.date(2025, 1, 1), dt.date(2025, 3, 31))
ANA, BO = "ana@example.test", "bo@example.test"


async def _ingest(session: AsyncSession, dataset: str, records: list[dict[str, Any]]) -> None:
    hr = await caller_for(session, HR)
    outcome = await datasets.ingest_records(session, hr, dataset, "seed", records)
    assert outcome.status == "committed", outcome.errors


@pytest.fixture
async def sales(session: AsyncSession, publish_dataset: Publish) -> str:
    dataset = await publish_dataset()
    await _ingest(
        session,
        dataset,
        [
            order(1, ANA, "2025-01-10", 100),
            order(2, ANA, "2025-02-10", 250.5, deal_type="renewal"),
            order(3, ANA, "2025-03-31", 50, status="refunded"),
            order(4, ANA, "2025-04-01", 999),  # next quarter
            order(5, "Bo@Example.test", "2024-12-31", 7),  # last quarter
            order(6, BO, "2025-01-01", 40, region="north"),
        ],
    )
    return dataset


async def test_sum_count_avg_min_max_per_subject_in_the_period(
    session: AsyncSession, sales: str
) -> None:
    async def agg(op: str, field: str | None = "amount", **extra: Any) -> dict[str, Any]:
        source = {"type": "dataset", "dataset": sales, "op": op, **extra}
        if field:
            source["field"] = field
        return await datasets.aggregate_actuals(session, _tenant(session), source, *Q1, None)

    assert await agg("sum") == {ANA: 400.5, BO: 40.0}
    assert await agg("count", None) == {ANA: 3.0, BO: 1.0}
    assert await agg("count", "region") == {ANA: 0.0, BO: 1.0}
    assert await agg("avg") == {ANA: pytest.approx(133.5), BO: 40.0}
    assert await agg("min") == {ANA: 50.0, BO: 40.0}
    assert await agg("max") == {ANA: 250.5, BO: 40.0}


async def test_filters_and_subjects(session: AsyncSession, sales: str) -> None:
    tenant = _tenant(session)

    async def agg(filters: list[dict[str, Any]], subjects: list[str] | None = None) -> Any:
        source = {
            "type": "dataset",
            "dataset": sales,
            "op": "sum",
            "field": "amount",
            "filter": filters,
        }
        return await datasets.aggregate_actuals(session, tenant, source, *Q1, subjects)

    paid = {"field": "status", "op": "eq", "value": "paid"}
    assert await agg([paid]) == {ANA: 350.5, BO: 40.0}
    assert await agg([{"field": "status", "op": "ne", "value": "paid"}]) == {ANA: 50.0}
    assert await agg([{"field": "amount", "op": "gte", "value": 100}]) == {ANA: 350.5}
    assert await agg([{"field": "deal_type", "op": "in", "value": ["renewal", "expansion"]}]) == {
        ANA: 250.5
    }
    assert await agg([paid, {"field": "deal_type", "op": "not-in", "value": ["renewal"]}]) == {
        ANA: 100.0,
        BO: 40.0,
    }
    assert await agg([{"field": "region", "op": "eq", "value": None}]) == {ANA: 400.5}
    # subjects asked for: each one answered (0 for a sum without records), case-insensitively
    assert await agg([paid], ["BO@example.test", "nobody@example.test"]) == {
        "BO@example.test": 40.0,
        "nobody@example.test": 0.0,
    }
    avg = {"type": "dataset", "dataset": sales, "op": "avg", "field": "amount"}
    assert await datasets.aggregate_actuals(session, tenant, avg, *Q1, ["nobody@example.test"]) == {
        "nobody@example.test": None
    }


async def test_bad_sources_are_clear_errors(session: AsyncSession, sales: str) -> None:
    tenant = _tenant(session)
    for source, message in (
        ({"dataset": sales, "op": "sum"}, "needs a field"),
        ({"dataset": sales, "op": "sum", "field": "status"}, "needs a number field"),
        (
            {
                "dataset": sales,
                "op": "count",
                "filter": [{"field": "nope", "op": "eq", "value": 1}],
            },
            "no field 'nope'",
        ),
        (
            {
                "dataset": sales,
                "op": "count",
                "filter": [{"field": "amount", "op": "eq", "value": "x"}],
            },
            "cannot be compared",
        ),
        ({"dataset": "missing@1", "op": "count"}, "no dataset template"),
    ):
        with pytest.raises(ServiceError) as info:
            await datasets.aggregate_actuals(session, tenant, source, *Q1, None)
        assert message in info.value.errors[0].message


def _sources(sales: str) -> dict[str, dict[str, Any]]:
    paid = {"field": "status", "op": "eq", "value": "paid"}
    base = {"type": "dataset", "dataset": sales}
    return {
        "revenue": {**base, "op": "sum", "field": "amount", "filter": [paid]},
        "orders": {**base, "op": "count"},
        "renewals": {
            **base, "op": "count",
            "filter": [paid, {"field": "deal_type", "op": "eq", "value": "renewal"}],
        },
        "average": {**base, "op": "avg", "field": "amount"},
        "smallest": {**base, "op": "min", "field": "amount", "filter": [paid]},
        "north": {**base, "op": "max", "field": "amount",
                  "filter": [{"field": "region", "op": "eq", "value": "north"}]},
        # another scan: the subject read from a field of the record
        "by-owner": {**base, "op": "sum", "field": "amount", "subjectField": "owner_email"},
    }  # fmt: skip


async def test_many_sources_in_one_scan_give_what_each_gives_alone(
    session: AsyncSession, sales: str
) -> None:
    # given sources of one dataset, some sharing a scan, and a broken one
    tenant, subjects = _tenant(session), [ANA, BO, "nobody@example.test"]
    sources = _sources(sales)
    broken = {"type": "dataset", "dataset": sales, "op": "sum", "field": "status"}
    # when they are aggregated together
    done = await datasets.aggregate_sources(
        session,
        tenant,
        {**{k: (v, subjects) for k, v in sources.items()}, "broken": (broken, subjects)},
        *Q1,
    )
    # then each has the values it has alone, and only the broken one failed
    for key, source in sources.items():
        alone = await datasets.aggregate_actuals(session, tenant, source, *Q1, subjects)
        assert done.values[key] == alone, key
    assert done.values["revenue"] == {ANA: 350.5, BO: 40.0, "nobody@example.test": 0.0}
    assert done.values["smallest"] == {ANA: 100.0, BO: 40.0, "nobody@example.test": None}
    assert done.failed == {"broken": "sum needs a number field; 'status' is a string"}


async def test_a_source_the_database_refuses_fails_alone(
    session: AsyncSession, sales: str, backend: str
) -> None:
    # given a record the dataset's current version cannot read as a number (an earlier
    # version of the dataset stored it as text)
    tenant = _tenant(session)
    session.add(
        DatasetRecord(
            tenant_id=tenant, dataset_key=sales.split("@")[0], dataset_version=0,
            record_key="old-1", subject=ANA, date=dt.date(2025, 1, 5),
            data=order(99, ANA, "2025-01-05", 0) | {"amount": "n/a"}, batch_id=0,
        )
    )  # fmt: skip
    await session.commit()
    sources = _sources(sales)
    # when the sources sharing its scan are aggregated
    done = await datasets.aggregate_sources(
        session, tenant, {k: (v, [ANA, BO]) for k, v in sources.items()}, *Q1
    )
    # then on PostgreSQL the sources that read that record's amount fail, each with a
    # reason, and the others are computed ("north" filters the record out before
    # reading its amount); SQLite reads the text as 0
    reads_amount = {"revenue", "average", "smallest", "by-owner"}
    if backend == "postgres":
        assert set(done.failed) == reads_amount
        assert set(done.failed.values()) == {
            "the database could not aggregate this source (see the server log)"
        }
    else:
        assert done.failed == {}
        assert done.values["smallest"][ANA] == 0.0
    assert done.values["orders"] == {ANA: 4.0, BO: 1.0}
    assert done.values["renewals"] == {ANA: 1.0, BO: 0.0}


def _tenant(session: AsyncSession) -> int:
    return int(session.info["tenant_id"])


@pytest.fixture(autouse=True)
async def _demo_tenant(session: AsyncSession) -> None:
    session.info["tenant_id"] = (await caller_for(session, HR)).tenant_id


RECORDS = """
query($dataset: String!, $subject: String, $start: Date, $end: Date, $first: Int, $after: String) {
  datasetRecords(dataset: $dataset, subject: $subject, start: $start, end: $end,
                 first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { key subject date dataset data } }
  }
}"""


async def test_records_are_browsed_in_the_callers_scope(
    gql: GraphQLClient, session: AsyncSession, publish_dataset: Publish
) -> None:
    # given one order for each of: the employee, their lead, a south-team member, the HR head
    dataset = await publish_dataset()
    south = (
        await session.execute(
            select(Employee.email)
            .join(OrgUnit, OrgUnit.id == Employee.org_unit_id)
            .where(OrgUnit.code == "sales-south", Employee.email.like(f"%@{DEMO_DOMAIN}"))
            .limit(1)
        )
    ).scalar_one()
    owners = [EMPLOYEE, NORTH_LEAD, south, HR]
    await _ingest(session, dataset, [order(i, o, "2025-02-01", i) for i, o in enumerate(owners)])

    async def seen(who: str, **variables: Any) -> set[str]:
        data = await gql.ok(RECORDS, {"dataset": dataset, **variables}, as_user=who)
        conn = data["datasetRecords"]
        assert conn["totalCount"] == len(conn["edges"])
        return {e["node"]["subject"] for e in conn["edges"]}

    # then each role sees the subjects in its scope
    assert await seen("employee") == {EMPLOYEE}
    assert await seen(NORTH_LEAD) == {EMPLOYEE, NORTH_LEAD}
    assert await seen(f"sales.head@{DEMO_DOMAIN}") == {EMPLOYEE, NORTH_LEAD, south}
    assert await seen("hr") == set(owners)
    # and filters narrow further
    assert await seen("hr", subject=south.upper()) == {south}
    assert await seen("hr", start="2025-03-01") == set()


async def test_records_page_with_cursors(
    gql: GraphQLClient, session: AsyncSession, publish_dataset: Publish
) -> None:
    dataset = await publish_dataset()
    await _ingest(session, dataset, [order(i, NORTH_LEAD, "2025-01-02", i) for i in range(5)])
    keys: list[str] = []
    after = None
    while True:
        data = await gql.ok(RECORDS, {"dataset": dataset, "first": 2, "after": after}, as_user="hr")
        conn = data["datasetRecords"]
        assert conn["totalCount"] == 5
        keys += [e["node"]["key"] for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert keys == [f"SO-{i:06d}" for i in range(5)]
    node = (await gql.ok(RECORDS, {"dataset": dataset, "first": 1}, as_user="hr"))[
        "datasetRecords"
    ]["edges"][0]["node"]
    assert node["dataset"] == dataset
    assert node["date"] == "2025-01-02"
    assert node["data"]["amount"] == 0
