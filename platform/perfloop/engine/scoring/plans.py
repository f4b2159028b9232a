"""Pure plan computations: expected progress, behind-plan flags, goal
allocation coverage, top-down against bottom-up gaps and progress roll-ups.

No I/O and no clock reads: ``today`` is always passed in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from perfloop.engine.scoring.rules import completion as _completion

#: How far below the expected progress an item may be before it is flagged.
DEFAULT_TOLERANCE = 0.1
#: Aggregations whose actual accumulates over the period (so progress is partial).
CUMULATIVE = frozenset({"sum", "count"})


def expected_progress(start: dt.date, end: dt.date, today: dt.date) -> float:
    """Share of the period ``[start, end]`` (both inclusive) elapsed by the end of ``today``."""
    if end < start:
        raise ValueError("a period cannot end before it starts")
    if today < start:
        return 0.0
    if today >= end:
        return 1.0
    days = (end - start).days + 1
    return ((today - start).days + 1) / days


def is_cumulative(aggregation: str | None, direction: str) -> bool:
    """Whether an item's actual accumulates over the period (revenue summed over a
    quarter), so that partial progress is expected, rather than being a level."""
    return (aggregation or "sum") in CUMULATIVE and direction == "higher"


def is_behind(
    completion: float | None,
    expected: float,
    *,
    cumulative: bool = True,
    tolerance: float = DEFAULT_TOLERANCE,
) -> bool:
    """Whether an item is behind plan.

    A cumulative indicator (revenue summed over the quarter) is behind when its
    completion trails the share of the period elapsed by more than
    ``tolerance``. A level indicator (an average, a rate) has no partial
    progress: it is behind when it misses its target by more than
    ``tolerance``, once any of the period has elapsed. No actual yet is
    behind only once progress was expected.
    """
    if completion is None:
        return expected > tolerance
    if cumulative:
        return completion < expected - tolerance
    return expected > 0 and completion < 1 - tolerance


@dataclass(frozen=True, slots=True)
class ItemProgress:
    completion: float | None
    expected: float
    behind: bool


def item_progress(
    actual: float | None,
    target: float | None,
    direction: str,
    aggregation: str | None,
    start: dt.date,
    end: dt.date,
    today: dt.date,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
) -> ItemProgress:
    """Completion (by direction), expected progress and the behind-plan flag of one item."""
    done = _completion(actual, target, direction)
    expected = expected_progress(start, end, today)
    cumulative = is_cumulative(aggregation, direction)
    return ItemProgress(
        done, expected, is_behind(done, expected, cumulative=cumulative, tolerance=tolerance)
    )


# --------------------------------------------------------------------------- goal trees


@dataclass(frozen=True, slots=True)
class GoalNode:
    """A goal as plain data; ``actual`` is its own measured value (None if not measured)."""

    id: int
    parent_id: int | None
    target: float | None
    additive: bool
    weight: float | None = None
    direction: str = "higher"
    actual: float | None = None


@dataclass(frozen=True, slots=True)
class Coverage:
    """How much of a goal's target its children take on (additive indicators only)."""

    target: float | None
    allocated: float
    children: int

    @property
    def unallocated(self) -> float | None:
        """Positive when under-allocated, negative when over-allocated."""
        return None if self.target is None else self.target - self.allocated

    @property
    def ratio(self) -> float | None:
        if self.target is None or self.target == 0:
            return None
        return self.allocated / self.target

    @property
    def status(self) -> str:
        """``leaf``, ``under``, ``exact`` or ``over``."""
        if self.children == 0:
            return "leaf"
        gap = self.unallocated
        if gap is None or abs(gap) <= 1e-9 * max(1.0, abs(self.target or 0)):
            return "exact"
        return "under" if gap > 0 else "over"


