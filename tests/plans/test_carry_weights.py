"""Carried improvement items fit the person's weight rules (services/plans/carry.py)."""

from __future__ import annotations

from typing import Any

import pytest

from perfloop.services.plans.carry import _with_carried


def _items(*weights: float) -> list[dict[str, Any]]:
    return [{"key": f"k{n}", "title": f"K{n}", "weight": w} for n, w in enumerate(weights)]


def _carry(count: int, weight: float = 10) -> list[dict[str, Any]]:
    # as services.improvement writes them: split evenly, the rounding on the first
    share = round(weight / count, 2)
    carry = [
        {"key": f"improve-k{n}", "title": f"改进：K{n}", "weight": share} for n in range(count)
    ]
    carry[0]["weight"] = round(weight - share * (count - 1), 2)
    return carry


def _within(low: float, high: float) -> Any:
    def fits(items: list[dict[str, Any]]) -> bool:
        total = sum(i["weight"] for i in items)
        return abs(total - 100) < 1e-6 and all(low <= i["weight"] <= high for i in items)

    return fits


def test_all_carried_items_go_in_when_the_rules_allow() -> None:
    merged = _with_carried(_items(50, 50), _carry(2), _within(0, 100))
    assert merged is not None
    assert [(i["key"], i["weight"]) for i in merged] == [
        ("k0", 45.0), ("k1", 45.0), ("improve-k0", 5.0), ("improve-k1", 5.0)
    ]  # fmt: skip


def test_as_many_as_the_lowest_weight_allows_and_small_items_keep_theirs() -> None:
    # given items at 40/30/20/5/5 and three gaps sharing 10 (3.33 each, under the 5 floor)
    merged = _with_carried(_items(40, 30, 20, 5, 5), _carry(3), _within(5, 40))
    # then two go in at 5 each, taken from the largest (scaling would put the 5s at 4.5)
    assert merged is not None
    assert [(i["key"], i["weight"]) for i in merged] == [
        ("k0", 30.0), ("k1", 30), ("k2", 20), ("k3", 5), ("k4", 5),
        ("improve-k0", 5.0), ("improve-k1", 5.0),
    ]  # fmt: skip
    assert sum(i["weight"] for i in merged) == pytest.approx(100)


def test_nothing_is_carried_when_no_item_can_fit() -> None:
    # an item may weigh at least 20: ten points carried can never make one
    assert _with_carried(_items(50, 50), _carry(2), _within(20, 80)) is None
