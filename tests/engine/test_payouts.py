"""Payout tiers and amounts (perfloop.engine.payouts): boundaries exactly as written,
the first band that holds, float noise, decimal money and its rounding."""

from __future__ import annotations

from decimal import Decimal

import pytest

from perfloop.engine import as_decimal, payout_amount, payout_tier, payout_tiers

INCENTIVE = {
    "tiers": {
        "basis": "completion",
        "bands": [
            {"key": "extra", "title": {"en": "Extra"}, "when": {">=": 1.2}, "multiplier": 1.5},
            {"key": "std", "title": {"en": "Standard"}, "when": {">=": 0.8, "<": 1.2},
             "multiplier": 1},
            {"key": "low", "title": {"en": "Reduced"}, "when": {"<": 0.8}, "multiplier": 0.6},
        ],
    }
}  # fmt: skip


def tier_of(value: object, incentive: dict[str, object] = INCENTIVE) -> str | None:
    parsed = payout_tiers(incentive)
    assert parsed is not None
    found = payout_tier(parsed[1], value)
    return found.key if found else None


@pytest.mark.parametrize(
    ("value", "tier"),
    [
        (1.2, "extra"),  # ≥ 1.2: exactly at the boundary
        (1.1999999, "std"),
        (0.8, "std"),  # ≥ 0.8
        (0.7999999, "low"),  # < 0.8
        (0.7999999999999999, "std"),  # float noise of 0.8 is 0.8
        (1.2000000000000002, "extra"),
        (0, "low"),
        (5, "extra"),
        (None, None),
        ("#DIV/0!", None),
        (True, None),
    ],
)
def test_boundaries_are_exactly_as_written(value: object, tier: str | None) -> None:
    assert tier_of(value) == tier


def test_strict_and_inclusive_operators_and_the_first_band_that_holds() -> None:
    incentive = {
        "tiers": {
            "basis": "total",
            "bands": [
                {"key": "top", "title": {}, "when": {">": 100}, "multiplier": 2},
                {"key": "mid", "title": {}, "when": {">": 60, "<=": 100}, "multiplier": 1},
                {"key": "also", "title": {}, "when": {">": 50}, "multiplier": 9},
            ],
        }
    }
    assert [tier_of(v, incentive) for v in (100.0001, 100, 60.5, 60, 50.5, 50)] == [
        "top", "mid", "mid", "also", "also", None,
    ]  # fmt: skip
    catch_all = {"tiers": {"bands": [{"key": "all", "title": {}, "multiplier": 1}]}}
    assert tier_of(-3, catch_all) == "all"


def test_without_tiers_or_with_a_bad_band() -> None:
    assert payout_tiers({"multiplier": "1"}) is None
    assert payout_tiers(None) is None
    with pytest.raises(ValueError, match="bad condition"):
        payout_tiers({"tiers": {"bands": [{"key": "x", "when": {"≥": 1}, "multiplier": 1}]}})
    with pytest.raises(ValueError, match="basis"):
        payout_tiers({"tiers": {"basis": "mood", "bands": []}})


def test_amounts_are_decimal_and_rounded_as_the_template_says() -> None:
    base = Decimal("12000.50")
    assert payout_amount(base, Decimal("1.5")) == Decimal("18000.75")
    assert payout_amount(Decimal("0.5"), as_decimal(0.01)) == Decimal("0.01")  # half-up
    half_even = {"places": 2, "mode": "half-even"}
    assert payout_amount(Decimal("0.5"), Decimal("0.01"), half_even) == Decimal("0.00")
    assert payout_amount(Decimal("999.99"), Decimal("1.2"), {"places": 0}) == Decimal("1200")
    assert payout_amount(Decimal("10"), Decimal("0.333"), {"places": 2, "mode": "down"}) == Decimal(
        "3.33"
    )
    assert payout_amount(None, Decimal(1)) is None
    assert payout_amount(base, None) is None
    assert as_decimal(1.1) == Decimal("1.1")  # the shortest repr, not 1.100000000000000088…
    assert as_decimal(float("nan")) is None
