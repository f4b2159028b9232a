"""Benchmark: the built-in scoring formulas, compiled by perfloop, against
hand-written Python and simpleeval.

Each row is a scorecard of 8 items (actual, target, direction, weight). The
work per row is the standard-scoring scheme's item score (completion by
direction, 60% threshold, floor 0, cap 120) and the weighted total over the
8 items, i.e. its KPI score:

- perfloop: `ScoringScheme(standard-scoring).kpi_formula` - the template's
  `/kpi` formula with `/item/completion` and `/item/score` inlined, compiled
  once into Python; called as `formula.evaluate(row)`;
- hand-written: the same computation as a plain Python function;
- simpleeval: the same expression in Python syntax, parsed once and
  evaluated by simpleeval's tree walker.

Rows are drawn from a pool of 10,000 distinct generated scorecards (about
5% of them have a missing actual, so null handling is exercised), and all
three must agree on every row of the pool. Targets: perfloop >= 0.8x the
hand-written function and >= 10x simpleeval; compiling a typical formula
< 5 ms.

    python bench/formulas.py [--rows N]
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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "platform"))

from simpleeval import EvalWithCompoundTypes  # noqa: E402

from perfloop.engine import completion_ratio  # noqa: E402
from perfloop.engine.formulas.formula import _compile  # noqa: E402
from perfloop.engine.scoring.contexts import CONTEXTS  # noqa: E402
from perfloop.engine.scoring.scheme import ScoringScheme  # noqa: E402

TEMPLATE = ROOT / "schemas" / "templates" / "scoring" / "standard-scoring.json"
POOL = 10_000
DIRECTIONS = ("higher", "higher", "higher", "lower", "closest")

Row = Mapping[str, Any]


def make_rows(n: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        items = []
        for i in range(8):
            target = (
                rng.choice([0, rng.uniform(10, 1000)])
                if rng.random() < 0.02
                else rng.uniform(10, 1000)
            )
            actual = None if rng.random() < 0.006 else target * rng.uniform(0.3, 1.6)
            items.append(
                {
                    "key": f"kpi{i}",
                    "actual": actual,
                    "target": target,
                    "direction": DIRECTIONS[i % len(DIRECTIONS)],
                    "weight": 12.5,
                }
            )
        rows.append({"items": items})
    return rows


# --------------------------------------------------------------------------- hand-written


def _completion(actual: float, target: float, direction: str) -> float:
    if direction == "higher":
        if target > 0:
            return actual / target
        if target < 0:
            return 1 + (actual - target) / -target
        return 1.0 if actual >= 0 else 0.0
    if direction == "lower":
        if target > 0:
            return 2 - actual / target
        if target < 0:
            return 1 - (actual - target) / -target
        return 1.0 if actual <= 0 else 0.0
    if target == 0:
        return 1.0 if actual == 0 else 0.0
    return 1 - abs(actual - target) / abs(target)


def hand_written(row: Row) -> float:
    """KPI score of one scorecard, the way one would write it by hand."""
    total = 0.0
    for item in row["items"]:
        actual = item["actual"]
        if actual is None:  # an unscored item contributes nothing yet
            continue
        c = _completion(actual, item["target"], item["direction"])
        score = 0 if c < 0.6 else min(max(c * 100, 0), 120)
        total += item["weight"] * score
    return total / 100


# --------------------------------------------------------------------------- simpleeval

SIMPLEEVAL_EXPR = (
    "sum([it['weight'] * score(completion(it['actual'], it['target'], it['direction']))"
    " for it in items if it['actual'] is not None]) / 100"
)


def make_simpleeval() -> Callable[[Row], Any]:
    def score(c: float) -> float:
        return 0 if c < 0.6 else min(max(c * 100, 0), 120)

    evaluator = EvalWithCompoundTypes(
        functions={
            "sum": sum,
            "min": min,
            "max": max,
            "score": score,
            "completion": completion_ratio,
        }
    )
    parsed = evaluator.parse(SIMPLEEVAL_EXPR)

    def run(row: Row) -> Any:
        evaluator.names = row
        return evaluator.eval(SIMPLEEVAL_EXPR, previously_parsed=parsed)

    return run


# --------------------------------------------------------------------------- timing


def _time(fn: Callable[[Row], Any], rows: Sequence[Row], n: int) -> float:
    """Seconds for `n` calls of `fn`, cycling over `rows`."""
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
    contenders: Mapping[str, tuple[Callable[[Row], Any], int]], rows: Sequence[Row], rounds: int = 3
) -> dict[str, float]:
    """Rows per second of each contender: best of `rounds`, the contenders taking
    turns within each round so a change in machine load hits them alike."""
    best = dict.fromkeys(contenders, float("inf"))
    for _ in range(rounds):
        for name, (fn, n) in contenders.items():
            best[name] = min(best[name], _time(fn, rows, n) / n)
    return {name: 1 / seconds for name, seconds in best.items()}


def compile_time(text: str, context: str, constants: Mapping[str, Any]) -> float:
    """Median seconds to compile `text` (uncached) in a warm process."""
    samples = []
    for _ in range(200):
        start = time.perf_counter()
        _compile(text, CONTEXTS[context], constants)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rows", type=int, default=1_000_000, help="rows to evaluate per contender"
    )
    args = parser.parse_args(argv)

    start = time.perf_counter()
    template = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    scheme = ScoringScheme(template)
    setup = time.perf_counter() - start
    formula = scheme.kpi_formula
    assert formula is not None, "the standard scheme's KPI formula could not be fused"
    rows = make_rows(min(POOL, args.rows))
    simple = make_simpleeval()

    for row in rows:  # all three compute the same thing
        want = hand_written(row)
        got, other = formula.evaluate(row), simple(row)
        assert abs(got - want) < 1e-9, (row, got, want)
        assert abs(other - want) < 1e-9, (row, other, want)

    n = args.rows
    measured = rates(
        {
            "perfloop": (formula.evaluate, n),
            "hand": (hand_written, n),
            "simpleeval": (simple, max(1, n // 20)),  # slow: a twentieth is plenty to measure
        },
        rows,
    )
    perfloop_rate, hand_rate, simple_rate = (
        measured["perfloop"],
        measured["hand"],
        measured["simpleeval"],
    )

    constants = scheme.constants
    item_score = template["item"]["score"]
    typical = compile_time(item_score, "item-scored", constants)

    print("perfloop formula benchmark: standard-scoring KPI score, 8 items per row")
    print(f"  formula  {formula.text}")
    print(f"  rows     {n:,} (cycling over {len(rows):,} distinct scorecards)")
    print(f"  perfloop compiled   {perfloop_rate:>12,.0f} rows/s")
    print(f"  hand-written Python {hand_rate:>12,.0f} rows/s")
    print(f"  simpleeval          {simple_rate:>12,.0f} rows/s  ({max(1, n // 20):,} rows)")
    ratio_hand = perfloop_rate / hand_rate
    ratio_simple = perfloop_rate / simple_rate
    print(f"  perfloop / hand-written = {ratio_hand:.2f}x  (target >= 0.8x)")
    print(f"  perfloop / simpleeval   = {ratio_simple:.1f}x  (target >= 10x)")
    print(f"  compile '{item_score}': {typical * 1000:.2f} ms median (target < 5 ms)")
    print(f"  scheme setup (parser build + {len(scheme.formulas)} formulas): {setup * 1000:.0f} ms")
    ok = ratio_hand >= 0.8 and ratio_simple >= 10 and typical < 0.005
    print("  all targets met" if ok else "  TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
