"""The sales metrics over records written here, through perfloop's public SDK
(``perfloop.testing.run_metric_on``: no server, no database), as perfloop runs them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from perfloop.plugins import MetricError, Period, get_registry
from perfloop.testing import run_metric_on
from perfloop_sales import plugin

ANA, BO = "ana@example.test", "bo@example.test"
Q2 = Period(dt.date(2026, 4, 1), dt.date(2026, 6, 30))


def order(who: str, day: str, amount: float, **extra: Any) -> dict[str, Any]:
    record = {"owner_email": who, "order_date": day, "amount": amount, "status": "paid"}
    record.setdefault("customer_id", f"C-{day}-{amount}")
    return {**record, "deal_type": "new", **extra}


def customer(who: str, cid: str, since: str, **extra: Any) -> dict[str, Any]:
    return {"customer_id": cid, "owner_email": who, "since": since, **extra}


def compute(
    key: str,
    *,
    orders: Sequence[Mapping[str, Any]] = (),
    customers: Sequence[Mapping[str, Any]] = (),
    subjects: Sequence[str] = (ANA, BO),
    period: Period = Q2,
    params: Mapping[str, Any] | None = None,
) -> dict[str, float | MetricError | None]:
    """The metric ``key``'s value (or MetricError) for each subject."""
    chosen = plugin.metric(key)
    assert chosen is not None
    return run_metric_on(
        chosen, plugin=plugin, period=period, subjects=subjects, params=params,
        records={"sales-orders": orders, "customers": customers},
    )  # fmt: skip


def test_the_plugin_is_installed_under_its_entry_point() -> None:
    found = get_registry().provider("sales", "churn_rate")
    assert found is not None
    assert found.distribution == "perfloop-sales"
    assert [m.key for m in plugin.metrics] == [
        "revenue",
        "growth",
        "new_customers",
        "churn_rate",
        "renewal_rate",
    ]


def test_revenue_sums_paid_orders_in_the_period_with_emails_in_any_case() -> None:
    orders = [
        order("Ana@Example.test", "2026-04-01", 100),
        order(ANA, "2026-06-30", 50.5),
        order(ANA, "2026-05-01", 1000, status="pending"),
        order(ANA, "2026-03-31", 7),  # the quarter before
        order(ANA, "2026-07-01", 9),  # after
        order(BO, "2026-05-02", 20, deal_type="renewal"),
    ]
    assert compute("revenue", orders=orders) == {ANA: 150.5, BO: 20.0}
    renewals = {"dealTypes": ["renewal"]}
    assert compute("revenue", orders=orders, params=renewals) == {ANA: 0, BO: 20}


def test_revenue_without_records_is_zero() -> None:
    assert compute("revenue") == {ANA: 0.0, BO: 0.0}


def test_revenue_params_are_checked_against_their_schema() -> None:
    revenue = plugin.metric("revenue")
    assert revenue is not None
    assert revenue.check_params({"dealTypes": ["gift"]})
    assert revenue.check_params({"deal_types": ["new"]})
    assert not revenue.check_params({"dealTypes": ["new", "expansion"]})


def test_growth_compares_with_the_quarter_before() -> None:
    orders = [
        order(ANA, "2026-01-01", 100),  # Q1's first day
        order(ANA, "2026-03-31", 100),  # Q1's last day
        order(ANA, "2026-04-01", 250),  # Q2's first day
        order(ANA, "2025-12-31", 1000),  # Q4 of the year before: not read
        order(BO, "2026-02-10", 400),
        order(BO, "2026-05-10", 300),
    ]
    assert compute("growth", orders=orders) == {ANA: 25.0, BO: -25.0}


def test_growth_without_previous_revenue_is_an_error_naming_the_period() -> None:
    orders = [order(ANA, "2026-05-01", 100), order(BO, "2026-02-01", 10, status="refunded")]
    result = compute("growth", orders=orders)
    for who in (ANA, BO):
        said = result[who]
        assert isinstance(said, MetricError)
        assert "2026-01-01..2026-03-31" in said.message


def test_new_customers_counts_first_paid_orders_in_the_period() -> None:
    orders = [
        order(ANA, "2026-02-01", 10, customer_id="old"),
        order(ANA, "2026-05-01", 10, customer_id="old"),  # bought before: not new
        order(ANA, "2026-04-03", 10, customer_id="new1"),
        order(ANA, "2026-06-03", 10, customer_id="new1"),
        order(ANA, "2026-03-03", 10, customer_id="late", status="cancelled"),
        order(ANA, "2026-05-03", 10, customer_id="late"),  # first *paid* order in Q2
        order(ANA, "2026-07-01", 10, customer_id="next"),  # after the period
    ]
    assert compute("new_customers", orders=orders) == {ANA: 2.0, BO: 0.0}


