"""The sales metrics; each a batch computation over the subjects of one context."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from perfloop.plugins import MetricContext, MetricError, Period, Reads, Value, as_date, metric

ORDERS = "sales-orders"
CUSTOMERS = "customers"
DEAL_TYPES = ("new", "expansion", "renewal")
SEGMENTS = ("smb", "mid-market", "enterprise")

_DEALS_PARAMS: Mapping[str, Any] = {
    "type": "object",
    "properties": {
        "dealTypes": {
            "description": "The deal types counted (default: all).",
            "type": "array",
            "items": {"enum": list(DEAL_TYPES)},
            "minItems": 1,
            "uniqueItems": True,
        }
    },
    "additionalProperties": False,
}
_SEGMENT_PARAMS: Mapping[str, Any] = {
    "type": "object",
    "properties": {
        "segments": {
            "description": "The customer segments counted (default: all).",
            "type": "array",
            "items": {"enum": list(SEGMENTS)},
            "minItems": 1,
            "uniqueItems": True,
        }
    },
    "additionalProperties": False,
}


def _chosen(context: MetricContext, name: str, default: Sequence[str]) -> frozenset[str]:
    return frozenset(context.params.get(name) or default)


def _paid(context: MetricContext, orders: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    deals = _chosen(context, "dealTypes", DEAL_TYPES)
    return [o for o in orders if o.get("status") == "paid" and o.get("deal_type") in deals]


def _revenue(orders: Sequence[Mapping[str, Any]], period: Period) -> float:
    return float(sum(float(o["amount"]) for o in orders if as_date(o.get("order_date")) in period))


@metric(
    key="revenue",
    title={"zh-CN": "销售额", "en": "Revenue"},
    unit="CNY",
    direction="higher",
    params=_DEALS_PARAMS,
    reads=[Reads(ORDERS)],
    description={
        "zh-CN": "周期内已回款订单的金额合计（可按成交类型筛选）。",
        "en": "The amount of the period's paid orders (optionally of some deal types).",
    },
)
def revenue(context: MetricContext) -> Mapping[str, Value]:
    return {
        subject: _revenue(_paid(context, orders), context.period)
        for subject, orders in context.by_subject(ORDERS).items()
    }


@metric(
    key="growth",
    title={"zh-CN": "销售额环比增长率", "en": "Revenue growth"},
    unit="percent",
    direction="higher",
    params=_DEALS_PARAMS,
    reads=[Reads(ORDERS, history="previous")],
    description={
        "zh-CN": "本期销售额相对上一期（同样长度，季度对上季度）的变化百分比；"
        "上一期没有销售额时无法计算。",
        "en": "The change of revenue against the previous period of the same length (a "
        "quarter against the quarter before), in percent; an error when that had none.",
    },
)
def growth(context: MetricContext) -> Mapping[str, Value]:
    before = context.period.previous()
    out: dict[str, Value] = {}
    for subject, orders in context.by_subject(ORDERS).items():
        paid = _paid(context, orders)
        now, then = _revenue(paid, context.period), _revenue(paid, before)
        if then == 0:
            out[subject] = MetricError(
                f"no revenue in the previous period ({before.start}..{before.end}): "
                "growth is undefined"
            )
        else:
            out[subject] = (now - then) / then * 100
    return out


@metric(
    key="new_customers",
    title={"zh-CN": "新客户数", "en": "New customers"},
    unit="count",
    direction="higher",
    reads=[Reads(ORDERS, history="all")],
    description={
        "zh-CN": "首笔已回款订单落在本期的客户数（按该销售的全部历史订单判断）。",
        "en": "Customers whose first paid order (among all of the salesperson's orders "
        "so far) falls in the period.",
    },
)
def new_customers(context: MetricContext) -> Mapping[str, Value]:
    out: dict[str, Value] = {}
    for subject, orders in context.by_subject(ORDERS).items():
        first: dict[str, Any] = {}
        for order in orders:
            day = as_date(order.get("order_date"))
            if order.get("status") != "paid" or day is None:
                continue
            customer = str(order.get("customer_id"))
            if customer not in first or day < first[customer]:
                first[customer] = day
        out[subject] = float(sum(1 for day in first.values() if day in context.period))
    return out


def _customers(context: MetricContext) -> dict[str, list[Mapping[str, Any]]]:
    """Each subject's customers; with ``segments``, only those of these segments (a
    customer without a segment is then left out)."""
    groups = context.by_subject(CUSTOMERS)
    if not context.params.get("segments"):
        return groups
    segments = _chosen(context, "segments", SEGMENTS)
    return {s: [c for c in held if c.get("segment") in segments] for s, held in groups.items()}


def _on_or_before(value: Any, last: dt.date) -> bool:
    day = as_date(value)
    return day is not None and day <= last


def _between(value: Any, first: dt.date, last: dt.date) -> bool:
    day = as_date(value)
    return day is not None and first <= day <= last


def _rate(part: int, whole: int) -> Value:
    return None if whole == 0 else part / whole * 100


@metric(
    key="churn_rate",
    title={"zh-CN": "客户流失率", "en": "Customer churn rate"},
    unit="percent",
    direction="lower",
    params=_SEGMENT_PARAMS,
    reads=[Reads(CUSTOMERS, history="all")],
    description={
        "zh-CN": "期初持有的客户中在本期流失的比例（%）；期初没有客户时无值。",
        "en": "Of the customers held at the period's start, the share that churned during "
        "it (percent); no value when none were held.",
    },
)
def churn_rate(context: MetricContext) -> Mapping[str, Value]:
    start, out = context.period.start, {}
    for subject, customers in _customers(context).items():
        held = churned = 0
        for customer in customers:
            since, gone = as_date(customer.get("since")), as_date(customer.get("churned_on"))
            if since is None or since >= start or (gone is not None and gone < start):
                continue
            held += 1
            churned += gone in context.period
        out[subject] = _rate(churned, held)
    return out


#: how long before its due date a renewal counts for it, unless ``renewalWindowDays`` says
RENEWAL_WINDOW_DAYS = 90


@metric(
    key="renewal_rate",
    title={"zh-CN": "续约率", "en": "Renewal rate"},
    unit="percent",
    direction="higher",
    params={
        **_SEGMENT_PARAMS,
        "properties": {
            **_SEGMENT_PARAMS["properties"],
            "renewalWindowDays": {
                "description": "How many days before its due date a renewal counts for it "
                f"(default {RENEWAL_WINDOW_DAYS}): an older renewed_on is an earlier "
                "renewal.",
                "type": "integer",
                "minimum": 0,
                "maximum": 3660,
            },
        },
    },
    reads=[Reads(CUSTOMERS, history="all")],
    description={
        "zh-CN": "本期到期的续约中已续约的比例（%，续约日期不晚于期末，且不早于到期日前 "
        "90 天，可由 renewalWindowDays 调整）；本期没有到期时无值。",
        "en": "Of the renewals due in the period, the share renewed by its end and no "
        "earlier than 90 days before the due date (renewalWindowDays) (percent); no value "
        "when none were due.",
    },
)
def renewal_rate(context: MetricContext) -> Mapping[str, Value]:
    end, out = context.period.end, {}
    window = dt.timedelta(days=int(context.params.get("renewalWindowDays", RENEWAL_WINDOW_DAYS)))
    for subject, customers in _customers(context).items():
        due = [
            (c, day)
            for c in customers
            if (day := as_date(c.get("renewal_due"))) is not None and day in context.period
        ]
        renewed = [c for c, day in due if _between(c.get("renewed_on"), day - window, end)]
        out[subject] = _rate(len(renewed), len(due))
    return out


METRICS = (revenue, growth, new_customers, churn_rate, renewal_rate)

__all__ = ["CUSTOMERS", "METRICS", "ORDERS"]
