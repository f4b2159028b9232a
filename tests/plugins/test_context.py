"""What a metric's context gives it: only the records of the subjects asked for, dated
in the window its reads ask for; an undeclared dataset is a usage error; ``aggregate``
follows the semantics of a KPI library's dataset source (docs/templates.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from perfloop.plugins import (
    Dataset,
    MetricContext,
    Period,
    PluginUsageError,
    Reads,
    as_date,
    run_metric,
)
from perfloop.plugins.builtin import DATASET
from perfloop.plugins.context import aggregate_any

Q2 = Period(dt.date(2026, 4, 1), dt.date(2026, 6, 30))

ORDERS = [
    {"id": 1, "owner": "Ann@Example.com", "day": "2026-04-02", "amount": 100, "status": "paid"},
    {"id": 2, "owner": "ann@example.com", "day": "2026-06-30", "amount": 50, "status": "paid"},
    {"id": 3, "owner": "ann@example.com", "day": "2026-03-31", "amount": 70, "status": "paid"},
    {"id": 4, "owner": "ann@example.com", "day": "2025-12-31", "amount": 9, "status": "paid"},
    {"id": 5, "owner": "bob@example.com", "day": "2026-05-05T10:00:00+08:00", "amount": 30},
    {"id": 6, "owner": "eve@example.com", "day": "2026-05-05", "amount": 999, "status": "paid"},
    {"id": 7, "owner": None, "day": "2026-05-05", "amount": 1},
    {"id": 8, "owner": "bob@example.com", "day": None, "amount": 1},
    {"id": 9, "owner": "bob@example.com", "day": "2026-07-01", "amount": 1},
    {"id": 10, "owner": "bob@example.com", "day": "not a date", "amount": 1},
]


def context(
    history: Any = "period",
    *,
    lowercase: bool = True,
    subjects: tuple[str, ...] = ("ann@example.com", "BOB@example.com"),
    records: list[dict[str, Any]] | None = None,
) -> MetricContext:
    orders = Dataset("orders", "owner", "day", records or ORDERS, lowercase_subject=lowercase)
    return MetricContext(
        subjects=subjects,
        period=Q2,
        datasets={"orders": orders},
        reads=(Reads("orders", history),),
    )


def ids(records: list[Any]) -> list[int]:
    return sorted(r["id"] for r in records)


@pytest.mark.parametrize(
    ("history", "expected"),
    [("period", [1, 2, 5]), ("previous", [1, 2, 3, 5]), ("all", [1, 2, 3, 4, 5])],
)
def test_records_are_the_subjects_in_the_window_of_the_read(
    history: Any, expected: list[int]
) -> None:
    assert ids(context(history).records("orders")) == expected


def test_emails_are_compared_without_case_and_grouped_under_the_subject_asked_for() -> None:
    groups = context().by_subject("orders")

    assert list(groups) == ["ann@example.com", "BOB@example.com"]
    assert ids(groups["ann@example.com"]) == [1, 2]
    assert ids(groups["BOB@example.com"]) == [5]


def test_subjects_other_than_emails_keep_their_case() -> None:
    found = context(lowercase=False, subjects=("ann@example.com", "Ann@Example.com"))

    assert ids(found.by_subject("orders")["Ann@Example.com"]) == [1]
    assert ids(found.by_subject("orders")["ann@example.com"]) == [2]


def test_a_subject_without_records_is_still_a_key() -> None:
    groups = context(subjects=("nobody@example.com",)).by_subject("orders")

    assert groups == {"nobody@example.com": []}


def test_a_dataset_may_be_named_with_its_version_and_its_fields_are_readable() -> None:
    found = context()
    record = ORDERS[0]

    assert found.records("orders@1") == found.records("orders")
    assert found.dataset("orders").date_field == "day"
    assert found.subject_of("orders", record) == "ann@example.com"
    assert found.subject_of("orders", {"owner": None}) is None
    assert found.date_of("orders", ORDERS[4]) == dt.date(2026, 5, 5)
    assert found.in_period("orders", record)
    assert not found.in_period("orders", ORDERS[2])


def test_reading_an_undeclared_dataset_is_a_usage_error() -> None:
    found = MetricContext(
        subjects=("ann@example.com",),
        period=Q2,
        datasets={"orders": Dataset("orders", "owner", "day", ORDERS)},
    )
    with pytest.raises(PluginUsageError, match="reads 'orders' without declaring it"):
        found.records("orders")
    with pytest.raises(PluginUsageError, match="without declaring"):
        found.by_subject("orders")
    assert ids(found.records("orders", declared=False)) == [2]


def test_a_declared_dataset_that_was_not_given_is_a_usage_error() -> None:
    found = MetricContext(subjects=("a",), period=Q2, reads=(Reads("tickets"),))

    with pytest.raises(PluginUsageError, match="dataset 'tickets' is not available"):
        found.records("tickets")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-04-01", dt.date(2026, 4, 1)),
        ("2026-04-01T23:59:00Z", dt.date(2026, 4, 1)),
        (dt.datetime(2026, 4, 1, 8), dt.date(2026, 4, 1)),
        (dt.date(2026, 4, 1), dt.date(2026, 4, 1)),
        ("2026-02-30", None),
        ("2026", None),
        (20260401, None),
        (None, None),
    ],
)
def test_as_date(value: Any, expected: dt.date | None) -> None:
    assert as_date(value) == expected


# aggregate: the shape of a KPI library dataset source, computed over the given records

SUBJECTS = ("ann@example.com", "bob@example.com", "cy@example.com")
PROJECTS = [
    # due in the quarter, delivered in it
    {"id": 1, "owner": "ann@example.com", "reviewer": "Cy@Example.com", "due": "2026-04-10",
     "delivered": "2026-04-09", "points": 5, "type": "feature", "on_time": True},
    # due in the quarter before, delivered in this one
    {"id": 2, "owner": "ann@example.com", "reviewer": "cy@example.com", "due": "2026-03-20",
     "delivered": "2026-04-02T09:00:00Z", "points": 3, "type": "bugfix", "on_time": False},
    # due in the quarter, not delivered
    {"id": 3, "owner": "ann@example.com", "reviewer": "bob@example.com", "due": "2026-06-01",
     "delivered": None, "points": None, "type": "feature", "on_time": False},
    {"id": 4, "owner": "bob@example.com", "reviewer": "ann@example.com", "due": "2026-05-01",
     "delivered": "2026-05-01", "points": 8, "on_time": True},
    {"id": 5, "owner": "bob@example.com", "reviewer": "ann@example.com", "due": "2026-05-02",
     "delivered": "2026-05-03", "points": "8", "type": "improvement", "on_time": True},
]  # fmt: skip


def aggregating(records: list[dict[str, Any]] = PROJECTS) -> MetricContext:
    projects = Dataset("projects", "owner", "due", records, lowercase_subject=True)
    return MetricContext(
        subjects=SUBJECTS, period=Q2, datasets={"projects": projects}, reads=(Reads("projects"),)
    )


async def test_aggregating_an_undeclared_dataset_is_a_usage_error() -> None:
    # a plugin's aggregation is over a dataset it declares (its data is what it reads);
    # perfloop's own dataset metric alone aggregates the dataset its parameters name
    context = aggregating()
    context.reads = ()
    source = {"dataset": "projects@1", "op": "count"}
    with pytest.raises(PluginUsageError, match="aggregates 'projects@1' without declaring"):
        await context.aggregate(source)
    assert (await aggregate_any(context, source))["ann@example.com"] == 2.0
    context.params = source
    outcomes = await run_metric(DATASET, context)
    assert outcomes["ann@example.com"].value == 2.0


async def aggregate(**source: Any) -> dict[str, float | None]:
    return await aggregating().aggregate({"dataset": "projects@1", **source})


async def test_count_and_sum_are_zero_and_the_others_none_without_records() -> None:
    assert await aggregate(op="count") == {
        "ann@example.com": 2.0,
        "bob@example.com": 2.0,
        "cy@example.com": 0.0,
    }
    assert (await aggregate(op="sum", field="points"))["cy@example.com"] == 0.0
    for op in ("avg", "min", "max"):
        assert (await aggregate(op=op, field="points"))["cy@example.com"] is None


async def test_numeric_ops_skip_records_without_a_number() -> None:
    # project 3 has no points, project 5's are text
    assert await aggregate(op="sum", field="points") == {
        "ann@example.com": 5.0,
        "bob@example.com": 8.0,
        "cy@example.com": 0.0,
    }
    assert (await aggregate(op="avg", field="points"))["ann@example.com"] == 5.0
    assert (await aggregate(op="min", field="points"))["bob@example.com"] == 8.0
    assert (await aggregate(op="max", field="points"))["bob@example.com"] == 8.0


async def test_count_of_a_field_counts_the_records_where_it_is_not_null() -> None:
    assert (await aggregate(op="count", field="delivered"))["ann@example.com"] == 1.0
    assert (await aggregate(op="count", field="type"))["bob@example.com"] == 1.0


@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        ({"field": "type", "op": "eq", "value": "feature"}, [2.0, 0.0]),
        ({"field": "on_time", "op": "eq", "value": True}, [1.0, 2.0]),
        # a record without the field is "not equal" too, and not in a list
        ({"field": "type", "op": "ne", "value": "feature"}, [0.0, 2.0]),
        ({"field": "type", "op": "in", "value": ["feature", "bugfix"]}, [2.0, 0.0]),
        ({"field": "type", "op": "not-in", "value": ["feature"]}, [0.0, 2.0]),
        ({"field": "delivered", "op": "eq", "value": None}, [1.0, 0.0]),
        ({"field": "delivered", "op": "ne", "value": None}, [1.0, 2.0]),
        ({"field": "points", "op": "gt", "value": 5}, [0.0, 1.0]),
        ({"field": "points", "op": "gte", "value": 5}, [1.0, 1.0]),
        ({"field": "points", "op": "lt", "value": 8}, [1.0, 0.0]),
        ({"field": "points", "op": "lte", "value": 8}, [1.0, 1.0]),
        ({"field": "delivered", "op": "lt", "value": "2026-05-01"}, [1.0, 0.0]),
        # a comparison with a missing value or a value of another type never holds
        ({"field": "type", "op": "gt", "value": 3}, [0.0, 0.0]),
        ({"field": "points", "op": "gt", "value": None}, [0.0, 0.0]),
    ],
)
async def test_filter_clauses(clause: dict[str, Any], expected: list[float]) -> None:
    found = await aggregate(op="count", filter=[clause])

    assert [found["ann@example.com"], found["bob@example.com"]] == expected


async def test_every_clause_must_hold() -> None:
    clauses = [
        {"field": "type", "op": "eq", "value": "feature"},
        {"field": "on_time", "op": "eq", "value": True},
    ]
    assert (await aggregate(op="count", filter=clauses))["ann@example.com"] == 1.0


async def test_date_field_dates_the_records_by_another_field() -> None:
    # by delivery: project 2 (due in March) counts, project 3 (not delivered) does not
    assert (await aggregate(op="count", dateField="delivered"))["ann@example.com"] == 2.0
    assert (await aggregate(op="sum", field="points", dateField="delivered")) == {
        "ann@example.com": 8.0,
        "bob@example.com": 8.0,
        "cy@example.com": 0.0,
    }


async def test_subject_field_credits_the_records_to_another_field() -> None:
    # by reviewer (emails, compared without case): cy reviewed projects 1 and 2, but
    # project 2 was due before the quarter
    assert await aggregate(op="count", subjectField="reviewer") == {
        "ann@example.com": 2.0,
        "bob@example.com": 1.0,
        "cy@example.com": 1.0,
    }
    by_delivery = await aggregate(op="count", subjectField="reviewer", dateField="delivered")
    assert by_delivery["cy@example.com"] == 2.0


@pytest.mark.parametrize(
    "source",
    [{"op": "sum"}, {"dataset": "projects", "op": "median"}, {"dataset": 3, "op": "sum"}],
)
async def test_an_aggregation_names_its_dataset_and_an_op(source: dict[str, Any]) -> None:
    with pytest.raises(PluginUsageError, match="names its dataset and an op"):
        await aggregating().aggregate(source)


async def test_an_aggregation_of_a_dataset_not_given_is_a_usage_error() -> None:
    context = aggregating()
    context.reads = (Reads("tickets"),)
    with pytest.raises(PluginUsageError, match="'tickets@1' is not available"):
        await context.aggregate({"dataset": "tickets@1", "op": "count"})
    with pytest.raises(PluginUsageError, match="'tickets@1' is not available"):
        await aggregate_any(aggregating(), {"dataset": "tickets@1", "op": "count"})
