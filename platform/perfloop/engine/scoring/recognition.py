"""Recognition and the annual summary: pure rules across people and periods.

- ``pick_winners(scheme, award_key, candidates)``: exactly one winner per unit for an
  award of a scoring template's ``awards`` section. Eligible candidates (the award's
  ``eligible`` formula is TRUE) are ordered by the ``rank`` value, then by each
  ``tieBreak`` value in turn (``order`` ``desc`` — the default — or ``asc``), then by
  the employee id ascending, so the order is total. A rank that is null or an error
  value makes a candidate ineligible; a null or error tie-break value sorts after
  every number. ``decidedBy`` names the first key on which the winner and the
  runner-up differ (``rank``, a tie-break's ``key``, ``employee``), or ``only`` when
  one candidate was eligible.
- ``summarize_periods(values, combine, weights, missing)``: an annual value from the
  period values (quarters in order) as a cycle template's ``summary`` says.

No I/O, no clock; the formulas are the scheme's (compiled with its parameters).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from perfloop.engine.formulas import FormulaErrorValue

if TYPE_CHECKING:
    from perfloop.engine.scoring.scheme import ScoringScheme

#: How a summary combines its periods (a cycle template's ``summary.combine``).
COMBINES = ("avg", "weighted", "last", "best")
#: What a summary does with a period that has no result (``summary.missing``).
MISSING_RULES = ("skip", "zero", "none")


@dataclass(frozen=True)
class AwardCandidate:
    """One person in the running: the unit the award is given per, and the values the
    award's formulas read (``total``, ``kpi``, ``review``, ``completion``, ``rating``,
    ``multiplier``, ``tenure_days``, ``employee_no``)."""

    employee_id: int
    unit_id: int
    data: Mapping[str, Any]


@dataclass(frozen=True)
class AwardWinner:
    unit_id: int
    employee_id: int
    value: Any
    #: the keys the winner was ordered by: [("rank", v), (tie-break key, v), ...]
    keys: tuple[tuple[str, Any], ...]
    decided_by: str
    runner_up: int | None
    eligible: int
    candidates: int
    tied: tuple[int, ...] = field(default=())  #: others with the winner's rank value


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or value is None or isinstance(value, FormulaErrorValue):
        return None
    if isinstance(value, int | float | Decimal):
        f = float(value)
        return f if math.isfinite(f) else None
    return None


def award_spec(scheme: ScoringScheme, award_key: str) -> tuple[int, Mapping[str, Any]] | None:
    """(index, award) of the scheme's template award ``award_key``, or None."""
    for i, award in enumerate(scheme.template.get("awards") or []):
        if isinstance(award, Mapping) and award.get("key") == award_key:
            return i, award
    return None


@dataclass(frozen=True)
class AwardEntry:
    """A candidate who takes part, with the values they are ordered by."""

    employee_id: int
    unit_id: int
    #: [("rank", v), (tie-break key, v), ...]: the values the template's formulas gave
    keys: tuple[tuple[str, Any], ...]
    #: what sorts it, before the employee id: (0, -v) per value (or (0, v) for an
    #: ascending tie-break; (1, 0) for a null)
    sort: tuple[tuple[int, float], ...]


def award_entry(
    scheme: ScoringScheme, award_key: str, candidate: AwardCandidate
) -> AwardEntry | None:
    """The candidate's entry for the award by the scheme's formulas, or None when they
    do not take part (not eligible, or no rank value). Raises KeyError when the
    template has no such award."""
    found = award_spec(scheme, award_key)
    if found is None:
        raise KeyError(award_key)
    index, award = found
    base = f"/awards/{index}"
    eligible_f = scheme.formulas.get(f"{base}/eligible")
    if eligible_f is not None and eligible_f.evaluate(candidate.data) is not True:
        return None
    rank = _num(scheme.formulas[f"{base}/rank"].evaluate(candidate.data))
    if rank is None:
        return None
    keys: list[tuple[str, Any]] = [("rank", rank)]
    sort: list[tuple[int, float]] = [(0, -rank)]
    for n, tb in enumerate(award.get("tieBreak") or []):
        v = _num(scheme.formulas[f"{base}/tieBreak/{n}/value"].evaluate(candidate.data))
        keys.append((str(tb.get("key", f"tie-break-{n + 1}")), v))
        sort.append((1, 0.0) if v is None else (0, v if tb.get("order") == "asc" else -v))
    return AwardEntry(candidate.employee_id, candidate.unit_id, tuple(keys), tuple(sort))


