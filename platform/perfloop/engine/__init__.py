"""perfloop.engine: the formula language and the pure scoring engine (no I/O).

Two rooms, one import for callers: `engine.formulas` (the language) and
`engine.scoring` (the scoring rules built on it).

```
compile(text, variables=None) -> Formula     .evaluate(data) .explain(data) .names .text
FormulaError                                 .code .message .line .column .excerpt .suggestion
FormulaErrorValue, to_json                   #DIV/0!, #VALUE!, ... and JSON output
ScoringScheme(template)                      a scoring template, compiled once
check_scoring_template(template)             [(json_pointer, code, message), ...]
completion, item_score, weighted_total, ...  the scoring rules as plain functions
```
"""

from __future__ import annotations

from perfloop.engine.formulas import (
    ERROR_CODES,
    FUNCTIONS,
    Explanation,
    Formula,
    FormulaError,
    FormulaErrorValue,
    check_formula,
    compile,
    to_json,
)
from perfloop.engine.scoring import (
    DIRECTIONS,
    RELATIONS,
    PeriodSummary,
    ReviewResult,
    SchemeError,
    ScorecardResult,
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
    final_score,
    incentive,
    item_score,
    met_in_consecutive_periods,
    rating_band,
    review_score,
    weighted_total,
)

__all__ = [
    "DIRECTIONS",
    "ERROR_CODES",
    "FUNCTIONS",
    "RELATIONS",
    "Explanation",
    "Formula",
    "FormulaError",
    "FormulaErrorValue",
    "PeriodSummary",
    "ReviewResult",
    "SchemeError",
    "ScorecardResult",
    "ScoringScheme",
    "WeightError",
    "WeightProblem",
    "annual_result",
    "band",
    "check_formula",
    "check_scoring_template",
    "check_weights",
    "compile",
    "completion",
    "completion_ratio",
    "consecutive_periods",
    "final_score",
    "incentive",
    "item_score",
    "met_in_consecutive_periods",
    "rating_band",
    "review_score",
    "to_json",
    "weighted_total",
]
