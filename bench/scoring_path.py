"""Benchmark: the scoring path services call, against a hand-written Python function.

Each row is a scorecard of 8 items as `services.plans.reads` hands it to the
engine (key, actual, target, direction, weight, and the item's score settings
as `params`, equal to the install's: each item its own dict, as read from the
database). The work per row is what a plan read
shows, by the standard-scoring template during the cycle (no reviews yet):
each item's completion and score (completion by direction, 0 below 60%, floor
0, cap 120), the KPI part (weighted item scores), the plan's completion
(weight-averaged over the items that have one), the total (the KPI part
alone, rounded to 2 decimals, half away from zero), the rating band and the
bonus multiplier.

- perfloop: `perfloop.engine.score_scorecard(scheme, items)`, the one engine
  path (`ScoringScheme` compiled once, as the services cache it), and the read
  of what `services.plans.reads._score` takes from its result;
- hand-written, what a read needs (the target's baseline): what
  `services.plans.reads` takes from the result — each item's (completion,
  score) under the item's own score settings (its `params`, as the engine
  honours them), the KPI part, completion, total, rating, multiplier and the
  keys of the items without a score yet;
- hand-written, numbers only: the same numbers with the settings as constants
  and without the unscored keys;
- hand-written, same result: the whole result as records (each item's record
  with its completion and score, the relations without raters, the sections,
  the unscored items), as a plain dict.

Rows are drawn from a pool of 10,000 generated scorecards (some actuals
missing, some zero or negative targets); all must agree on every row of the
pool. Times are the median of 7 rounds in which the contenders take turns.
Target: perfloop >= 0.8x the hand-written function for what a read needs.

    python bench/scoring_path.py [--rows N]
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "platform"))

from perfloop.engine import ScoringScheme, score_scorecard  # noqa: E402

TEMPLATE = ROOT / "schemas" / "templates" / "scoring" / "standard-scoring.json"
POOL = 10_000
DIRECTIONS = ("higher", "higher", "higher", "lower", "closest")
SETTINGS = {"threshold": 0.6, "floor": 0.0, "cap": 120.0}  # as assignment copies them

Row = list[dict[str, Any]]


def make_rows(n: int, seed: int = 7) -> list[Row]:
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        items = []
        for i in range(8):
            target = (
                rng.choice([0, -rng.uniform(10, 100)])
                if rng.random() < 0.02
                else rng.uniform(10, 1000)
            )
            actual = None if rng.random() < 0.05 else target * rng.uniform(0.3, 1.6)
            items.append(
                {
                    "key": f"kpi{i}",
                    "actual": actual,
                    "target": target,
                    "direction": DIRECTIONS[i % len(DIRECTIONS)],
                    "weight": 12.5,
                    "params": dict(SETTINGS),
                }
            )
        rows.append(items)
    return rows


# --------------------------------------------------------------------------- hand-written

BANDS = (("S", 95), ("A", 85), ("B", 70), ("C", 60), ("D", 0))
MULTIPLIERS = {"S": 1.5, "A": 1.2, "B": 1.0, "C": 0.6, "D": 0}


def _completion(actual: float, target: float, direction: str) -> float:
    if target == 0:
        if direction == "higher":
            return 1.0 if actual >= 0 else 0.0
        if direction == "lower":
            return 1.0 if actual <= 0 else 0.0
        return 1.0 if actual == 0 else 0.0
    if direction == "higher":
        return 1 + (actual - target) / abs(target)
    if direction == "lower":
        return 1 - (actual - target) / abs(target)
    return 1 - abs(actual - target) / abs(target)


def hand_written(items: Row) -> tuple[Any, ...]:
    """A plan's numbers by the standard scheme, the way one would write it by hand."""
    scored: list[tuple[float | None, float | None]] = []
    kpi = weighted = weights = 0.0
    for item in items:
        actual, target = item["actual"], item["target"]
        if actual is None or target is None:
            scored.append((None, None))
            continue
        c = _completion(actual, target, item["direction"])
        score = 0 if c < 0.6 else min(max(c * 100, 0.0), 120.0)
        scored.append((c, score))
        w = item["weight"]
        kpi += w * score
        weighted += w * c
        weights += w
    kpi /= 100
    total = float(Decimal(repr(kpi)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    rating = next(band for band, least in BANDS if total >= least)
    completion = weighted / weights if weights else None
    return scored, kpi, completion, total, rating, MULTIPLIERS[rating]


def hand_written_read(items: Row) -> tuple[Any, ...]:
    """What a plan read takes from the engine, by hand: each item's (completion,
    score) under its own score settings, the plan's numbers and the unscored keys."""
    scores: list[tuple[float | None, float | None]] = []
    unscored = []
    kpi = weighted = weights = 0.0
    for item in items:
        actual, target = item["actual"], item["target"]
        if actual is None or target is None:
            scores.append((None, None))
            unscored.append(str(item["key"]))
            continue
        settings = item.get("params") or SETTINGS
        c = _completion(actual, target, item["direction"])
        score: float
        if c < settings["threshold"]:
            score = 0
        else:
            score = min(max(c * 100, settings["floor"]), settings["cap"])
        scores.append((c, score))
        w = item["weight"]
        kpi += w * score
        weighted += w * c
        weights += w
    kpi /= 100
    total = float(Decimal(repr(kpi)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    rating = next(band for band, least in BANDS if total >= least)
    completion = weighted / weights if weights else None
    return scores, kpi, completion, total, rating, MULTIPLIERS[rating], unscored


RELATIONS = (("self", 10), ("peer", 20), ("manager", 50), ("subordinate", 10), ("customer", 10))


def hand_written_result(items: Row) -> dict[str, Any]:
    """The same computation, giving what score_scorecard gives, as a plain dict."""
    scored = []
    unscored = []
    kpi = weighted = weights = 0.0
    for item in items:
        actual, target, w = item["actual"], item["target"], item["weight"]
        record = {
            "key": item["key"],
            "actual": actual,
            "target": target,
            "direction": item["direction"],
            "weight": w,
        }
        if actual is None or target is None:
            record["completion"] = record["score"] = None
            unscored.append(item["key"])
        else:
            c = _completion(actual, target, item["direction"])
            score = 0 if c < 0.6 else min(max(c * 100, 0.0), 120.0)
            record["completion"], record["score"] = c, score
            kpi += w * score
            weighted += w * c
            weights += w
        scored.append(record)
    kpi /= 100
    total = float(Decimal(repr(kpi)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    rating = next(band for band, least in BANDS if total >= least)
    return {
        "items": scored,
        "kpi": kpi,
        "completion": weighted / weights if weights else None,
        "review": None,
        "relations": [
            {"relation": r, "weight": w, "score": None, "raters": 0} for r, w in RELATIONS
        ],
        "sections": [
            {"key": "kpi", "weight": 70, "score": kpi},
            {"key": "review", "weight": 30, "score": None},
        ],
        "total": total,
        "rating": rating,
        "multiplier": MULTIPLIERS[rating],
        "amount": None,
        "unscored": unscored,
    }


def engine_path(scheme: ScoringScheme) -> Callable[[Row], tuple[Any, ...]]:
    """What a read takes from score_scorecard (`services.plans.reads._score`)."""

    def run(items: Row) -> tuple[Any, ...]:
        r = score_scorecard(scheme, items)
        return r.scores, r.kpi, r.completion, r.total, r.rating, r.multiplier, r.unscored

    return run


# --------------------------------------------------------------------------- timing


def _time(fn: Callable[[Row], Any], rows: Sequence[Row], n: int) -> float:
    pool = len(rows)
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        done = 0
        while done < n:
            chunk = rows[: min(pool, n - done)]
            for row in chunk:
                fn(row)
            done += len(chunk)
        return time.perf_counter() - start
    finally:
        gc.enable()


def rates(
    contenders: Mapping[str, Callable[[Row], Any]], rows: Sequence[Row], n: int, rounds: int = 7
) -> dict[str, float]:
    """Seconds per row of each contender: the median of `rounds`, taking turns
    within each round so that a change in machine load hits them alike."""
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            times[name].append(_time(fn, rows, n) / n)
    return {name: statistics.median(values) for name, values in times.items()}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(a - b) <= 1e-9 * max(1.0, abs(a))
    return bool(a == b)


def _same_tree(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_tree(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same_tree(x, y) for x, y in zip(a, b, strict=True))
    if a is None or b is None:
        return a is b
    return _same(a, b)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000, help="rows per contender and round")
    args = parser.parse_args(argv)

    scheme = ScoringScheme(json.loads(TEMPLATE.read_text(encoding="utf-8")))
    rows = make_rows(min(POOL, args.rows))
    engine = engine_path(scheme)
    for row in rows:  # all compute the same thing
        got = engine(row)
        assert _same(got, hand_written_read(row)), (row, got)
        assert _same(got[:6], hand_written(row)), (row, got)
        full = score_scorecard(scheme, row).to_dict()
        assert _same_tree(full, hand_written_result(row)), row

    seconds = rates(
        {
            "perfloop": engine,  # the call and the read of its result, as a plan read
            "read": hand_written_read,
            "hand": hand_written,
            "hand-result": hand_written_result,
        },
        rows,
        args.rows,
    )
    ratio = seconds["read"] / seconds["perfloop"]
    print("scoring path benchmark: standard-scoring, 8 items per plan, during the cycle")
    print(f"  rows     {args.rows:,} per round (cycling over {len(rows):,} distinct scorecards)")
    for label, name in (
        ("perfloop score_scorecard", "perfloop"),
        ("hand-written Python (what a read needs)", "read"),
        ("hand-written Python (numbers only)", "hand"),
        ("hand-written Python (whole result)", "hand-result"),
    ):
        print(f"  {label:40s}{seconds[name] * 1e6:8.2f} us per scorecard")
    print(f"  perfloop / hand-written read    = {ratio:.2f}x  (target >= 0.8x)")
    print(f"  perfloop / hand-written numbers = {seconds['hand'] / seconds['perfloop']:.2f}x")
    print(
        f"  perfloop / hand-written result  = {seconds['hand-result'] / seconds['perfloop']:.2f}x"
    )
    ok = ratio >= 0.8
    print("  target met" if ok else "  TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
