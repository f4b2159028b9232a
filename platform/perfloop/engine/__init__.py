"""perfloop.engine: the formula language and the pure scoring engine (no I/O).

Two rooms, one import for callers: `engine.formulas` (the language) and
`engine.scoring` (the scoring rules built on it).

```
compile(text, variables=None) -> Formula     .evaluate(data) .explain(data) .names .warnings
FormulaError                                 .code .message .line .column .excerpt .suggestion
FormulaWarning, WARNING_CODES                where a formula means something else than in Excel
FormulaErrorValue, to_json                   #DIV/0!, #VALUE!, ... and JSON output
ScoringScheme(template)                      a scoring template, compiled once
score_scorecard(scheme, items, ...)          the one scoring path: item scores, total, rating
explain_scorecard(scheme, items, ...)        how each of those numbers was reached
rerate(scheme, rating, ...)                  the multiplier of a moved (calibrated) rating
check_scoring_template(template)             [(json_pointer, code, message), ...]
payout_tiers(incentive), payout_tier(...)    a template's payout tiers, the one that applies
payout_amount(base, multiplier, rounding)    a payout in decimal money
completion, item_score, weighted_total, ...  the scoring rules as plain functions
expected_progress, is_behind, rollup, ...    a plan's progress and a goal tree's coverage
form_score(form, answers), review_part(...)   a review form's rating; the review part by relation
```
"""

from __future__ import annotations

from perfloop.engine.formulas import (
    ERROR_CODES,
    FUNCTIONS,
    WARNING_CODES,
    Explanation,
    Formula,
    FormulaError,
    FormulaErrorValue,
    FormulaWarning,
    check_formula,
    compile,
    to_json,
)
from perfloop.engine.payouts import (
    PAYOUT_BASES,
    ROUNDING_MODES,
    PayoutTier,
    as_decimal,
    payout_amount,
    payout_tier,
    payout_tiers,
)
from perfloop.engine.scoring import (
    CUMULATIVE,
    DEFAULT_TOLERANCE,
    DIRECTIONS,
    RELATIONS,
    Coverage,
    GapLine,
    GapReport,
    GoalNode,
    ItemProgress,
    PeriodSummary,
    ReviewResult,
    Rollup,
    SchemeError,
    ScorecardResult,
    ScoringProgram,
    ScoringScheme,
    WeightError,
    WeightProblem,
    annual_result,
    band,
    check_scoring_template,
    check_weights,
    completion,
    completion_ratio,
    consecutive_periods,
    coverage,
    expected_progress,
    explain_scorecard,
    final_score,
    gap_report,
    incentive,
    is_behind,
    is_cumulative,
    item_progress,
    item_score,
    mean,
    met_in_consecutive_periods,
    rating_band,
    rerate,
    review_score,
    rollup,
    score_items,
    score_scorecard,
    scoring_template_warnings,
    weighted_total,
)
from perfloop.engine.scoring.reviews import ReviewPart, form_score, review_part

__all__ = [
    "CUMULATIVE",
    "DEFAULT_TOLERANCE",
    "DIRECTIONS",
    "ERROR_CODES",
    "FUNCTIONS",
    "PAYOUT_BASES",
    "RELATIONS",
    "ROUNDING_MODES",
    "WARNING_CODES",
    "Coverage",
    "Explanation",
    "Formula",
    "FormulaError",
    "FormulaErrorValue",
    "FormulaWarning",
    "GapLine",
    "GapReport",
    "GoalNode",
    "ItemProgress",
    "PayoutTier",
    "PeriodSummary",
    "ReviewPart",
    "ReviewResult",
    "Rollup",
    "SchemeError",
    "ScorecardResult",
    "ScoringProgram",
    "ScoringScheme",
    "WeightError",
    "WeightProblem",
    "annual_result",
    "as_decimal",
    "band",
    "check_formula",
    "check_scoring_template",
    "check_weights",
    "compile",
    "completion",
    "completion_ratio",
    "consecutive_periods",
    "coverage",
    "expected_progress",
    "explain_scorecard",
    "final_score",
    "form_score",
    "gap_report",
    "incentive",
    "is_behind",
    "is_cumulative",
    "item_progress",
    "item_score",
    "mean",
    "met_in_consecutive_periods",
    "payout_amount",
    "payout_tier",
    "payout_tiers",
    "rating_band",
    "rerate",
    "review_part",
    "review_score",
    "rollup",
    "score_items",
    "score_scorecard",
    "scoring_template_warnings",
    "to_json",
    "weighted_total",
]
