"""The one scoring path (engine.score_scorecard) gives exactly what the template's
formulas give, one by one, through the interpreter — for the standard template and
for unusual ones, with odd data, and with an item's own score settings."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from perfloop.engine import (
    ScoringScheme,
    compile,
    explain_scorecard,
    score_items,
    score_scorecard,
    to_json,
)
from perfloop.engine.scoring.contexts import CONTEXTS

ROOT = Path(__file__).resolve().parents[2]
STANDARD = json.loads(
    (ROOT / "schemas" / "templates" / "scoring" / "standard-scoring.json").read_text("utf-8")
)


def _odd() -> dict[str, Any]:
    return {
        "kind": "scoring",
        "key": "odd",
        "version": 1,
        "title": {"en": "Odd", "zh-CN": "Odd"},
        "parameters": {"defaults": {"bonus": {"low": 0.5, "mid": 1, "high": 2}}},
        "item": {
            "completion": "ROUND(COMPLETION(actual, target, direction), 1)",
            "score": "MIN(completion, 1) * 50",
        },
        "completion": "AVG(items, completion)",
        "kpi": "MAX(items, score)",
        "sections": [{"key": "kpi", "title": {"en": "K", "zh-CN": "K"}, "weight": 100,
                      "score": "kpi"}],
        "total": "MAX(sections, score) * 2",
        "rating": {"formula": 'BAND(total, [40, 80], ["low", "mid", "high"])'},
        "incentive": {"multiplier": "FIELD(params.bonus, rating)"},
    }  # fmt: skip


def reference(scheme: ScoringScheme, card: dict[str, Any]) -> dict[str, Any]:
    """The template's formulas one by one, by the interpreter (no generated code)."""
    f = scheme.formulas

    def run(pointer: str, data: dict[str, Any]) -> Any:
        return f[pointer].evaluate_reference(data) if pointer in f else None

    items = []
    for item in card["items"]:
        data = {k: item.get(k) for k in ("key", "actual", "target", "direction", "weight")}
        own = item.get("params")
        if own:
            constants = {"params": {**scheme.parameters, **own}}
            texts = scheme.template["item"]
            c = compile(texts["completion"], CONTEXTS["item"], constants=constants)
            s = compile(texts["score"], CONTEXTS["item-scored"], constants=constants)
            data["completion"] = c.evaluate_reference(data)
            data["score"] = s.evaluate_reference(data)
        else:
            data["completion"] = run("/item/completion", data)
            data["score"] = run("/item/score", data)
        items.append(data)
    relations = [
        {"relation": r, "weight": w, "score": None, "raters": 0} for r, w in scheme.relations
    ]
    results = {
        "kpi": run("/kpi", {"items": items}),
        "completion": run("/completion", {"items": items}),
        "review": run("/review/score", {"relations": relations}),
        "inputs": {},
    }
    sections = [
        {"key": s["key"], "weight": s["weight"],
         "score": run(f"/sections/{i}/score", {**results, "items": items, "relations": relations})}
        for i, s in enumerate(scheme.sections)
    ]  # fmt: skip
    total = run("/total", {**results, "sections": sections})
    rating = run("/rating/formula", {**results, "total": total})
    multiplier = run("/incentive/multiplier", {**results, "total": total, "rating": rating})
    return to_json(
        {"items": items, **results, "sections": sections, "total": total, "rating": rating,
         "multiplier": multiplier}
    )  # fmt: skip


def _got(scheme: ScoringScheme, card: dict[str, Any]) -> dict[str, Any]:
    r = score_scorecard(scheme, card["items"])
    return to_json(
        {"items": r.items, "kpi": r.kpi, "completion": r.completion, "review": r.review,
         "inputs": {}, "sections": r.sections, "total": r.total, "rating": r.rating,
         "multiplier": r.multiplier}
    )  # fmt: skip


