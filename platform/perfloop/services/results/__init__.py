"""Results: scoring runs (each person's result of a cycle from their signed plan and
their reviews, by the plan's scoring template), versions, publication and the
readable explanation.

Other domains use these names only; the modules behind them are this domain's own.
"""

from __future__ import annotations

from perfloop.services.results.adjust import Adjustment, adjust, latest_published, shown
from perfloop.services.results.calibration import (
    BandPerson,
    BandRow,
    CalibrateInput,
    CalibrationGroup,
    CalibrationView,
    calibrate,
    calibration,
    uncalibrated_unit_count,
)
from perfloop.services.results.explain import (
    LANGS,
    CalibrationExplanation,
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
    "Adjustment",
    "BandCount",
    "BandPerson",
    "BandRow",
    "CalibrateInput",
    "CalibrationExplanation",
    "CalibrationGroup",
    "CalibrationView",
    "Explanation",
    "ItemExplanation",
    "Mover",
    "PartResult",
    "RelationExplanation",
    "ResultView",
    "VersionView",
    "WhatIf",
    "adjust",
    "calibrate",
    "calibration",
    "get_result",
    "latest_published",
    "merge",
    "publish",
    "result_page",
    "score_part",
    "shown",
    "uncalibrated_unit_count",
    "what_if",
]