def test_churn_rate_over_customers_held_at_the_start() -> None:
    customers = [
        customer(ANA, "a", "2025-01-01"),
        customer(ANA, "b", "2025-06-01", churned_on="2026-04-01"),  # churned on Q2's first day
        customer(ANA, "c", "2025-06-01", churned_on="2026-03-31"),  # gone before Q2: not held
        customer(ANA, "d", "2026-04-01", churned_on="2026-05-01"),  # won in Q2: not held
        customer(ANA, "e", "2026-01-01", churned_on="2026-07-01"),  # churns after Q2
        customer(ANA, "f", "2024-01-01", churned_on="2026-06-30"),
    ]
    # held at the start: a, b, e, f; churned in Q2: b, f
    assert compute("churn_rate", customers=customers) == {ANA: 50.0, BO: None}


def test_churn_rate_by_segment() -> None:
    customers = [
        customer(ANA, "a", "2025-01-01", segment="enterprise"),
        customer(ANA, "b", "2025-01-01", segment="smb", churned_on="2026-05-01"),
        customer(ANA, "c", "2025-01-01", churned_on="2026-05-02"),  # no segment
    ]
    assert compute("churn_rate", customers=customers)[ANA] == pytest.approx(200 / 3)
    result = compute("churn_rate", customers=customers, params={"segments": ["smb"]})
    assert result[ANA] == 100.0
    result = compute("churn_rate", customers=customers, params={"segments": ["enterprise"]})
    assert result[ANA] == 0.0


def test_renewal_rate_over_renewals_due_in_the_period() -> None:
    customers = [
        customer(BO, "a", "2025-01-01", renewal_due="2026-04-15", renewed_on="2026-04-10"),
        customer(BO, "b", "2025-01-01", renewal_due="2026-06-30", renewed_on="2026-07-02"),
        customer(BO, "c", "2025-01-01", renewal_due="2026-05-15"),
        customer(BO, "d", "2025-01-01", renewal_due="2026-07-15", renewed_on="2026-06-01"),
        customer(
            "BO@example.test", "e", "2025-01-01", renewal_due="2026-04-01", renewed_on="2026-04-01"
        ),
    ]
    # due in Q2: a, b, c, e; renewed by its end: a, e
    assert compute("renewal_rate", customers=customers) == {ANA: None, BO: 50.0}


def test_a_renewal_counts_only_near_its_due_date() -> None:
    # a CRM keeping the last renewal date: a's renewal of a year ago is not this one's
    customers = [
        customer(BO, "a", "2024-01-01", renewal_due="2026-05-15", renewed_on="2025-05-10"),
        customer(BO, "b", "2024-01-01", renewal_due="2026-05-15", renewed_on="2026-02-13"),
        customer(BO, "c", "2024-01-01", renewal_due="2026-05-15", renewed_on="2026-02-14"),
        customer(BO, "d", "2024-01-01", renewal_due="2026-05-15", renewed_on="2026-05-20"),
    ]
    # due in Q2: all four; renewed from 90 days before the due date (2026-02-14): c, d
    assert compute("renewal_rate", customers=customers, subjects=[BO]) == {BO: 50.0}
    # a wider window, given as a parameter, counts b as well; a narrower one only d
    wider = {"renewalWindowDays": 91}
    assert compute("renewal_rate", customers=customers, params=wider, subjects=[BO]) == {BO: 75.0}
    narrower = {"renewalWindowDays": 0}
    assert compute("renewal_rate", customers=customers, params=narrower, subjects=[BO]) == {
        BO: 25.0
    }
    assert plugin.metric("renewal_rate").check_params({"renewalWindowDays": -1})  # type: ignore[union-attr]


def test_a_month_s_previous_period_is_the_month_before() -> None:
    may = Period(dt.date(2026, 5, 1), dt.date(2026, 5, 31))
    orders = [order(ANA, "2026-04-30", 200), order(ANA, "2026-05-31", 300)]
    result = compute("growth", orders=orders, period=may, subjects=[ANA])
    assert result == {ANA: 50.0}


@pytest.mark.parametrize(
    "key", ["revenue", "growth", "new_customers", "churn_rate", "renewal_rate"]
)
def test_every_metric_answers_for_every_subject_without_records(key: str) -> None:
    result = compute(key, subjects=[ANA])
    assert set(result) == {ANA}
    # only growth has no answer from nothing; sums and counts are 0, rates have no value
    if key == "growth":
        assert isinstance(result[ANA], MetricError)
    else:
        assert result[ANA] == (0.0 if key in ("revenue", "new_customers") else None)
