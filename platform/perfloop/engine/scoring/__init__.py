"""The scoring rules, built on the formula language (no I/O).

```
rules     completion, item score, weights, 360°, bands, incentives, streaks (reference functions)
recognition  award winners per unit (tie-breaks), the annual summary of periods
contexts  what each formula of a `scoring` template may read
scheme    a `scoring` template compiled once: ScoringScheme, check_scoring_template
program   the one scoring path: score_scorecard(scheme, items, ...)
fast      the scheme as one generated function (item loop with the KPI sums fused in)
plans     progress of a plan during its period (behind-plan, cumulative items)
```
"""

from __future__ import annotations

from perfloop.engine.formulas.completion import DIRECTIONS, completion_ratio
from perfloop.engine.scoring.plans import (
    CUMULATIVE,
    DEFAULT_TOLERANCE,
    Coverage,
    GapLine,
    GapReport,
    GoalNode,
    ItemProgress,
    Rollup,
    coverage,
    expected_progress,
    gap_report,
    is_behind,
    is_cumulative,
    item_progress,
    mean,
    rollup,
)
from perfloop.engine.scoring.program import (
    ScorecardResult,
    ScoringProgram,
    explain_scorecard,
    rerate,
    score_items,
    score_scorecard,
)
from perfloop.engine.scoring.recognition import (
    COMBINES,
    MISSING_RULES,
    AwardCandidate,
    AwardEntry,
    AwardWinner,
    PeriodsSummary,
    award_entry,
    award_spec,
    pick_winners,
    rank_award,
    rate_summary,
    summarize_periods,
)
from perfloop.engine.scoring.rules import (
    RELATIONS,
    ReviewResult,
    WeightError,
    WeightProblem,
    annual_result,
    band,
    check_weights,
    completion,
    consecutive_periods,
    final_score,
    incentive,
    item_score,
    longest_streak,
    met_in_consecutive_periods,
    rating_band,
    review_score,
    weighted_total,
)
from perfloop.engine.scoring.scheme import (
    PeriodSummary,
    SchemeError,
    ScoringScheme,
    check_scoring_template,
    scoring_template_warnings,
)

__all__ = [
    "COMBINES",
    "CUMULATIVE",
    "DEFAULT_TOLERANCE",
    "DIRECTIONS",
    "MISSING_RULES",
    "RELATIONS",
    "AwardCandidate",
    "AwardEntry",
    "AwardWinner",
    "Coverage",
    "GapLine",
    "GapReport",
    "GoalNode",
    "ItemProgress",
    "PeriodSummary",
    "PeriodsSummary",
    "ReviewResult",
    "Rollup",
    "SchemeError",
    "ScorecardResult",
    "ScoringProgram",
    "ScoringScheme",
    "WeightError",
    "WeightProblem",
    "annual_result",
    "award_entry",
    "award_spec",
    "band",
    "check_scoring_template",
    "check_weights",
    "completion",
    "completion_ratio",
    "consecutive_periods",
    "coverage",
    "expected_progress",
    "explain_scorecard",
    "final_score",
    "gap_report",
    "incentive",
    "is_behind",
    "is_cumulative",
    "item_progress",
    "item_score",
    "longest_streak",
    "mean",
    "met_in_consecutive_periods",
    "pick_winners",
    "rank_award",
    "rate_summary",
    "rating_band",
    "rerate",
    "review_score",
    "rollup",
    "score_items",
    "score_scorecard",
    "scoring_template_warnings",
    "summarize_periods",
    "weighted_total",
]
