"""Payout tiers and amounts: the ``incentive`` section of a scoring template, applied
to a published result (pure; no I/O, no clock).

A scoring template may state its payout tiers declaratively::

    "incentive": {
      "multiplier": "...",                       # the rating's multiplier (unchanged)
      "tiers": {
        "basis": "completion",                   # or total, kpi, review
        "bands": [
          {"key": "extra",    "title": {...}, "when": {">=": 1.2},             "multiplier": 1.5},
          {"key": "standard", "title": {...}, "when": {">=": 0.8, "<": 1.2}, "multiplier": 1},
          {"key": "reduced",  "title": {...}, "when": {"<": 0.8},              "multiplier": 0.6}
        ]
      },
      "rounding": {"places": 2, "mode": "half-up"}
    }

Rules:

- **Boundaries exactly as written.** ``when`` holds comparisons of the basis value
  with ``>=``, ``>``, ``<`` or ``<=``; all must hold. A band without ``when`` always
  holds (a catch-all). The **first** band that holds, in the written order, applies.
  The value is rounded to 9 decimal places before comparing, so the float noise of
  a formula (``0.7999999999999999``) never moves a person across a boundary, and
  the bounds are compared as the decimal numbers written in the template.
- **No tier**: a blank basis value or no band holding gives no tier (the payout
  line says so; its amount is blank, never silently 0).
- **Without tiers** the payout multiplier is the result's own multiplier (the
  template's ``incentive.multiplier`` formula, calibrated as the result was), and
  the "tier" is the result's rating band.
- **Money is decimal**: ``amount = base × multiplier``, both as decimals (a float
  multiplier is read by its shortest repr, 1.2 → ``Decimal("1.2")``), rounded to
  ``rounding.places`` (default 2) by ``rounding.mode`` (default ``half-up``:
  0.005 → 0.01).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal
from typing import Any

__all__ = [
    "PAYOUT_BASES",
    "ROUNDING_MODES",
    "PayoutTier",
    "as_decimal",
    "payout_amount",
    "payout_tier",
    "payout_tiers",
]

#: the values of a result a tier may be based on
PAYOUT_BASES = ("completion", "total", "kpi", "review")
#: rounding.mode → decimal's rounding
ROUNDING_MODES = {
    "half-up": ROUND_HALF_UP,
    "half-even": ROUND_HALF_EVEN,
    "down": ROUND_DOWN,
    "up": ROUND_UP,
}
_OPERATORS: dict[str, Callable[[Decimal, Decimal], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<": operator.lt,
    "<=": operator.le,
}
_COMPARED_PLACES = Decimal("1e-9")


@dataclass(frozen=True)
class PayoutTier:
    """One band of ``incentive.tiers``: its key, title, conditions and multiplier."""

    key: str
    title: Mapping[str, str]
    when: tuple[tuple[str, Decimal], ...]
    multiplier: Decimal

    def holds(self, value: Decimal) -> bool:
        return all(_OPERATORS[op](value, bound) for op, bound in self.when)

    def describe(self) -> str:
        """The conditions as written (``>= 1.2 and < 1.5``; ``always``)."""
        return " and ".join(f"{op} {bound}" for op, bound in self.when) or "always"


def as_decimal(value: Any) -> Decimal | None:
    """A number as a decimal (a float by its shortest repr); None for anything else."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        number = Decimal(repr(value))
        return number if number.is_finite() else None
    return None


def payout_tiers(incentive: Mapping[str, Any] | None) -> tuple[str, list[PayoutTier]] | None:
    """The basis and bands of a template's ``incentive`` section; None without tiers.

    Takes the section as the meta-schema checked it; raises ValueError on a band the
    meta-schema would have refused (an unknown operator, a non-number)."""
    tiers = (incentive or {}).get("tiers")
    if not isinstance(tiers, Mapping):
        return None
    basis = str(tiers.get("basis", "completion"))
    if basis not in PAYOUT_BASES:
        raise ValueError(f"unknown tier basis {basis!r}")
    bands: list[PayoutTier] = []
    for band in tiers.get("bands") or []:
        when = []
        for op, bound in (band.get("when") or {}).items():
            number = as_decimal(bound)
            if op not in _OPERATORS or number is None:
                raise ValueError(f"tier {band.get('key')!r}: bad condition {op!r} {bound!r}")
            when.append((op, number))
        multiplier = as_decimal(band.get("multiplier"))
        if multiplier is None:
            raise ValueError(f"tier {band.get('key')!r}: the multiplier is not a number")
        bands.append(
            PayoutTier(str(band["key"]), dict(band.get("title") or {}), tuple(when), multiplier)
        )
    return basis, bands


def payout_tier(bands: list[PayoutTier], value: Any) -> PayoutTier | None:
    """The first band whose conditions hold for ``value`` (rounded to 9 places), or None
    for a blank value or when no band holds."""
    number = as_decimal(value)
    if number is None:
        return None
    number = number.quantize(_COMPARED_PLACES, rounding=ROUND_HALF_EVEN)
    return next((band for band in bands if band.holds(number)), None)


def payout_amount(
    base: Decimal | None, multiplier: Decimal | None, rounding: Mapping[str, Any] | None = None
) -> Decimal | None:
    """``base × multiplier`` rounded as ``rounding`` says (``places``: 0–4, default 2;
    ``mode``: a key of ROUNDING_MODES, default half-up); None when either is blank."""
    if base is None or multiplier is None:
        return None
    places = int((rounding or {}).get("places", 2))
    mode = ROUNDING_MODES[str((rounding or {}).get("mode", "half-up"))]
    return (base * multiplier).quantize(Decimal(1).scaleb(-places), rounding=mode)
