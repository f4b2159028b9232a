"""Helpers for tests of actuals: a cycle in a small company, sales orders in, KPI-library
items."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from support.company import Company

INSTALL = """
mutation { installApp(app: "standard-performance@1") { installedApp { id } errors { message } } }
"""
OPEN = """
mutation($app: ID!, $period: String!) {
  openCycle(app: $app, cycle: "quarterly-review", period: $period) {
    cycle { id startsOn endsOn } errors { message }
  }
}"""
INGEST = """
mutation($dataset: String!, $batch: String!, $records: [JSON!]!) {
  ingestRecords(dataset: $dataset, batchKey: $batch, records: $records) {
    status inserted errors { message } rowErrors { row field message }
  }
}"""
SALES = "sales-kpis@1"
ORDER_NUMBERS = itertools.count()
BATCH_NUMBERS = itertools.count()


def quarter(day: dt.date) -> tuple[str, dt.date, dt.date]:
    q = (day.month - 1) // 3
    start = dt.date(day.year, 3 * q + 1, 1)
    end = dt.date(day.year + (q == 3), (3 * q + 3) % 12 + 1, 1) - dt.timedelta(days=1)
    return f"{day.year}-Q{q + 1}", start, end


def last_quarter() -> tuple[str, dt.date, dt.date]:
    _, start, _ = quarter(dt.date.today())
    return quarter(start - dt.timedelta(days=1))


def order(email: str, day: dt.date, amount: float, status: str = "paid") -> dict[str, Any]:
    return {
        "order_id": f"SO-{next(ORDER_NUMBERS):06d}",
        "owner_email": email,
        "customer_id": "C-1",
        "order_date": day.isoformat(),
        "amount": amount,
        "status": status,
        "deal_type": "new",
    }


async def ingest(company: Company, dataset: str, records: list[dict[str, Any]]) -> None:
    variables = {"dataset": dataset, "batch": f"test-{next(BATCH_NUMBERS)}", "records": records}
    data = await company.ok(INGEST, variables, as_user="hr")
    assert data["ingestRecords"]["status"] == "COMMITTED", data
    assert data["ingestRecords"]["inserted"] == len(records)


async def open_cycle(company: Company, period: str) -> str:
    app = (await company.ok(INSTALL, as_user="hr"))["installApp"]["installedApp"]["id"]
    opened = await company.ok(OPEN, {"app": app, "period": period}, as_user="hr")
    assert opened["openCycle"]["errors"] == []
    return str(opened["openCycle"]["cycle"]["id"])


def library_item(indicator: str, target: float, weight: float) -> dict[str, Any]:
    return {"library": SALES, "indicator": indicator, "target": target, "weight": weight}
