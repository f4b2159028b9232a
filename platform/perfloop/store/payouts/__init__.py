"""The payout tables: base amounts, budgets, payout lists and their lines."""

from __future__ import annotations

from perfloop.store.payouts.models import (
    MONEY_PLACES,
    Money,
    PayoutBase,
    PayoutBudget,
    PayoutLine,
    PayoutList,
)

__all__ = ["MONEY_PLACES", "Money", "PayoutBase", "PayoutBudget", "PayoutLine", "PayoutList"]
