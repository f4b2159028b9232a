"""The customer service metrics over support tickets; each a batch computation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from perfloop.plugins import MetricContext, MetricError, Reads, Value, metric

TICKETS = "support-tickets"
CATEGORIES = ("question", "incident", "request", "complaint")

_CATEGORIES: Mapping[str, Any] = {
    "type": "array",
    "items": {"enum": list(CATEGORIES)},
    "minItems": 1,
    "uniqueItems": True,
}
_PARAMS: Mapping[str, Any] = {
    "type": "object",
    "properties": {
        "categories": {
            **_CATEGORIES,
            "description": "The ticket categories counted (default: all).",
        }
    },
    "additionalProperties": False,
}


def _tickets(context: MetricContext) -> dict[str, list[Mapping[str, Any]]]:
    chosen = frozenset(context.params.get("categories") or CATEGORIES)
    return {
        subject: [t for t in tickets if t.get("category") in chosen]
        for subject, tickets in context.by_subject(TICKETS).items()
    }


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _average(context: MetricContext, field: str) -> dict[str, Value]:
    out: dict[str, Value] = {}
    for subject, tickets in _tickets(context).items():
        numbers = [float(t[field]) for t in tickets if _number(t.get(field))]
        out[subject] = sum(numbers) / len(numbers) if numbers else None
    return out


@metric(
    key="satisfaction",
    title={"zh-CN": "客户满意度（星级）", "en": "Customer satisfaction (stars)"},
    unit="stars",
    direction="higher",
    params=_PARAMS,
    reads=[Reads(TICKETS)],
    description={
        "zh-CN": "本期创建且已评价工单的平均星级（1–5）；没有评价时无值。",
        "en": "The average rating (1–5) of the period's rated tickets; no value without one.",
    },
)
def satisfaction(context: MetricContext) -> Mapping[str, Value]:
    return _average(context, "csat_stars")


@metric(
    key="first_response_minutes",
    title={"zh-CN": "平均首次响应时长", "en": "Average first response"},
    unit="minutes",
    direction="lower",
    params=_PARAMS,
    reads=[Reads(TICKETS)],
    description={
        "zh-CN": "本期创建工单的平均首次响应时长（分钟）；没有响应记录时无值。",
        "en": "The average first response (minutes) of the period's tickets; no value "
        "when none has one.",
    },
)
def first_response_minutes(context: MetricContext) -> Mapping[str, Value]:
    return _average(context, "first_response_minutes")


@metric(
    key="complaint_rate",
    title={"zh-CN": "投诉率", "en": "Complaint rate"},
    unit="percent",
    direction="lower",
    params={
        "type": "object",
        "properties": {
            "complaints": {
                **_CATEGORIES,
                "description": "The categories that count as complaints (default: complaint).",
            },
            "categories": {
                **_CATEGORIES,
                "description": "The tickets the rate is over (default: all).",
            },
        },
        "additionalProperties": False,
    },
    reads=[Reads(TICKETS)],
    description={
        "zh-CN": "本期工单中投诉工单的比例（%）；没有工单时无值。",
        "en": "Complaints among the period's tickets (percent); no value without tickets.",
    },
)
def complaint_rate(context: MetricContext) -> Mapping[str, Value]:
    complaints = frozenset(context.params.get("complaints") or ("complaint",))
    over = frozenset(context.params.get("categories") or CATEGORIES)
    if not complaints <= over:  # a complaint never among the tickets counted: always 0 %
        outside = ", ".join(sorted(complaints - over))
        error = MetricError(f"the complaint categories {outside} are not among the categories")
        return dict.fromkeys(context.subjects, error)
    out: dict[str, Value] = {}
    for subject, tickets in _tickets(context).items():
        found = sum(1 for t in tickets if t.get("category") in complaints)
        out[subject] = found / len(tickets) * 100 if tickets else None
    return out


METRICS = (satisfaction, first_response_minutes, complaint_rate)

__all__ = ["METRICS", "TICKETS"]