def rank_award(
    entries: Sequence[AwardEntry], candidates: Mapping[int, int] | None = None
) -> list[AwardWinner]:
    """The winner of each unit among ``entries`` (module docstring), in unit id order.
    ``candidates``: how many people of each unit were considered (eligible or not)."""
    by_unit: dict[int, list[AwardEntry]] = {}
    for entry in entries:
        by_unit.setdefault(entry.unit_id, []).append(entry)
    winners: list[AwardWinner] = []
    for unit_id in sorted(by_unit):
        # entries of templates with fewer tie-breaks read null (last) for the others
        width = max(len(e.sort) for e in by_unit[unit_id])
        pad: tuple[tuple[int, float], ...] = ((1, 0.0),)

        def key(e: AwardEntry) -> tuple[Any, int]:
            return (e.sort + pad * (width - len(e.sort)), e.employee_id)  # noqa: B023

        ranked = sorted(by_unit[unit_id], key=key)
        best = ranked[0]
        decided = "only"
        runner: int | None = None
        if len(ranked) > 1:
            other = ranked[1]
            runner = other.employee_id
            decided = "employee"
            mine, theirs = key(best)[0], key(other)[0]
            names = [name for name, _ in best.keys]
            for i in range(width):
                if mine[i] != theirs[i]:
                    decided = names[i] if i < len(names) else "tie-break"
                    break
        tied = tuple(e.employee_id for e in ranked[1:] if e.sort[0] == best.sort[0])
        winners.append(
            AwardWinner(
                unit_id=unit_id,
                employee_id=best.employee_id,
                value=best.keys[0][1],
                keys=best.keys,
                decided_by=decided,
                runner_up=runner,
                eligible=len(ranked),
                candidates=(candidates or {}).get(unit_id, len(ranked)),
                tied=tied,
            )
        )
    return winners


def pick_winners(
    scheme: ScoringScheme, award_key: str, candidates: Sequence[AwardCandidate]
) -> list[AwardWinner]:
    """One winner per unit among ``candidates`` for the award (module docstring), in
    unit id order; a unit without an eligible candidate has no winner. Raises
    KeyError when the template has no such award."""
    if award_spec(scheme, award_key) is None:
        raise KeyError(award_key)
    counts: dict[int, int] = {}
    entries: list[AwardEntry] = []
    for c in candidates:
        counts[c.unit_id] = counts.get(c.unit_id, 0) + 1
        entry = award_entry(scheme, award_key, c)
        if entry is not None:
            entries.append(entry)
    return rank_award(entries, counts)


@dataclass(frozen=True)
class PeriodsSummary:
    """An annual value and how it was reached."""

    value: float | None
    #: each period's share of the value, in period order (0 for one that did not count)
    weights: tuple[float, ...]
    #: the indexes of the periods without a value
    missing: tuple[int, ...]
    #: the index of the period chosen by ``last`` / ``best``, else None
    chosen: int | None = None


def summarize_periods(
    values: Sequence[float | None],
    combine: str,
    weights: Sequence[float] | None = None,
    missing: str = "skip",
) -> PeriodsSummary:
    """The annual value of the period ``values`` (None: no result for that period).

    ``combine``: ``avg`` (the mean), ``weighted`` (``weights`` in period order),
    ``last`` (the latest period with a value), ``best`` (the highest; the earliest of
    equal ones). ``missing``: ``skip`` — a missing period does not count and the
    others' weights are re-normalised; ``zero`` — it counts as 0 with its weight
    (``last``/``best`` ignore it); ``none`` — no annual value until every period has
    one. No value at all gives None. Raises ValueError for an unknown ``combine`` or
    ``missing``, or ``weighted`` without one weight per period.
    """
    if combine not in COMBINES:
        raise ValueError(f"unknown combine {combine!r}")
    if missing not in MISSING_RULES:
        raise ValueError(f"unknown missing rule {missing!r}")
    n = len(values)
    gaps = tuple(i for i, v in enumerate(values) if v is None)
    zeros = (0.0,) * n
    if combine == "weighted":
        if weights is None or len(weights) != n:
            raise ValueError(f"weighted needs {n} weights")
        base = [float(w) for w in weights]
    else:
        base = [1.0] * n
    if (missing == "none" and gaps) or len(gaps) == n:
        return PeriodsSummary(None, zeros, gaps)
    if combine in ("last", "best"):
        present = [i for i in range(n) if values[i] is not None]
        if combine == "last":
            chosen = present[-1]
        else:
            chosen = max(present, key=lambda i: (float(values[i] or 0), -i))
        shares = tuple(1.0 if i == chosen else 0.0 for i in range(n))
        return PeriodsSummary(float(values[chosen] or 0), shares, gaps, chosen)
    counted = [i for i in range(n) if values[i] is not None or missing == "zero"]
    total_weight = sum(base[i] for i in counted)
    if total_weight <= 0:
        return PeriodsSummary(None, zeros, gaps)
    shares = tuple(base[i] / total_weight if i in counted else 0.0 for i in range(n))
    value = sum(shares[i] * float(values[i] or 0) for i in counted)
    return PeriodsSummary(value, shares, gaps)


def rate_summary(
    scheme: ScoringScheme,
    *,
    total: Any,
    kpi: Any = None,
    review: Any = None,
    completion: Any = None,
) -> tuple[Any, Any]:
    """(rating, multiplier) of combined parts (an annual summary) by the template's own
    ``/rating/formula`` and ``/incentive/multiplier`` (None where it has none)."""
    data: dict[str, Any] = {"total": total, "kpi": kpi, "review": review,
                            "completion": completion, "inputs": {}}  # fmt: skip
    rating_f = scheme.formulas.get("/rating/formula")
    rating = rating_f.evaluate(data) if rating_f is not None else None
    multiplier_f = scheme.formulas.get("/incentive/multiplier")
    multiplier = multiplier_f.evaluate({**data, "rating": rating}) if multiplier_f else None
    return rating, multiplier


__all__ = [
    "COMBINES",
    "MISSING_RULES",
    "AwardCandidate",
    "AwardEntry",
    "AwardWinner",
    "PeriodsSummary",
    "award_entry",
    "award_spec",
    "pick_winners",
    "rank_award",
    "rate_summary",
    "summarize_periods",
]
