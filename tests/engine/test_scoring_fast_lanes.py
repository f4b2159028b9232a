"""The fast program's cheaper checks give what the general program gives.

The fast function tests only the class of an item's completion and score when
the compiler's code keeps them in range (every number written in the item
formulas is), compares integer literals as floats, reads a section score that
is `kpi` or `review` as it is, and compares an item's `params` with the
scheme's settings held as floats. These tests score unusual templates — other
item formulas, totals, bands, IF branches, integer results, a number beyond
the limit written in a formula — on ordinary and odd scorecards, and compare
every value and type with the general program (formula by formula) and with the
interpreter.
"""

from __future__ import annotations

import json
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from perfloop.engine import ScoringScheme, compile, score_scorecard, to_json
from perfloop.engine.formulas.errors import FormulaErrorValue
from perfloop.engine.scoring.contexts import CONTEXTS

ROOT = Path(__file__).resolve().parents[2]
STANDARD = json.loads(
    (ROOT / "schemas" / "templates" / "scoring" / "standard-scoring.json").read_text("utf-8")
)
TITLE = {"en": "T", "zh-CN": "T"}
BANDS = [{"band": b, "min": m} for b, m in (("S", 95), ("A", 85), ("B", 70), ("C", 60), ("D", 0))]


def _template(key: str, **parts: Any) -> dict[str, Any]:
    """A scoring template: the standard one's structure with `parts` replaced."""
    template: dict[str, Any] = {
        "kind": "scoring",
        "key": key,
        "version": 1,
        "title": TITLE,
        "parameters": {"defaults": {"bands": BANDS, "m": {"S": 2, "A": 1.5, "B": 1, "C": 0.5}}},
        "item": {
            "completion": "COMPLETION(actual, target, direction)",
            "score": "IF(completion < 0.6, 0, CLAMP(completion * 100, 0, 120))",
        },
        "completion": "SUM(items, weight * completion) / "
        "SUM(items, IF(ISBLANK(completion), 0, weight))",
        "kpi": "SUM(items, weight * score) / 100",
        "sections": [
            {"key": "kpi", "title": TITLE, "weight": 70, "score": "kpi"},
            {"key": "review", "title": TITLE, "weight": 30, "score": "review"},
        ],
        "total": "LET(p, SUM(sections, IF(ISBLANK(score), 0, weight)), "
        "IF(p = 0, NULL, ROUND(SUM(sections, weight * score) / p, 2)))",
        "rating": {"formula": 'TIER(total, params.bands, "min", "band")'},
        "incentive": {"multiplier": "COALESCE(FIELD(params.m, rating), 0)",
                      "amount": "IF(ISBLANK(bonus_base), NULL, ROUND(bonus_base * multiplier, 2))"},
    }  # fmt: skip
    for name, value in parts.items():
        template[name] = value
    return template


TEMPLATES = {
    "standard": STANDARD,
    # whole-number scores (an int where the standard gives a float), comparisons
    # with integer literals in IF branches, a total rounded to a whole number that
    # lands on the bands' integer bounds
    "whole": _template(
        "whole",
        item={
            "completion": "COMPLETION(actual, target, direction)",
            "score": "IF(completion >= 1, 100, IF(completion = 0, 0, "
            "IF(completion < 0.5, 10, ROUND(completion * 100, 0))))",
        },
        total="LET(p, SUM(sections, IF(ISBLANK(score), 0, weight)), "
        "IF(p <> 0, ROUND(SUM(sections, weight * score) / p, 0), NULL))",
    ),
    # a completion of its own (no COMPLETION), a score clamped between integers,
    # a total that is no weighted average, BAND with integer bounds
    "own": _template(
        "own",
        item={
            "completion": "IF(target = 0, NULL, actual / target)",
            "score": "CLAMP(completion * 100 - 20, 0, 150)",
        },
        total="SUM(sections, weight * score) / 100",
        rating={"formula": 'BAND(total, [60, 80, 100], ["D", "C", "B", "A"])'},
    ),
    # a number beyond the limit written in the item formula (a parameter): the
    # item's results are then checked in full
    "beyond": _template(
        "beyond",
        parameters={"defaults": {"bands": BANDS, "m": {"A": 1}, "big": 1e308}},
        item={
            "completion": "COMPLETION(actual, target, direction)",
            "score": "IF(completion > 1.5, params.big, completion * 100)",
        },
    ),
    # a score that is TRUE/FALSE: never a plain number, always the checked lane
    "flag": _template(
        "flag",
        item={"completion": "COMPLETION(actual, target, direction)", "score": "completion >= 1"},
        kpi="SUM(items, weight * score)",
    ),
}


def _typed(value: Any) -> Any:
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
    program = scheme.program
    fast, program._fast = program._fast, None
    try:
        return program.run(items, **kw)
    finally:
        program._fast = fast


def _interpreted(scheme: ScoringScheme, items: list[dict[str, Any]]) -> list[Any]:
    """Each item's (completion, score) by the interpreter, with its own settings."""
    out = []
    for item in items:
        data = {k: item.get(k) for k in ("key", "actual", "target", "direction", "weight")}
        # values equal to the scheme's are not the item's own (the scheme's stand)
        own = {
            k: v
            for k, v in (item.get("params") or {}).items()
            if k not in scheme.parameters or scheme.parameters[k] != v
        }
        constants = {"params": {**scheme.parameters, **own}}
        texts = scheme.template["item"]
        c = compile(texts["completion"], CONTEXTS["item"], constants=constants)
        s = compile(texts["score"], CONTEXTS["item-scored"], constants=constants)
        data["completion"] = c.evaluate_reference(data)
        out.append(_typed((data["completion"], s.evaluate_reference(data))))
    return out


