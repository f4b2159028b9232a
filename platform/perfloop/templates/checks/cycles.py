"""Cycles: unique stage keys, forms that exist and allow the relation, guards on earlier stages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from perfloop.templates._context import Context
from perfloop.templates.errors import TemplateErrorCode

__all__ = ["MONTHS", "check", "stage_forms"]

MONTHS: Final = {"month": 1, "quarter": 3, "half-year": 6, "year": 12}
"""Months per period, to check that a summary period is made of whole cycle periods."""


def stage_forms(document: Mapping[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    """Every form reference of a cycle with the pointer parts of its entry."""
    found: list[tuple[tuple[str | int, ...], str]] = []
    for s, stage in enumerate(document.get("stages", [])):
        for f, entry in enumerate(stage.get("forms", [])):
            found.append((("stages", s, "forms", f, "form"), entry["form"]))
    for f, entry in enumerate(document.get("summary", {}).get("forms", [])):
        found.append((("summary", "forms", f, "form"), entry["form"]))
    return found


def check(document: Mapping[str, Any], ctx: Context) -> None:
    stages = document["stages"]
    order: dict[str, int] = {}
    for index, stage in enumerate(stages):
        if stage["key"] in order:
            message = f"stage key {stage['key']!r} is used more than once"
            ctx.add(("stages", index, "key"), TemplateErrorCode.DUPLICATE_KEY, message)
        order.setdefault(stage["key"], index)
    for index, stage in enumerate(stages):
        at = ("stages", index)
        _check_forms(stage.get("forms", []), (*at, "forms"), ctx)
        _check_guards(stage.get("guards", []), index, order, (*at, "guards"), ctx)
    _check_deadlines(stages, ctx)
    summary = document.get("summary")
    if summary is not None:
        _check_summary(summary, document["period"], ctx)


def _check_forms(entries: list[Mapping[str, Any]], at: tuple[str | int, ...], ctx: Context) -> None:
    seen: set[tuple[str, str]] = set()
    for index, entry in enumerate(entries):
        here = (*at, index)
        pair = (entry["form"], entry["filledBy"])
        if pair in seen:
            message = f"{pair[0]} filled in by {pair[1]} is listed twice"
            ctx.add(here, TemplateErrorCode.DUPLICATE_KEY, message)
        seen.add(pair)
        form = ctx.resolve(entry["form"], "form", (*here, "form"))
        allowed = form.get("filledBy", []) if form is not None else None
        if allowed is not None and entry["filledBy"] not in allowed:
            message = (
                f"{entry['form']} is not filled in by {entry['filledBy']} "
                f"(only by {', '.join(allowed)})"
            )
            ctx.add((*here, "filledBy"), TemplateErrorCode.RELATION, message)


def _check_guards(
    guards: list[Mapping[str, Any]],
    index: int,
    order: Mapping[str, int],
    at: tuple[str | int, ...],
    ctx: Context,
) -> None:
    keys: set[str] = set()
    for g, guard in enumerate(guards):
        if guard["key"] in keys:
            message = f"guard key {guard['key']!r} is used more than once in this stage"
            ctx.add((*at, g, "key"), TemplateErrorCode.DUPLICATE_KEY, message)
        keys.add(guard["key"])
        target = guard.get("stage")
        if target is None:
            continue
        if target not in order:
            message = f"no stage {target!r} in this cycle"
            ctx.add((*at, g, "stage"), TemplateErrorCode.UNKNOWN_REFERENCE, message)
        elif order[target] >= index:
            message = (
                f"a guard can only wait for an earlier stage; {target!r} is not before this one"
            )
            ctx.add((*at, g, "stage"), TemplateErrorCode.STAGE_ORDER, message)


def _check_deadlines(stages: list[Mapping[str, Any]], ctx: Context) -> None:
    """Deadlines on the same anchor never go backwards; period-end ones follow period-start ones."""
    latest: dict[str, tuple[int, str]] = {}
    for index, stage in enumerate(stages):
        deadline = stage.get("deadline")
        if deadline is None:
            continue
        anchor, offset = deadline["anchor"], deadline["offsetDays"]
        previous = latest.get(anchor)
        if previous is not None and offset < previous[0]:
            message = (
                f"due {offset} days from {anchor}, before the earlier stage "
                f"{previous[1]!r} ({previous[0]} days)"
            )
            ctx.add(
                ("stages", index, "deadline", "offsetDays"), TemplateErrorCode.STAGE_ORDER, message
            )
        if anchor == "period-start" and "period-end" in latest:
            after = latest["period-end"][1]
            message = f"a period-start deadline after the period-end deadline of {after!r}"
            ctx.add(("stages", index, "deadline", "anchor"), TemplateErrorCode.STAGE_ORDER, message)
        latest[anchor] = (offset, stage["key"])


def _check_summary(summary: Mapping[str, Any], period: str, ctx: Context) -> None:
    parts, remainder = divmod(MONTHS[summary["period"]], MONTHS[period])
    if parts < 2 or remainder:
        message = f"a {summary['period']} summary cannot be made of whole {period}s"
        ctx.add(("summary", "period"), TemplateErrorCode.PERIOD, message)
        return
    weights = summary.get("weights")
    if weights is not None:
        if len(weights) != parts:
            message = (
                f"a {summary['period']} has {parts} {period}s; "
                f"give {parts} weights, not {len(weights)}"
            )
            ctx.add(("summary", "weights"), TemplateErrorCode.WEIGHTS, message)
        elif abs(sum(weights) - 100) > 1e-9:
            ctx.add(
                ("summary", "weights"),
                TemplateErrorCode.WEIGHTS,
                f"weights add up to {sum(weights):g}, not 100",
            )
    _check_forms(summary.get("forms", []), ("summary", "forms"), ctx)
