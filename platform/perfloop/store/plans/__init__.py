"""The plans tables: scorecards (signed plans), their items, action tasks, actuals and check-ins."""

from __future__ import annotations

from perfloop.store.plans.models import (
    ActionTask,
    Actual,
    Checkin,
    MetricCacheEntry,
    Scorecard,
    ScorecardItem,
)

__all__ = ["ActionTask", "Actual", "Checkin", "MetricCacheEntry", "Scorecard", "ScorecardItem"]
