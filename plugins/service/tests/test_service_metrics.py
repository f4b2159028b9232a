"""The customer service metrics over tickets written here, through perfloop's public
SDK (``perfloop.testing.run_metric_on``: no server, no database), as perfloop runs them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from perfloop.plugins import MetricError, Period, get_registry
from perfloop.testing import run_metric_on
from perfloop_service import plugin

YU, ZHI = "yu@example.test", "zhi@example.test"
OCTOBER = Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31))


def ticket(who: str, opened: str, category: str = "question", **extra: Any) -> dict[str, Any]:
    return {"agent_email": who, "opened_at": opened, "category": category, **extra}


def compute(
    key: str,
    tickets: Sequence[Mapping[str, Any]] = (),
    *,
    params: Mapping[str, Any] | None = None,
    subjects: Sequence[str] = (YU, ZHI),
) -> dict[str, float | MetricError | None]:
    """The metric ``key``'s value for each subject in October, none of them an error."""
    chosen = plugin.metric(key)
    assert chosen is not None
    found = run_metric_on(
        chosen, plugin=plugin, period=OCTOBER, records={"support-tickets": tickets},
        subjects=subjects, params=params,
    )  # fmt: skip
    assert not any(isinstance(v, MetricError) for v in found.values()), found
    return found


TICKETS = [
    ticket(YU, "2026-10-01T08:00:00+08:00", csat_stars=5, first_response_minutes=10),
    ticket("Yu@Example.TEST", "2026-10-31T23:00:00+08:00", "incident", csat_stars=2),
    ticket(YU, "2026-10-15T09:00:00+08:00", "complaint", first_response_minutes=20),
    ticket(YU, "2026-11-01T00:10:00+08:00", csat_stars=1, first_response_minutes=500),  # Nov
    ticket(YU, "2026-09-30T22:00:00+08:00", "complaint", csat_stars=1),  # September
    ticket(ZHI, "2026-10-02T10:00:00+08:00", "request"),
]


def test_the_plugin_is_installed_under_its_entry_point() -> None:
    found = get_registry().provider("service", "satisfaction")
    assert found is not None
    assert found.distribution == "perfloop-service"


def test_satisfaction_averages_rated_tickets_of_the_period() -> None:
    assert compute("satisfaction", TICKETS) == {YU: 3.5, ZHI: None}
    incidents = compute("satisfaction", TICKETS, params={"categories": ["incident"]})
    assert incidents == {YU: 2.0, ZHI: None}


def test_first_response_averages_answered_tickets() -> None:
    assert compute("first_response_minutes", TICKETS) == {YU: 15.0, ZHI: None}


def test_complaint_rate_is_complaints_over_tickets() -> None:
    result = compute("complaint_rate", TICKETS)
    assert result[YU] == pytest.approx(100 / 3)
    assert result[ZHI] == 0.0
    wider = compute("complaint_rate", TICKETS, params={"complaints": ["complaint", "incident"]})
    assert wider[YU] == pytest.approx(200 / 3)


def test_complaint_rate_refuses_complaints_outside_the_categories() -> None:
    # complaints among tickets that leave them out would always be 0 %: refused
    rate = plugin.metric("complaint_rate")
    assert rate is not None
    params = {"complaints": ["complaint", "incident"], "categories": ["question", "complaint"]}
    found = run_metric_on(
        rate, plugin=plugin, period=OCTOBER, records={"support-tickets": TICKETS},
        subjects=(YU, ZHI), params=params,
    )  # fmt: skip
    assert found == dict.fromkeys(
        (YU, ZHI), MetricError("the complaint categories incident are not among the categories")
    )
    # the default complaint category must be among them too; within them, a rate
    assert compute("complaint_rate", TICKETS, params={"categories": ["complaint"]}) == {
        YU: 100.0, ZHI: None,
    }  # fmt: skip


@pytest.mark.parametrize("key", ["satisfaction", "first_response_minutes", "complaint_rate"])
def test_no_tickets_no_value(key: str) -> None:
    assert compute(key, subjects=[YU]) == {YU: None}


def test_categories_are_checked_against_the_dataset_s_enum() -> None:
    rate = plugin.metric("complaint_rate")
    assert rate is not None
    assert rate.check_params({"categories": ["praise"]})
    assert rate.check_params({"complaints": []})
