"""Small helpers the benchmarks share."""

from __future__ import annotations

import statistics


def pct(values: list[float], q: float) -> float:
    """The ``q``-th percentile (1-99) of ``values``."""
    return statistics.quantiles(values, n=100)[int(q) - 1]
