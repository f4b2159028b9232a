"""A review form's rating by its score rule, and the review part by the scoring
template's relation weights (perfloop.engine.form_score, review_part)."""

from __future__ import annotations

import json

import pytest

from perfloop.engine import ScoringScheme, form_score, review_part
from perfloop.paths import builtin_templates_dir
from perfloop.templates import validate_document

STARS = {"score": {"field": "stars", "min": 1, "max": 5}}
MINUTES = {"score": {"field": "response_minutes", "min": 0, "max": 120, "direction": "lower"}}


@pytest.mark.parametrize(
    ("form", "answers", "rating"),
    [
        (STARS, {"stars": 1}, 0),
        (STARS, {"stars": 4}, 75),
        (STARS, {"stars": 5}, 100),
        (MINUTES, {"response_minutes": 30}, 75),  # lower is better
        (MINUTES, {"response_minutes": 0}, 100),
        (MINUTES, {"response_minutes": 500}, 0),  # past the scale: clamped
        (STARS, {}, None),
        (STARS, {"stars": True}, None),
        ({}, {"stars": 5}, None),
    ],
)
def test_a_form_rates_by_its_score_rule(
    form: dict[str, object], answers: dict[str, object], rating: float | None
) -> None:
    assert form_score(form, answers) == rating


def test_the_review_part_follows_the_templates_relation_weights() -> None:
    # given the standard scoring template with its own and with other rater weights
    path = builtin_templates_dir() / "scoring" / "standard-scoring.json"
    template = json.loads(path.read_text(encoding="utf-8"))
    ratings = [
        {"relation": "self", "score": 75, "rater": "a"},
        {"relation": "manager", "score": 100, "rater": "b"},
        {"relation": "peer", "score": 50, "rater": "c"},
        {"relation": "peer", "score": 100, "rater": "d"},
    ]
    weights = {"self": 0, "peer": 50, "manager": 50, "subordinate": 0, "customer": 0}
    # when the review part is computed
    standard = review_part(ScoringScheme(template), ratings)
    other = review_part(ScoringScheme(template, {"rater_weights": weights}), ratings)
    # then relations without raters give their weight to the others
    assert standard.score == pytest.approx((10 * 75 + 20 * 75 + 50 * 100) / 80)
    assert other.score == pytest.approx(87.5)
    assert [(r["relation"], r["raters"]) for r in standard.relations] == [
        ("self", 1), ("peer", 2), ("manager", 1), ("subordinate", 0), ("customer", 0),
    ]  # fmt: skip
    # and without ratings there is no review part
    assert review_part(ScoringScheme(template), []).score is None


def test_a_form_may_say_lower_is_better() -> None:
    # given the built-in customer feedback with a response-time score, lower is better
    path = builtin_templates_dir() / "forms" / "customer-feedback.v1.json"
    form = json.loads(path.read_text(encoding="utf-8"))
    title = {"zh-CN": "首次响应（分钟）", "en": "First response (minutes)"}
    field = {"type": "number", "minimum": 0, "x-title": title}
    form["answers"]["properties"]["first_response_minutes"] = field
    form["score"] = {"field": "first_response_minutes", "min": 0, "max": 60, "direction": "lower"}
    # then the template is valid, and a quick answer rates high
    assert validate_document(form) == []
    assert form_score(form, {"first_response_minutes": 15}) == 75
