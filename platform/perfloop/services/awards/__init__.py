"""Recognition and the annual summary: awards (a star of the month per department) as a
scoring template defines them, previewed by HR and announced; each person's annual
result of a summary cycle from their quarters' published results.

Other domains use these names only; the modules behind them are this domain's own.
"""

from __future__ import annotations

from perfloop.services.awards.summary import (
    AnnualView,
    SummaryPeriod,
    SummaryRule,
    annual_result,
    annual_results,
)
from perfloop.services.awards.winners import (
    ANNOUNCED,
    PREVIEW,
    Announcement,
    AwardKey,
    AwardView,
    announce,
    awards,
)

__all__ = [
    "ANNOUNCED",
    "PREVIEW",
    "Announcement",
    "AnnualView",
    "AwardKey",
    "AwardView",
    "SummaryPeriod",
    "SummaryRule",
    "announce",
    "annual_result",
    "annual_results",
    "awards",
]
