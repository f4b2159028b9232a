"""Completion of a target, by direction: the COMPLETION function of the formula
language, and the reference the scoring rules (`perfloop.engine.scoring`) build on."""

from __future__ import annotations

from typing import Final, Literal

__all__ = ["DIRECTIONS", "Direction", "completion_ratio"]

DIRECTIONS: Final = ("higher", "lower", "closest")

Direction = Literal["higher", "lower", "closest"]


def completion_ratio(actual: float, target: float, direction: str) -> float:
    """Completion as a ratio (1.0 = target met exactly), for numbers only.

    - higher is better: ``1 + (actual - target) / |target|`` (= actual / target
      for a positive target);
    - lower is better: ``1 - (actual - target) / |target|`` (= 2 - actual / target);
    - closest to target: ``1 - |actual - target| / |target|``.

    A zero target cannot be divided by: the completion is then 1.0 when the
    target is met (actual >= 0, <= 0 or == 0 by direction) and 0.0 otherwise.
    """
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
    if direction == "closest":
        if target == 0:
            return 1.0 if actual == 0 else 0.0
        return 1 - abs(actual - target) / abs(target)
    raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, not {direction!r}")
