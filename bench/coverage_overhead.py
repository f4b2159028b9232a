"""What coverage measurement costs the test suite: pytest with and without
``--cov`` (the [tool.coverage] settings of pyproject.toml), same tests.

    .venv/bin/python bench/coverage_overhead.py [PYTEST ARGS…]    # default: tests/plans tests/goals

Runs each twice, alternating, and prints the wall and CPU time (the child
processes' user + system time) of the faster run of each, and the ratios.
Pass ``-x`` or no paths for the whole suite; set PERFLOOP_TEST_DATABASE_URL
to include PostgreSQL. On a shared machine wall time is noisy; CPU is steadier.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]


def run(args: list[str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(  # noqa: S603 (this interpreter, our own arguments)
        PYTEST + args, cwd=ROOT, capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"pytest {' '.join(args)} failed:\n{done.stdout[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    tests = sys.argv[1:] or ["tests/plans", "tests/goals"]
    plain: list[tuple[float, float]] = []
    covered: list[tuple[float, float]] = []
    for _ in range(2):
        plain.append(run(tests))
        covered.append(run([*tests, "--cov", "--cov-report="]))
        for leftover in ROOT.glob(".coverage*"):
            leftover.unlink()
    base, cov = min(plain), min(covered)
    backends = "SQLite + PostgreSQL" if os.environ.get("PERFLOOP_TEST_DATABASE_URL") else "SQLite"
    print(f"tests: {' '.join(tests)} ({backends}; best of 2)")
    print(f"without coverage  wall {base[0]:7.1f} s   cpu {base[1]:7.1f} s")
    print(f"with --cov        wall {cov[0]:7.1f} s   cpu {cov[1]:7.1f} s")
    print(f"ratio             wall {cov[0] / base[0]:7.2f}x    cpu {cov[1] / base[1]:7.2f}x")


if __name__ == "__main__":
    main()