def _cards(n: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    odd_values: list[Any] = [None, 0, -5, 1e308, "abc", True, float("nan")]
    cards = []
    for _ in range(n):
        items = []
        for i in range(rng.randint(0, 8)):
            target = rng.choice([100, 0, -50, 2.5, None]) if rng.random() < 0.2 else 100.0
            actual = rng.choice(odd_values) if rng.random() < 0.15 else rng.uniform(-20, 200)
            items.append(
                {"key": f"k{i}", "actual": actual, "target": target,
                 "direction": rng.choice(["higher", "lower", "closest", None]),
                 "weight": rng.choice([10, 12.5, 40, None])}
            )  # fmt: skip
        cards.append({"items": items})
    return cards


@pytest.mark.parametrize("template", [STANDARD, _odd()], ids=["standard", "odd"])
def test_the_path_gives_the_formulas_results(template: dict[str, Any]) -> None:
    scheme = ScoringScheme(template)
    assert scheme.program._fused is not None  # the generated program is what is tested
    for card in _cards(400, seed=3):
        assert _got(scheme, card) == reference(scheme, card), card
        # and the formula-by-formula path (items with settings of their own) agrees
        relations = scheme.program._no_ratings
        review = scheme.program._review_no_ratings
        slow = scheme.program._run_formulas(card["items"], relations, review, None, None)
        assert to_json(slow.items) == to_json(score_scorecard(scheme, card["items"]).items)
        assert to_json([slow.kpi, slow.total, slow.rating, slow.multiplier]) == to_json(
            [reference(scheme, card)[k] for k in ("kpi", "total", "rating", "multiplier")]
        )


def test_an_items_own_settings_are_its_params() -> None:
    # given the standard scheme (threshold 0.6) and an item with its own threshold 0.8
    scheme = ScoringScheme(STANDARD)
    card = {
        "items": [
            {"key": "a", "actual": 70, "target": 100, "direction": "higher", "weight": 50,
             "params": {"threshold": 0.8, "floor": 0.0, "cap": 120.0}},
            {"key": "b", "actual": 70, "target": 100, "direction": "higher", "weight": 50,
             "params": {"threshold": 0.6, "cap": 100}},
        ]
    }  # fmt: skip
    # when it is scored
    scored = score_items(scheme, card["items"])
    # then 70% is 0 under its own threshold and 70 under the scheme's
    assert [i["score"] for i in scored] == [0, 70]
    assert _got(scheme, card) == reference(scheme, card)


def test_a_missing_review_is_the_templates_business() -> None:
    # the standard total leaves a blank section out: KPI only during the cycle
    scheme = ScoringScheme(STANDARD)
    items = [{"key": "a", "actual": 90, "target": 100, "direction": "higher", "weight": 100}]
    result = score_scorecard(scheme, items)
    assert (result.review, result.total, result.rating) == (None, 90, "A")
    # with ratings, the review counts 30 %
    rated = score_scorecard(scheme, items, ratings=[{"relation": "manager", "score": 60}])
    assert rated.review == 60
    assert rated.total == round(0.7 * 90 + 0.3 * 60, 2)


def test_an_explanation_shows_the_templates_formulas_on_the_same_values() -> None:
    # given an unusual template and a plan
    scheme = ScoringScheme(_odd())
    items = [
        {"key": "a", "actual": 87, "target": 100, "direction": "higher", "weight": 50},
        {"key": "b", "actual": None, "target": 10, "direction": "higher", "weight": 50},
    ]
    # when it is explained
    why = explain_scorecard(scheme, items)
    result = score_scorecard(scheme, items)
    # then each explanation is the template's formula with the value the path gave
    assert why["items"][0]["score"].text == "MIN(completion, 1) * 50"
    assert why["items"][0]["score"].value == result.items[0]["score"] == 0.9 * 50
    assert why["items"][1]["completion"].value is None
    # (MIN skips a null, as Excel skips an empty cell: b without an actual scores 50)
    assert why["items"][1]["score"].value == result.items[1]["score"] == 50
    assert why["kpi"].text == "MAX(items, score)"
    assert why["total"].value == result.total == 50 * 2
    assert why["rating"].value == result.rating == "high"
    assert why["multiplier"].value == result.multiplier == 2
    assert why["completion"].to_dict()["value"] == 0.9


# --------------------------------------------------------------------------- the fast program
#
# engine/scoring/fast.py computes the aggregates over items inside the item loop
# and keeps plain values. It must give exactly what the general program gives
# (values and their types), and give way to it for anything it does not take.


def _fusing() -> dict[str, Any]:
    """Aggregates of every fused kind, inputs, and a total that is no weighted sum."""
    return {
        "kind": "scoring",
        "key": "fusing",
        "version": 1,
        "title": {"en": "Fusing", "zh-CN": "Fusing"},
        "parameters": {"defaults": {"cap": 150, "bands": [{"min": 0, "b": "low"},
                                                          {"min": 50, "b": "high"}]}},
        "item": {
            "completion": "COMPLETION(actual, target, direction)",
            "score": "IF(completion < 0.5, 0, MIN(completion * 100, params.cap))",
        },
        "completion": "AVG(items, completion)",
        "kpi": "SUM(items, weight * score) / SUM(items, weight)",
        "sections": [
            {"key": "kpi", "title": {"en": "K", "zh-CN": "K"}, "weight": 0, "score": "kpi"},
            {"key": "hits", "title": {"en": "H", "zh-CN": "H"}, "weight": 40,
             "score": "COUNT(items, score >= 100) * 10 + COALESCE(inputs.bonus, 0)"},
            {"key": "review", "title": {"en": "R", "zh-CN": "R"}, "weight": 60,
             "score": "review"},
        ],
        "total": "ROUND(SUM(sections, score) / COUNT(sections, NOT ISBLANK(score)), 1)",
        "rating": {"formula": 'TIER(total, params.bands, "min", "b")'},
        "incentive": {"multiplier": 'IF(rating = "high", 1.5, 1)',
                      "amount": "IF(ISBLANK(bonus_base), NULL, bonus_base * multiplier)"},
    }  # fmt: skip


def _typed(value: Any) -> Any:
    """A value with the type of every number, text and flag in it."""
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_typed(v) for v in value]
    return (type(value).__name__, to_json(value))


