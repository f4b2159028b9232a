"""The R&D metrics over resolved issues; each a batch computation per context."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from perfloop.plugins import MetricContext, Reads, Value, as_date, metric

ISSUES = "issues"
TYPES = ("feature", "story", "bug", "task")
#: a resolution that delivered something (not "wont-do" or "duplicate")
DONE = "done"

Issue = Mapping[str, Any]


def _types_param(default: Sequence[str], what: str) -> Mapping[str, Any]:
    return {
        "type": "object",
        "properties": {
            "types": {
                "description": f"The issue types counted as {what}.",
                "type": "array",
                "items": {"enum": list(TYPES)},
                "minItems": 1,
                "uniqueItems": True,
                "default": list(default),
            }
        },
        "additionalProperties": False,
    }


def _per_subject(
    context: MetricContext, default: Sequence[str], answer: Callable[[list[Issue]], Value]
) -> dict[str, Value]:
    """``answer`` over each subject's issues of the chosen types resolved in the period."""
    types = frozenset(context.params.get("types") or default)
    return {
        subject: answer([i for i in issues if i.get("type") in types])
        for subject, issues in context.by_subject(ISSUES).items()
    }


def _rate(part: int, whole: int) -> Value:
    return None if whole == 0 else part / whole * 100


def _on_time(issues: list[Issue]) -> Value:
    dates = [
        (as_date(i.get("resolved_on")), as_date(i.get("due_on")))
        for i in issues
        if i.get("status") == DONE
    ]
    due = [(done, by) for done, by in dates if done is not None and by is not None]
    return _rate(sum(1 for done, by in due if done <= by), len(due))


@metric(
    key="on_time_delivery_rate",
    title={"zh-CN": "按时交付率", "en": "On-time delivery rate"},
    unit="percent",
    direction="higher",
    params=_types_param(TYPES, "deliveries"),
    reads=[Reads(ISSUES)],
    description={
        "zh-CN": "本期完成且有截止日期的事项中，在截止日期当天或之前完成的比例（%）。",
        "en": "Of the issues done in the period that had a due date, the share done on or "
        "before it (percent).",
    },
)
def on_time_delivery_rate(context: MetricContext) -> Mapping[str, Value]:
    return _per_subject(context, TYPES, _on_time)


def _done(issues: list[Issue]) -> Value:
    return float(sum(1 for i in issues if i.get("status") == DONE))


@metric(
    key="shipped",
    title={"zh-CN": "交付功能数", "en": "Features shipped"},
    unit="count",
    direction="higher",
    params=_types_param(("feature", "story"), "shipped"),
    reads=[Reads(ISSUES)],
    description={
        "zh-CN": "本期完成的功能和用户故事数。",
        "en": "Features and stories done in the period.",
    },
)
def shipped(context: MetricContext) -> Mapping[str, Value]:
    return _per_subject(context, ("feature", "story"), _done)


@metric(
    key="problems_solved",
    title={"zh-CN": "解决问题数", "en": "Problems solved"},
    unit="count",
    direction="higher",
    params=_types_param(("bug",), "problems"),
    reads=[Reads(ISSUES)],
    description={
        "zh-CN": "本期修复完成的缺陷数。",
        "en": "Bugs fixed (done) in the period.",
    },
)
def problems_solved(context: MetricContext) -> Mapping[str, Value]:
    return _per_subject(context, ("bug",), _done)


def _escaped(issues: list[Issue]) -> Value:
    defects = [i for i in issues if i.get("status") != "duplicate" and i.get("found_in")]
    found = [i for i in defects if i.get("found_in") == "production"]
    return _rate(len(found), len(defects))


@metric(
    key="defect_escape_rate",
    title={"zh-CN": "缺陷逃逸率", "en": "Defect escape rate"},
    unit="percent",
    direction="lower",
    reads=[Reads(ISSUES)],
    description={
        "zh-CN": "本期解决的缺陷中在生产环境发现的比例（%，重复缺陷和未注明发现阶段的不计）。",
        "en": "Of the defects resolved in the period, the share found in production "
        "(percent; duplicates and defects without a found-in stage left out).",
    },
)
def defect_escape_rate(context: MetricContext) -> Mapping[str, Value]:
    return _per_subject(context, ("bug",), _escaped)


METRICS = (on_time_delivery_rate, shipped, problems_solved, defect_escape_rate)

__all__ = ["ISSUES", "METRICS"]
