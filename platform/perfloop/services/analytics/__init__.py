"""Analytics across cycles: trends per person, org unit or indicator, a plan compared
with the earlier period's, and a cycle's dashboard aggregates (docs/analytics.md).

Reads only: every number is a stored value, a count or sum of them, or the plans'
scoring templates' through the plan reads and the plan report's rules.
Other domains use these names only; the modules behind them are this domain's own.
"""

from __future__ import annotations

from perfloop.services.analytics.common import BandCount, ResultSummary
from perfloop.services.analytics.comparison import (
    ItemComparison,
    ScorecardComparison,
    scorecard_comparison,
)
from perfloop.services.analytics.dashboard import (
    Dashboard,
    Progress,
    Ranked,
    UnitBands,
    dashboard,
)
from perfloop.services.analytics.trends import MAX_CYCLES, Subject, TrendPoint, trend

__all__ = [
    "MAX_CYCLES",
    "BandCount",
    "Dashboard",
    "ItemComparison",
    "Progress",
    "Ranked",
    "ResultSummary",
    "ScorecardComparison",
    "Subject",
    "TrendPoint",
    "UnitBands",
    "dashboard",
    "scorecard_comparison",
    "trend",
]