def coverage(goals: Sequence[GoalNode]) -> dict[int, Coverage]:
    """Coverage of every additive goal by the targets of its direct children."""
    children: dict[int, list[GoalNode]] = {}
    for g in goals:
        if g.parent_id is not None:
            children.setdefault(g.parent_id, []).append(g)
    out: dict[int, Coverage] = {}
    for g in goals:
        if not g.additive:
            continue
        kids = children.get(g.id, [])
        out[g.id] = Coverage(g.target, sum(k.target or 0.0 for k in kids), len(kids))
    return out


@dataclass(frozen=True, slots=True)
class Rollup:
    actual: float | None
    completion: float | None


def rollup(goals: Sequence[GoalNode]) -> dict[int, Rollup]:
    """Progress of every goal, rolled up from the leaves.

    A goal measured itself keeps its own actual. Otherwise an additive goal's
    actual is the sum of its children's actuals (None when none is known),
    and a non-additive goal's completion is the weighted average of its
    children's completions (equal weights when none are given).
    """
    children: dict[int, list[GoalNode]] = {}
    for g in goals:
        if g.parent_id is not None:
            children.setdefault(g.parent_id, []).append(g)
    by_id = {g.id: g for g in goals}
    out: dict[int, Rollup] = {}

    def visit(goal: GoalNode, seen: frozenset[int]) -> Rollup:
        if goal.id in out:
            return out[goal.id]
        if goal.id in seen:
            raise ValueError(f"goal {goal.id} is its own ancestor")
        kids = [visit(k, seen | {goal.id}) for k in children.get(goal.id, [])]
        kid_nodes = children.get(goal.id, [])
        actual = goal.actual
        if actual is None and goal.additive and kids:
            known = [k.actual for k in kids if k.actual is not None]
            actual = sum(known) if known else None
        if actual is not None or goal.additive or not kids:
            result = Rollup(actual, _completion(actual, goal.target, goal.direction))
        else:
            pairs = [
                (node.weight if node.weight is not None else 1.0, r.completion)
                for node, r in zip(kid_nodes, kids, strict=True)
                if r.completion is not None
            ]
            total = sum(w for w, _ in pairs)
            done = sum(w * c for w, c in pairs) / total if pairs and total else None
            result = Rollup(None, done)
        out[goal.id] = result
        return result

    for g in by_id.values():
        visit(g, frozenset())
    return out


# --------------------------------------------------------------------------- gap report


@dataclass(frozen=True, slots=True)
class GapLine:
    """Top-down allocation against a bottom-up proposal for one owner."""

    owner: str
    top_down: float | None
    bottom_up: float | None

    @property
    def gap(self) -> float | None:
        """Allocated minus proposed: positive when more is asked than offered."""
        if self.top_down is None or self.bottom_up is None:
            return None
        return self.top_down - self.bottom_up

    @property
    def gap_ratio(self) -> float | None:
        if self.gap is None or not self.bottom_up:
            return None
        return self.gap / abs(self.bottom_up)


@dataclass(frozen=True, slots=True)
class GapReport:
    lines: list[GapLine] = field(default_factory=list)

    @property
    def top_down(self) -> float:
        return sum(line.top_down or 0.0 for line in self.lines)

    @property
    def bottom_up(self) -> float:
        return sum(line.bottom_up or 0.0 for line in self.lines)

    @property
    def gap(self) -> float:
        return self.top_down - self.bottom_up


def gap_report(
    allocated: Mapping[str, float | None], proposed: Mapping[str, float | None]
) -> GapReport:
    """One line per owner in either mapping, allocated owners first in their order."""
    owners: list[str] = list(allocated)
    owners += [o for o in proposed if o not in allocated]
    return GapReport(
        [GapLine(owner, allocated.get(owner), proposed.get(owner)) for owner in owners]
    )


def mean(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


__all__ = [
    "CUMULATIVE",
    "DEFAULT_TOLERANCE",
    "Coverage",
    "GapLine",
    "GapReport",
    "GoalNode",
    "ItemProgress",
    "Rollup",
    "coverage",
    "expected_progress",
    "gap_report",
    "is_behind",
    "is_cumulative",
    "item_progress",
    "mean",
    "rollup",
]
