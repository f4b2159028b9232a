"""Pure scoring rules over plain data: completion, item score, weights, 360°
review, sections, rating band, incentive and rules across periods.

These are the reference definitions. The built-in `standard-scoring`
template expresses the same rules in the formula language, and the tests
check that both agree. Every function takes and returns plain data and does
no I/O; a missing input (None) gives None ("not scored yet"), never a guess.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from perfloop.engine.formulas.completion import completion_ratio

RELATIONS: Final = ("self", "peer", "manager", "subordinate", "customer", "hr")


# --------------------------------------------------------------------------- completion


def completion(
    actual: float | None, target: float | None, direction: str = "higher"
) -> float | None:
    """Completion ratio, or None when the actual or the target is missing."""
    if actual is None or target is None:
        return None
    return completion_ratio(float(actual), float(target), direction)


# --------------------------------------------------------------------------- item score


def item_score(
    completion: float | None,
    *,
    floor: float | None = 0.0,
    cap: float | None = None,
    threshold: float | None = None,
    scale: float = 100.0,
) -> float | None:
    """Score of one item: ``completion * scale`` kept between floor and cap.

    Below the threshold (a completion ratio, e.g. 0.6) the item scores 0.
    Over-achievement counts up to the cap (e.g. 120).
    """
    if completion is None:
        return None
    if threshold is not None and completion < threshold:
        return 0.0
    score = completion * scale
    if floor is not None:
        score = max(score, floor)
    if cap is not None:
        score = min(score, cap)
    return score


# --------------------------------------------------------------------------- weights


@dataclass(frozen=True, slots=True)
class WeightProblem:
    """A failed weight constraint, naming the items concerned."""

    code: str  #: "sum", "minimum", "maximum", "missing"
    message: str
    items: tuple[str, ...] = ()
    message_zh: str | None = None  #: the same in Chinese, when the rule says it


class WeightError(ValueError):
    """Weights that break the scheme's constraints; `.problems` lists each."""

    def __init__(self, problems: Sequence[WeightProblem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(p.message for p in self.problems))


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def check_weights(
    items: Sequence[Mapping[str, Any]],
    *,
    total: float | None = 100,
    minimum: float | None = None,
    maximum: float | None = None,
    tolerance: float = 1e-6,
    key: str = "key",
    weight: str = "weight",
) -> list[WeightProblem]:
    """Weights must be present, within [minimum, maximum] and sum to `total`."""
    problems: list[WeightProblem] = []
    names = [str(item.get(key, f"#{i + 1}")) for i, item in enumerate(items)]
    weights: list[float] = []
    missing = [n for n, item in zip(names, items, strict=True) if item.get(weight) is None]
    if missing:
        problems.append(
            WeightProblem(
                "missing",
                f"no weight for {', '.join(missing)}",
                tuple(missing),
                f"未填写权重：{', '.join(missing)}",
            )
        )
    for name, item in zip(names, items, strict=True):
        w = item.get(weight)
        if w is None:
            continue
        weights.append(float(w))
        if minimum is not None and w < minimum:
            problems.append(
                WeightProblem(
                    "minimum",
                    f"weight of {name} is {_fmt(w)}, below the minimum {_fmt(minimum)}",
                    (name,),
                    f"{name} 的权重为 {_fmt(w)}，低于下限 {_fmt(minimum)}",
                )
            )
        if maximum is not None and w > maximum:
            problems.append(
                WeightProblem(
                    "maximum",
                    f"weight of {name} is {_fmt(w)}, above the maximum {_fmt(maximum)}",
                    (name,),
                    f"{name} 的权重为 {_fmt(w)}，高于上限 {_fmt(maximum)}",
                )
            )
    if total is not None and not missing and abs(sum(weights) - total) > tolerance:
        parts = " + ".join(f"{n} {_fmt(w)}" for n, w in zip(names, weights, strict=True))
        problems.append(
            WeightProblem(
                "sum",
                f"weights must sum to {_fmt(total)}, "
                f"but {parts or 'nothing'} = {_fmt(sum(weights))}",
                tuple(names),
                f"权重之和须为 {_fmt(total)}，但 {parts or '（无）'} = {_fmt(sum(weights))}",
            )
        )
    return problems


def weighted_total(
    items: Sequence[Mapping[str, Any]],
    *,
    total: float | None = 100,
    minimum: float | None = None,
    maximum: float | None = None,
    key: str = "key",
    weight: str = "weight",
    score: str = "score",
) -> float | None:
    """``sum(weight * score) / total``, after checking the weights (WeightError).

    None when any item is not scored yet.
    """
    problems = check_weights(
        items, total=total, minimum=minimum, maximum=maximum, key=key, weight=weight
    )
    if problems:
        raise WeightError(problems)
    if any(item.get(score) is None for item in items):
        return None
    weighted = sum(float(item[weight]) * float(item[score]) for item in items)
    divisor = total if total is not None else sum(float(item[weight]) for item in items)
    return weighted / divisor if divisor else None


# --------------------------------------------------------------------------- 360° review


@dataclass(frozen=True, slots=True)
class ReviewResult:
    score: float | None
    by_relation: dict[str, float] = field(default_factory=dict)  #: average per relation
    weights: dict[str, float] = field(default_factory=dict)  #: re-normalised, sum to 1
    raters: dict[str, int] = field(default_factory=dict)


def review_score(
    ratings: Iterable[Mapping[str, Any]], relation_weights: Mapping[str, float]
) -> ReviewResult:
    """Average per relation, then weighted by relation.

    Relations without raters drop out and the remaining weights are
    re-normalised (they are not divided by a fixed count); ratings with a
    null score are not counted; ratings from a relation without weight are
    ignored. No raters at all gives a None score.
    """
    scores: dict[str, list[float]] = {}
    for rating in ratings:
        relation, value = rating.get("relation"), rating.get("score")
        if value is None or not relation_weights.get(str(relation)):
            continue
        scores.setdefault(str(relation), []).append(float(value))
    by_relation = {r: sum(v) / len(v) for r, v in scores.items()}
    weight_sum = sum(float(relation_weights[r]) for r in by_relation)
    if not by_relation or weight_sum <= 0:
        return ReviewResult(None, {}, {}, {})
    weights = {r: float(relation_weights[r]) / weight_sum for r in by_relation}
    score = sum(float(relation_weights[r]) * s for r, s in by_relation.items()) / weight_sum
    return ReviewResult(score, by_relation, weights, {r: len(v) for r, v in scores.items()})


# --------------------------------------------------------------------------- sections, bands


def final_score(sections: Sequence[Mapping[str, Any]]) -> float | None:
    """Weighted average of section scores; an unscored section's weight is re-normalised."""
    scored = [s for s in sections if s.get("score") is not None and s.get("weight")]
    weight_sum = sum(float(s["weight"]) for s in scored)
    if not scored or weight_sum <= 0:
        return None
    return sum(float(s["weight"]) * float(s["score"]) for s in scored) / weight_sum


def band(value: float | None, thresholds: Sequence[float], results: Sequence[Any]) -> Any:
    """results[i], i = how many thresholds are <= value (as the BAND function)."""
    if len(results) != len(thresholds) + 1:
        raise ValueError("band needs one more result than thresholds")
    if list(thresholds) != sorted(thresholds):
        raise ValueError("band thresholds must be ascending")
    if value is None:
        return None
    return results[bisect.bisect_right(list(thresholds), value)]


def rating_band(
    score: float | None,
    thresholds: Sequence[float] = (60, 70, 85, 95),
    ratings: Sequence[str] = ("D", "C", "B", "A", "S"),
) -> str | None:
    """The rating for a score: by default D < 60 <= C < 70 <= B < 85 <= A < 95 <= S."""
    result = band(score, thresholds, ratings)
    return None if result is None else str(result)


def incentive(
    value: float | None,
    tiers: Sequence[tuple[float, float]],
    *,
    mode: Literal["stepped", "interpolated"] = "stepped",
    base: float | None = None,
) -> float | None:
    """Bonus multiplier (or amount, when `base` is given) by tiers of score or completion.

    `tiers` are (from_value, multiplier) pairs in ascending order. Stepped:
    the multiplier of the highest tier reached, 0 below the first tier.
    Interpolated: on the straight line between tier points, flat outside.
    """
    if value is None:
        return None
    xs = [float(t[0]) for t in tiers]
    ys = [float(t[1]) for t in tiers]
    if not tiers or xs != sorted(xs):
        raise ValueError("incentive tiers must be a non-empty ascending list")
    if mode == "stepped":
        i = bisect.bisect_right(xs, value)
        multiplier = ys[i - 1] if i else 0.0
    elif value <= xs[0]:
        multiplier = ys[0]
    elif value >= xs[-1]:
        multiplier = ys[-1]
    else:
        i = bisect.bisect_right(xs, value)
        x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
        multiplier = y0 + (y1 - y0) * (value - x0) / (x1 - x0)
    return multiplier if base is None else multiplier * base


# --------------------------------------------------------------------------- periods


def annual_result(
    results: Sequence[float | None],
    *,
    method: Literal["average", "avg", "sum", "last", "best", "weighted"] = "average",
    weights: Sequence[float] | None = None,
) -> float | None:
    """An annual (or half-year) result from monthly or quarterly ones.

    average / weighted skip periods without a result; sum adds what there is;
    last is the latest period that has a result; best the highest one.
    """
    pairs = [
        (float(r), float(weights[i]) if weights is not None else 1.0)
        for i, r in enumerate(results)
        if r is not None
    ]
    if not pairs:
        return None
    if method == "sum":
        return sum(r for r, _ in pairs)
    if method == "last":
        return pairs[-1][0]
    if method == "best":
        return max(r for r, _ in pairs)
    if method in ("average", "avg"):
        return sum(r for r, _ in pairs) / len(pairs)
    weight_sum = sum(w for _, w in pairs)
    return sum(r * w for r, w in pairs) / weight_sum if weight_sum else None


def consecutive_periods(results: Sequence[Any], met: Callable[[Any], bool] | float = 1.0) -> int:
    """How many periods in a row, ending with the latest, met the target.

    `met` is a predicate, or a threshold the result must reach (default 1.0,
    a completion of 100%). A missing result breaks the run.
    """
    if not callable(met):
        threshold = met
        met = lambda r: r >= threshold  # noqa: E731
    count = 0
    for r in results:
        count = count + 1 if r is not None and met(r) else 0
    return count


def longest_streak(results: Sequence[Any], met: Callable[[Any], bool] | float = 1.0) -> int:
    """The longest run of periods in a row that met the target, wherever it lies in
    the sequence (MAXSTREAK in a formula). A missing result breaks a run."""
    if not callable(met):
        threshold = met
        met = lambda r: r >= threshold  # noqa: E731
    count = longest = 0
    for r in results:
        count = count + 1 if r is not None and met(r) else 0
        longest = max(longest, count)
    return longest


def met_in_consecutive_periods(
    results: Sequence[Any],
    n: int,
    met: Callable[[Any], bool] | float = 1.0,
    *,
    anywhere: bool = False,
) -> bool:
    """True when the target was met in (at least) `n` periods in a row: the last `n`
    periods, or with ``anywhere`` any `n` consecutive periods (January to March met
    and April missed qualifies for 3)."""
    if anywhere:
        return longest_streak(results, met) >= n
    return consecutive_periods(results, met) >= n