def _everything(result: Any) -> Any:
    return _typed(
        {"items": result.items, "scores": result.scores, "kpi": result.kpi,
         "completion": result.completion, "review": result.review,
         "relations": result.relations, "sections": result.sections, "total": result.total,
         "rating": result.rating, "multiplier": result.multiplier, "amount": result.amount,
         "unscored": result.unscored}
    )  # fmt: skip


def _general(scheme: ScoringScheme, items: list[dict[str, Any]], **kw: Any) -> Any:
    """The general program (formula by formula, no fast function)."""
    program = scheme.program
    fast, program._fast = program._fast, None
    try:
        return program.run(items, **kw)
    finally:
        program._fast = fast


FAST_TEMPLATES = [STANDARD, _fusing()]


@pytest.mark.parametrize("template", FAST_TEMPLATES, ids=["standard", "fusing"])
def test_the_fast_program_gives_what_the_general_program_gives(template: dict[str, Any]) -> None:
    scheme = ScoringScheme(template)
    program = scheme.program
    assert program._fast is not None
    taken = 0
    for n, card in enumerate(_cards(600, seed=5)):
        kw: dict[str, Any] = {"inputs": {"bonus": n % 7} if n % 3 else None,
                              "bonus_base": [None, 1000, 0.5][n % 3]}  # fmt: skip
        got = score_scorecard(scheme, card["items"], **kw)
        assert _everything(got) == _everything(_general(scheme, card["items"], **kw)), card
        try:
            program._fast(card["items"], program._review_no_ratings, kw["inputs"] or {},
                          kw["bonus_base"], program._no_ratings)  # fmt: skip
            taken += 1
        except Exception:  # noqa: S110 - counted: the general program scored it
            pass
    assert taken > 50  # the random cards are odd on purpose: many give way
    # ordinary scorecards are all scored by the fast program
    rng = random.Random(9)  # noqa: S311 - test data, not secrets
    for _ in range(200):
        items = [
            {"key": f"k{i}", "actual": rng.uniform(0, 150), "target": rng.uniform(1, 100),
             "direction": rng.choice(["higher", "lower", "closest"]), "weight": 12.5}
            for i in range(8)
        ]  # fmt: skip
        inputs = {"bonus": 2}
        program._fast(items, program._review_no_ratings, inputs, None, program._no_ratings)
        got = score_scorecard(scheme, items, inputs=inputs)
        assert _everything(got) == _everything(_general(scheme, items, inputs=inputs))


