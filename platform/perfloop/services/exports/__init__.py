"""Exports: any registered list (a cycle's results, a team's plans, the payout list,
…) as an .xlsx or CSV file, under the caller's scope (docs/exports.md).

Other code uses these names only; the modules behind them are this domain's own.
"""

from __future__ import annotations

from perfloop.services.exports.lists import (
    ANNUAL_RESULTS,
    APPEALS,
    AWARDS,
    CANDIDATES,
    IMPROVEMENT_PLANS,
    PAYOUTS,
    PLANS,
    RESULTS,
    TRAINING_NEEDS,
)
from perfloop.services.exports.registry import (
    LANGS,
    Argument,
    Column,
    Exported,
    ExportList,
    ExportQuery,
    check_format,
    export,
    export_lists,
    filename,
    get_export_list,
    prepare,
    register,
)

__all__ = [
    "ANNUAL_RESULTS",
    "APPEALS",
    "AWARDS",
    "CANDIDATES",
    "IMPROVEMENT_PLANS",
    "LANGS",
    "PAYOUTS",
    "PLANS",
    "RESULTS",
    "TRAINING_NEEDS",
    "Argument",
    "Column",
    "ExportList",
    "ExportQuery",
    "Exported",
    "check_format",
    "export",
    "export_lists",
    "filename",
    "get_export_list",
    "prepare",
    "register",
]
