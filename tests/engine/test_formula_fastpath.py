"""The generated fast code handles plain numbers without the interpreter, and
whenever it returns, it returns exactly what the interpreter would."""

from __future__ import annotations

import json
from typing import Any

import pytest

from perfloop.engine import compile
from perfloop.engine.formulas.codegen import build
from perfloop.engine.scoring.scheme import ScoringScheme
from perfloop.paths import builtin_templates_dir


def standard_scoring() -> dict[str, Any]:
    path = builtin_templates_dir() / "scoring" / "standard-scoring.json"
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def no_fallback(text: str, data: dict[str, Any], variables: dict[str, Any] | None = None) -> Any:
    formula = compile(text, variables)

    def slow(_: Any) -> Any:
        raise AssertionError(f"{text!r} fell back to the interpreter on {data!r}")

    fast, _ = build(formula.tree, slow, formula._interpreter.record_body)
    value = fast(data)
    assert value == formula.evaluate_reference(data)
    return value


ITEMS = [{"actual": 90.0, "target": 100.0, "direction": "higher", "weight": 50}] * 2


@pytest.mark.parametrize(
    ("text", "data"),
    [
        ("a + b * c - d / e", {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}),
        ("IF(a > b, a, b) * 2", {"a": 1, "b": 2}),
        ("CLAMP(a * 100, 0, 120)", {"a": 1.3}),
        ("MIN(a, b) + MAX(a, b) + ABS(a - b)", {"a": 1, "b": 2}),
        ("AND(a > 1, b < 3) OR NOT a = b", {"a": 1, "b": 2}),
        ("a%", {"a": 50}),
        ("direction = 'higher'", {"direction": "Higher"}),
        ("COMPLETION(a, b, 'lower')", {"a": 1, "b": 2}),
        ("BAND(a, [60, 70], ['x', 'y', 'z'])", {"a": 65}),
        ("LET(c, COMPLETION(a, b), IF(c < 0.6, 0, CLAMP(c * 100, 0, 120)))", {"a": 1, "b": 2}),
        ("SUM(items, weight * COMPLETION(actual, target, direction)) / 100", {"items": ITEMS}),
        ("COUNT(items, weight > 10)", {"items": ITEMS}),
    ],
)
def test_plain_numbers_stay_on_the_fast_path(text: str, data: dict[str, Any]) -> None:
    no_fallback(text, data)


def test_missing_data_in_a_record_stays_on_the_fast_path() -> None:
    scheme = ScoringScheme(standard_scoring())
    assert scheme.kpi_formula is not None
    items = [dict(i, weight=50) for i in ITEMS]
    items[0] = dict(items[0], actual=None)
    formula = scheme.kpi_formula

    def slow(_: Any) -> Any:
        raise AssertionError("fell back")

    fast, _ = build(formula.tree, slow, formula._interpreter.record_body)
    assert fast({"items": items}) == formula.evaluate_reference({"items": items}) == 45.0


def test_the_fused_kpi_formula_equals_step_by_step_scoring() -> None:
    scheme = ScoringScheme(standard_scoring())
    assert scheme.kpi_formula is not None
    card = {
        "items": [
            {"key": "a", "actual": 130, "target": 100, "direction": "higher", "weight": 40},
            {"key": "b", "actual": 3, "target": 2, "direction": "lower", "weight": 20},
            {"key": "c", "actual": 97, "target": 100, "direction": "closest", "weight": 20},
            {"key": "d", "actual": None, "target": 5, "direction": "higher", "weight": 20},
        ]
    }
    assert scheme.kpi_formula.evaluate(card) == scheme.score(card).kpi
    assert json.dumps(scheme.kpi_formula.explain(card).to_dict())
