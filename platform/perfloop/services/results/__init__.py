"""Results: scoring runs (each person's result of a cycle from their signed plan and
their reviews, by the plan's scoring template), versions, publication and the
readable explanation.

Other domains use these names only; the modules behind them are this domain's own.
"""

from __future__ import annotations

from perfloop.services.results.explain import (
    LANGS,
    Explanation,
    ItemExplanation,
    RelationExplanation,
)
from perfloop.services.results.reads import (
    ResultView,
    VersionView,
    get_result,
    publish,
    result_page,
)
from perfloop.services.results.scoring import (
    DRAFT,
    PUBLISHED,
    STATUSES,
    PartResult,
    merge,
    score_part,
)
from perfloop.services.results.whatif import BandCount, Mover, WhatIf, what_if

__all__ = [
    "DRAFT",
    "LANGS",
    "PUBLISHED",
    "STATUSES",
    "BandCount",
    "Explanation",
    "ItemExplanation",
    "Mover",
    "PartResult",
    "RelationExplanation",
    "ResultView",
    "VersionView",
    "WhatIf",
    "get_result",
    "merge",
    "publish",
    "result_page",
    "score_part",
    "what_if",
]
