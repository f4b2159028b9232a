"""Payouts: base amounts, budgets and a cycle's payout lists (incentives from the
published results, by the scoring template's tiers or multiplier).

Other domains use these names only; the modules behind them are this domain's own.
"""

from __future__ import annotations

from perfloop.services.payouts.amounts import (
    BASE_KINDS,
    BaseAmount,
    Budget,
    base_amounts,
    check_amount,
    parse_amount,
    set_base_amount,
    set_budget,
)
from perfloop.services.payouts.lists import (
    APPROVED,
    DRAFT,
    NO_BASE,
    NO_TIER,
    Generated,
    LineView,
    PayoutListView,
    UnitTotal,
    approve,
    generate,
    get_list,
    iter_lines,
    line_page,
)

__all__ = [
    "APPROVED",
    "BASE_KINDS",
    "DRAFT",
    "NO_BASE",
    "NO_TIER",
    "BaseAmount",
    "Budget",
    "Generated",
    "LineView",
    "PayoutListView",
    "UnitTotal",
    "approve",
    "base_amounts",
    "check_amount",
    "generate",
    "get_list",
    "iter_lines",
    "line_page",
    "parse_amount",
    "set_base_amount",
    "set_budget",
]
