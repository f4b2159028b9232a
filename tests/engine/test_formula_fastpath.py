"""The generated fast code handles plain numbers without the interpreter, and
whenever it returns, it returns exactly what the interpreter would."""

from __future__ import annotations

import json
import random
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal
from typing import Any

import pytest

from perfloop.engine import compile, to_json
from perfloop.engine.formulas import functions as fns
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


# --------------------------------------------------------------------------- the scoring path's
# fast paths: null arithmetic inline, ISBLANK, TIER over a constant table, ROUND of a float

_ODD: list[Any] = [None, 0, 1, -2.5, 3, True, False, "abc", float("nan"), 1e308, -1e308, 5e307]
_NULL_TEXTS = [
    "a * b", "a * b + c", "a - b / c", "(a * b) * c", "LET(x, a * b, x + 1)",
    "IF(a * b > 1, a, b)", "SUM(items, a * b)", "AVG(items, a + b)", "MAX(items, a - b)",
    "MIN(items, a / b)", "LET(x, 1, SUM(items, a * b))", "LET(x, 2, AVG(items, a * b) + x)",
    "ROUND(a * b, 2)", "COALESCE(a * b, 7)", "ISBLANK(a + b)", "IFERROR(a / b, -1)",
    "SUM(items, a * b) / SUM(items, IF(ISBLANK(a), 0, b))", "a * 2 + b", "-a * b", "a% * b",
    "LET(p, SUM(items, IF(ISBLANK(a), 0, b)), IF(p = 0, NULL, ROUND(SUM(items, b * a) / p, 2)))",
]  # fmt: skip


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and json.dumps(to_json(a)) == json.dumps(to_json(b))


@pytest.mark.parametrize("text", _NULL_TEXTS)
def test_null_and_odd_operands_give_the_interpreters_results(text: str) -> None:
    rng = random.Random(text)  # noqa: S311 - test data
    formula = compile(text)
    for _ in range(300):
        data = {
            "a": rng.choice(_ODD), "b": rng.choice(_ODD), "c": rng.choice(_ODD),
            "items": [{"a": rng.choice(_ODD), "b": rng.choice(_ODD)}
                      for _ in range(rng.randint(0, 3))],
        }  # fmt: skip
        assert _same(formula.evaluate(data), formula.evaluate_reference(data)), data


def test_a_null_section_keeps_the_standard_total_on_the_fast_path() -> None:
    text = standard_scoring()["total"]
    sections = [{"key": "kpi", "weight": 70, "score": 83.25}, {"key": "review", "weight": 30}]
    sections[1]["score"] = None
    assert no_fallback(text, {"sections": sections}) == 83.25


BANDS = [{"band": b, "min_score": m} for b, m in (("S", 95), ("A", 85), ("B", 70), ("D", 0))]
ODD_BANDS = [
    {"band": "x", "min_score": 10}, {"band": "y", "min_score": 10}, {"band": "z"},
    {"band": "w", "min_score": -5.5}, {"band": None, "min_score": 50},
]  # fmt: skip


@pytest.mark.parametrize("table", [BANDS, ODD_BANDS, list(reversed(BANDS))])
@pytest.mark.parametrize("value", ["total", "total * 1", "5"])
def test_tier_over_a_constant_table_gives_fn_tiers_results(
    table: list[dict[str, Any]], value: str
) -> None:
    variables = {"type": "object", "properties": {"total": {"type": ["number", "null"]}}}
    text = f'TIER({value}, params.t, "min_score", "band")'
    formula = compile(text, variables, constants={"params": {"t": table}})
    assert "_bisect" in formula.source
    rng = random.Random(value)  # noqa: S311 - test data
    odd = [None, 0, -1, 60, 59.999, 95, 95.0, 1e308, -1e308, 10, -5.5, 50, float("nan"), True]
    for total in odd + [rng.uniform(-20, 120) for _ in range(300)]:
        data = {"total": total}
        assert _same(formula.evaluate(data), formula.evaluate_reference(data)), total


def test_round_of_a_float_rounds_as_the_wide_context() -> None:
    rng = random.Random(5)  # noqa: S311 - test data
    modes = (
        (fns.fn_round, ROUND_HALF_UP),
        (fns.fn_roundup, ROUND_UP),
        (fns.fn_rounddown, ROUND_DOWN),
    )
    for _ in range(20_000):
        x = rng.choice(
            [rng.uniform(-1e15, 1e15), round(rng.uniform(-100, 100), 3), 2.675, -2.5, -0.0,
             rng.uniform(-1, 1) * 10 ** rng.randint(-20, 14)]
        )  # fmt: skip
        digits = rng.randint(0, 12)
        for fn, mode in modes:
            wide = Decimal(repr(x)).quantize(Decimal(1).scaleb(-digits), mode, fns._ROUNDING)
            want = float(wide) if digits else int(wide)
            got = fn(x, digits)
            assert type(got) is type(want), (x, digits)
            assert repr(got) == repr(want), (x, digits)
