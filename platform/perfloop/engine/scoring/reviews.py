"""Review scores: a form's rating from its answers, and a review part from ratings.

```
form_score(form, answers)      -> float | None   the form's ``score`` rule, on 0..100
review_part(scheme, ratings)   -> ReviewPart     the scoring template's relation weights
```

A form template says which answer rates the person and on what scale
(``score: {field, min, max, direction}``); ``direction`` is ``higher`` (stars,
a 1-5 scale: the default) or ``lower`` (a response time: the lower, the
better). The rating is the answer's place on that scale, 0 at the worst end
and 100 at the best, clamped, so that ratings of different forms combine.

The review part is what the scoring template computes from ratings: its
``review.relationScore`` per relation and ``review.score`` over the
relations with their weights (a relation without raters is redistributed as
the template's formula says). It goes through ``ScoringScheme.score``, the one
path every score takes, so nothing here repeats a rule the template owns.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from perfloop.engine.scoring.scheme import ScoringScheme


@dataclass(frozen=True, slots=True)
class ReviewPart:
    """The review part of a person's result: ``score`` (None without ratings) and, per
    relation of the template, its weight, score and number of raters."""

    score: float | None
    relations: tuple[Mapping[str, Any], ...]


def form_score(form: Mapping[str, Any], answers: Mapping[str, Any]) -> float | None:
    """The rating (0..100) that ``answers`` give by the form template's ``score`` rule;
    None when the form has no rule or the answer is missing or not a number."""
    rule = form.get("score")
    if not isinstance(rule, Mapping):
        return None
    value = answers.get(str(rule.get("field")))
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    low, high = float(rule["min"]), float(rule["max"])
    share = (float(value) - low) / (high - low)
    if rule.get("direction", "higher") == "lower":
        share = 1.0 - share
    return round(100.0 * min(1.0, max(0.0, share)), 6)


def review_part(scheme: ScoringScheme, ratings: Sequence[Mapping[str, Any]]) -> ReviewPart:
    """The scoring template's review part over ``ratings`` (``{relation, score, rater}``
    each, scores on 0..100): per relation and combined by the relation weights."""
    result = scheme.score({"items": [], "ratings": list(ratings)}, check_weights=False)
    review = result.review
    score = float(review) if isinstance(review, int | float) else None
    return ReviewPart(score, tuple(dict(r) for r in result.relations))


__all__ = ["ReviewPart", "form_score", "review_part"]