@pytest.mark.parametrize("template", FAST_TEMPLATES, ids=["standard", "fusing"])
def test_the_fast_program_on_odd_scorecards(template: dict[str, Any]) -> None:
    scheme = ScoringScheme(template)
    item = {"key": "a", "actual": 80.0, "target": 100.0, "direction": "higher", "weight": 50.0}
    odd_cards = [
        [],  # no items: AVG of nothing, a division by a zero weight
        [{**item, "actual": None}],  # not scored yet
        [{**item, "weight": 0}, {**item, "key": "b", "weight": 0}],  # zero weights
        [{**item, "target": None}, {**item, "key": "b"}],  # a missing target
        [
            {**item, "direction": "lower", "actual": 90},
            {**item, "key": "b", "direction": "closest"},
        ],
        [{**item, "target": 0, "actual": -1}, {**item, "key": "b", "target": -50}],
        [{**item, "weight": "abc"}],  # text where a number belongs: an error value
        [{**item, "weight": True}, {**item, "key": "b", "weight": None}],
        [{**item, "actual": float("nan")}, {**item, "key": "b"}],  # #NUM!
        [{**item, "weight": 1e308}, {**item, "key": "b", "weight": 1e308}],  # beyond the limit
        [{**item, "actual": 1e300, "target": 1e-300}],  # completion out of range
        [{**item, "actual": 10**400}],  # an int beyond the limit
        [{"key": "a", "actual": 1.0}],  # fields missing
        [{**item, "actual": Decimal("80.5")}],
        [{**item, "params": {"threshold": 0.9}}, {**item, "key": "b"}],  # its own settings
        [{**item, "params": {"threshold": 0.6, "floor": 0.0, "cap": 120.0}}],  # the scheme's
    ]
    for items in odd_cards:
        for kw in ({}, {"ratings": [{"relation": "manager", "rater": "m", "score": 70}]}):
            got = score_scorecard(scheme, items, **kw)
            assert _everything(got) == _everything(_general(scheme, items, **kw)), items
            card = {"items": items}
            if not kw and not any("params" in i for i in items):
                assert to_json(_got(scheme, card)) == reference(scheme, card), items


def test_a_template_the_fast_program_does_not_take_is_scored_by_the_general_one() -> None:
    # MAX(items, score) and MAX(sections, score) are not sums: no fast program
    scheme = ScoringScheme(_odd())
    assert scheme.program._fast is None
    card = {"items": [{"key": "a", "actual": 87, "target": 100, "direction": "higher",
                       "weight": 50}]}  # fmt: skip
    assert _got(scheme, card) == reference(scheme, card)


def test_the_result_keeps_the_items_as_they_were_scored() -> None:
    # given a scorecard scored by the fast program
    scheme = ScoringScheme(STANDARD)
    items = [{"key": "a", "actual": 90.0, "target": 100.0, "direction": "higher", "weight": 100}]
    result = score_scorecard(scheme, items)
    # when the caller changes its items afterwards
    items[0]["actual"] = 10.0
    items.append({**items[0], "key": "b"})
    # then the result's records are those of the items it scored
    assert result.items == [{"key": "a", "actual": 90.0, "target": 100.0,
                             "direction": "higher", "weight": 100, "completion": 0.9,
                             "score": 90.0}]  # fmt: skip
    assert result.scores == [(0.9, 90.0)]
    # and each read gives the same lists, which the caller may change
    assert result.items is result.items
    assert result.relations is result.relations
    assert result.relations is not score_scorecard(scheme, items).relations
