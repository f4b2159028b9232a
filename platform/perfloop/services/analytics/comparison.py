"""A plan next to the same person's plan of the period it is compared with.

``scorecard_comparison`` reads the person's plan of the cycle and of the earlier
cycle (``plans.period_before``: the previous cycle or a year ago) through the plan
read — the one scoring path, each plan by its own template — and pairs the items by
key: for each, both targets, actuals, completions and scores and their changes; for
the plans, both completions, KPI scores, totals and bands. An item the earlier plan
did not have shows no earlier values. Scoped as the plan read is (``scorecard.read``):
a plan out of reach answers as a missing one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from perfloop.services import plans

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller


@dataclass(frozen=True)
class ItemComparison:
    key: str
    title: str
    target: float | None
    actual: float | None
    completion: float | None
    score: float | None
    #: the same key in the earlier plan (None: it had no such item)
    previous_target: float | None
    previous_actual: float | None
    previous_completion: float | None
    previous_score: float | None
    actual_delta: float | None
    completion_delta: float | None
    score_delta: float | None


@dataclass
class ScorecardComparison:
    employee_id: int
    cycle_id: int
    period: str
    relative_to: str
    #: the cycle compared with (None: there is none)
    previous_cycle_id: int | None
    previous_period: str | None
    completion: float | None
    score: float | None
    total: float | None
    rating: str | None
    previous_completion: float | None = None
    previous_score: float | None = None
    previous_total: float | None = None
    previous_rating: str | None = None
    completion_delta: float | None = None
    score_delta: float | None = None
    items: list[ItemComparison] = field(default_factory=list)


def _delta(now: float | None, before: float | None) -> float | None:
    return now - before if now is not None and before is not None else None


async def scorecard_comparison(
    session: AsyncSession,
    caller: Caller,
    cycle_id: int,
    employee_id: int,
    relative_to: str = plans.PREVIOUS,
    *,
    today: dt.date | None = None,
) -> ScorecardComparison | None:
    """The person's plan with the earlier one's numbers beside it, or None when the
    plan is missing or out of scope (module docstring)."""
    cycle = await plans.get_cycle(session, caller, cycle_id)
    card = await plans.get_scorecard(session, caller, employee_id, cycle.id, today=today)
    if card is None:
        return None
    base = await plans.period_before(session, cycle, relative_to)
    before = (
        await plans.get_scorecard(session, caller, employee_id, base.id, today=today)
        if base is not None
        else None
    )
    out = ScorecardComparison(
        employee_id=employee_id, cycle_id=cycle.id, period=cycle.period,
        relative_to=relative_to,
        previous_cycle_id=base.id if base is not None else None,
        previous_period=base.period if base is not None else None,
        completion=card.completion, score=card.score, total=card.total, rating=card.rating,
    )  # fmt: skip
    earlier = {i.key: i for i in before.items} if before is not None else {}
    if before is not None:
        out.previous_completion, out.previous_score = before.completion, before.score
        out.previous_total, out.previous_rating = before.total, before.rating
        out.completion_delta = _delta(card.completion, before.completion)
        out.score_delta = _delta(card.score, before.score)
    for item in card.items:
        was = earlier.get(item.key)
        out.items.append(
            ItemComparison(
                key=item.key, title=item.title, target=item.target, actual=item.actual,
                completion=item.completion, score=item.score,
                previous_target=was.target if was else None,
                previous_actual=was.actual if was else None,
                previous_completion=was.completion if was else None,
                previous_score=was.score if was else None,
                actual_delta=_delta(item.actual, was.actual) if was else None,
                completion_delta=_delta(item.completion, was.completion) if was else None,
                score_delta=_delta(item.score, was.score) if was else None,
            )
        )  # fmt: skip
    return out


__all__ = ["ItemComparison", "ScorecardComparison", "scorecard_comparison"]