def _takes(scheme: ScoringScheme, items: list[dict[str, Any]]) -> bool:
    program = scheme.program
    try:
        program._fast(items, program._review_no_ratings, {}, None, program._no_ratings)
    except Exception:
        return False
    return True


ODD: list[Any] = [None, 0, -5, 1e308, "abc", True, float("nan"), Decimal("80.5"), 10**400]


def _cards(n: int, seed: int, odd: float) -> list[list[dict[str, Any]]]:
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    cards = []
    for _ in range(n):
        items = []
        for i in range(rng.randint(0, 8)):
            target = rng.choice([100, 0, -50, 2.5, None, 80]) if rng.random() < 0.2 else 100.0
            actual: Any = rng.choice([rng.uniform(-20, 200), 100, 100.0, 60.0, 95.0, 50])
            if rng.random() < odd:
                actual = rng.choice(ODD)
            items.append(
                {"key": f"k{i}", "actual": actual, "target": target,
                 "direction": rng.choice(["higher", "lower", "closest"]),
                 "weight": rng.choice([10, 12.5, 40, 25.0])}
            )  # fmt: skip
        cards.append(items)
    return cards


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_unusual_templates_give_the_general_programs_results(name: str) -> None:
    scheme = ScoringScheme(TEMPLATES[name])
    assert scheme.program._fast is not None  # the fast function is what is tested
    taken = 0
    for n, items in enumerate(_cards(300, seed=11, odd=0.1) + _cards(200, seed=12, odd=0)):
        kw: dict[str, Any] = {"bonus_base": [None, 1000, 0.5][n % 3]}
        got = score_scorecard(scheme, items, **kw)
        assert _everything(got) == _everything(_general(scheme, items, **kw)), items
        assert _typed(got.scores) == _interpreted(scheme, items), items
        taken += _takes(scheme, items)
    assert taken > 150  # ordinary scorecards are scored by the fast function


def test_a_number_beyond_the_limit_in_an_item_formula_is_checked() -> None:
    # given a score formula that can give a parameter beyond the limit
    scheme = ScoringScheme(TEMPLATES["beyond"])
    items = [
        {"key": "a", "actual": 200.0, "target": 100.0, "direction": "higher", "weight": 50.0},
        {"key": "b", "actual": 90.0, "target": 100.0, "direction": "higher", "weight": 50.0},
    ]
    got = score_scorecard(scheme, items)
    # then that item's score is the error value the formula gives, as everywhere
    assert _everything(got) == _everything(_general(scheme, items))
    assert isinstance(got.scores[0][1], FormulaErrorValue)
    assert got.scores[1] == (0.9, 90.0)


@pytest.mark.parametrize(
    "params",
    [
        {"threshold": 0.6, "floor": 0.0, "cap": 120.0},  # the scheme's, as floats
        {"threshold": 0.6, "floor": 0, "cap": 120},  # the scheme's, as written
        {"floor": False, "cap": 120},  # FALSE equals 0: not settings of its own
        {"threshold": 0.6, "floor": 0.0, "cap": 100.0},  # a cap of its own
        {"threshold": 0.9},  # a threshold of its own
        {"cap": Decimal("120")},
        {},
        None,
    ],
)
def test_an_items_params_are_compared_with_the_schemes_settings(params: Any) -> None:
    scheme = ScoringScheme(STANDARD)
    assert scheme.parameters["floor"].__class__ is int  # the install writes 0 and 120
    item = {"key": "a", "actual": 125.0, "target": 100.0, "direction": "higher", "weight": 50.0}
    items = [{**item, "params": params}, {**item, "key": "b", "actual": 70.0, "params": params}]
    got = score_scorecard(scheme, items)
    assert _everything(got) == _everything(_general(scheme, items))
    assert _typed(got.scores) == _interpreted(scheme, items)
    own = params is not None and any(scheme.parameters.get(k) != v for k, v in params.items())
    assert _takes(scheme, items) is not own  # the scheme's settings stay on the fast path


NUMBERS_AROUND: list[Any] = [
    2, 2.0, 3, 3.0, 2.9999999999999996, 3.0000000000000004, -0.0, 0, 0.0, -1, 120, 120.0,
    200, 119.99999999999999, Decimal("3"), Decimal("2.5"), Decimal("120"), True, False,
    None, "3", float("nan"), 10**20, 2**53, 2**53 + 1, 9007199254740992.0, 1e308, -1e308,
]  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        "a < 3", "a >= 0", "a = 2", "a <> 0", "3 > a", "0 = a", "a > 120",
        "CLAMP(a, 0, 120)", "CLAMP(a * 1, -1, 3)", "IF(a < 3, 1, 2)",
        "a < 9007199254740993", "a = 9007199254740993", "a >= -9007199254740993",
        "MIN(a, 3) < 3", "BAND(a, [0, 3, 120], [1, 2, 3, 4])",
        'TIER(a, params.t, "m", "r")',
    ],
)  # fmt: skip
def test_integer_literals_compare_as_the_interpreter_compares(text: str) -> None:
    # integer literals are written as floats where they are only compared: every
    # value, of every type, gives what the interpreter gives (results keep their type)
    table = [{"m": 0, "r": "low"}, {"m": 3, "r": "mid"}, {"m": 120, "r": "top"}]
    formula = compile(text, None, constants={"params": {"t": table}})
    for a in NUMBERS_AROUND:
        data = {"a": a}
        fast, reference = formula.evaluate(data), formula.evaluate_reference(data)
        assert _typed(fast) == _typed(reference), (text, a)
    if "9007199254740993" in text:  # not a float: stays as written
        assert "9007199254740993" in formula.source
    elif "<" in text and "CLAMP" not in text:
        assert "3.0" in formula.source or "0.0" in formula.source
