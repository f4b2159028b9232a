"""Benchmark: how long the formula language takes to refuse hostile input.

tests/engine/test_formula_safety.py checks that each hostile formula is
refused (a compile error or an error value) within a memory bound; how fast
is measured here, not asserted in a test. Each case is compiled (with the
compile cache cleared first, as for a text never seen before: a hostile
client sends new ones) and evaluated ``--repeat`` times, after one warm-up
compile that builds the grammar; the script prints the median and the worst
time per case, and the slowest case against a target of 100 ms (a refusal
must cost less than an ordinary request).

    python bench/formula_safety.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "platform"))

from perfloop.engine import FormulaError, FormulaErrorValue, compile  # noqa: E402
from perfloop.engine.formulas import limits  # noqa: E402
from perfloop.engine.formulas.formula import _cached  # noqa: E402

TARGET_MS = 100.0

#: (name, formula, data): the costly hostile inputs of the safety tests
CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("tower of powers", "9^9^9^9", {}),
    ("powers of data", "x^x^x", {"x": 99}),
    ("big power", "2^10000", {}),
    ("repeated text", '"a" * 10 ^ 9', {}),
    ("growing text", "x" + " & x" * 30, {"x": "a" * 10_000}),
    ("long formula", "1" + "+1" * limits.MAX_LENGTH, {}),
    ("deep unary", "-" * 1500 + "1", {}),
    ("deep calls", "ABS(" * 100 + "1" + ")" * 100, {}),
    ("many nodes", "SUM(" + ", ".join(["[1,1,1,1,1,1,1,1]"] * 150) + ")", {}),
    ("huge list literal", "[" + ",".join(["1"] * 1000) + "]", {}),
    ("huge list in data", "SUM(xs)", {"xs": list(range(limits.MAX_LIST + 1))}),
]


def refuse(text: str, data: dict[str, Any]) -> str:
    _cached.cache_clear()
    try:
        value = compile(text).evaluate(data)
    except FormulaError as err:
        return err.code
    return value.code if isinstance(value, FormulaErrorValue) else repr(value)[:20]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    compile("1 + 1")  # builds the grammar once, as a running server has
    print(f"{len(CASES)} hostile formulas, {args.repeat} runs each, uncached")
    worst_case = ("", 0.0)
    for name, text, data in CASES:
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            outcome = refuse(text, data)
            times.append((time.perf_counter() - start) * 1000)
        worst = max(times)
        if worst > worst_case[1]:
            worst_case = (name, worst)
        print(
            f"  {name:18} → {outcome:10} median {statistics.median(times):8.2f} ms, "
            f"worst {worst:8.2f} ms"
        )
    name, worst = worst_case
    verdict = "met" if worst < TARGET_MS else "NOT met"
    print(f"slowest: {name}, {worst:.2f} ms; target < {TARGET_MS:.0f} ms: {verdict}")


if __name__ == "__main__":
    main()
