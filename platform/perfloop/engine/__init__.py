"""perfloop.engine: the formula language and the pure scoring engine (no I/O).

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

from perfloop.engine.errors import ERROR_CODES, FormulaError, FormulaErrorValue, to_json
from perfloop.engine.formula import Formula, check_formula, compile
from perfloop.engine.functions import FUNCTIONS
from perfloop.engine.interp import Explanation
from perfloop.engine.scheme import (
    PeriodSummary,
    SchemeError,
    ScorecardResult,
    ScoringScheme,
    check_scoring_template,
)
from perfloop.engine.scoring import (
    DIRECTIONS,
    RELATIONS,
    ReviewResult,
    WeightError,
    WeightProblem,
    annual_result,
    band,
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
