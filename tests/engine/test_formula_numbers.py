"""Numbers are bounded: every number a formula reads or computes lies within
±9.99999999999999E+307 (Excel's limit), and anything else is #NUM! where it
happens, so no formula can grow a number's memory and no overflow hides
behind a comparison, MIN/MAX or IFERROR."""

from __future__ import annotations

import json
import tracemalloc
from decimal import Decimal
from typing import Any

import pytest

from perfloop.engine import FormulaError, FormulaErrorValue, compile, to_json
from perfloop.engine.formulas.limits import MAX_NUMBER


def ev(text: str, data: dict[str, Any] | None = None) -> Any:
    """Evaluate `text`; the fast code and the interpreter must agree."""
    formula = compile(text)
    fast = formula.evaluate(data or {})
    assert fast == formula.evaluate_reference(data or {}), text
    return fast


def is_error(value: Any, code: str) -> bool:
    return isinstance(value, FormulaErrorValue) and value.code == code


HOSTILE = [
    float("nan"),
    float("inf"),
    -float("inf"),
    1e308,
    10**400,
    Decimal("NaN"),
    Decimal("1e400"),
]


def squarings(steps: int, result: str = "1") -> str:
    """`LET(a0, 10, a1, a0*a0, a2, a1*a1, ..., result)`: 10^(2^steps) without a bound."""
    parts = ["a0, 10", *(f"a{i}, a{i - 1} * a{i - 1}" for i in range(1, steps + 1))]
    return f"LET({', '.join(parts)}, {result})"


def test_a_let_chain_of_squarings_stops_at_the_bound_in_little_memory() -> None:
    text = squarings(22, "a22")
    assert len(text) < 400
    formula = compile(text)
    tracemalloc.start()
    try:
        value = formula.evaluate({})
        explained = formula.explain({}).to_dict()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert is_error(value, "#NUM!")
    assert explained["value"]["error"] == "#NUM!"
    assert peak < 2_000_000, f"peak {peak / 1e6:.1f} MB"  # unbounded, 10^(2^22) is 14 MB


def test_exact_integers_stay_exact_up_to_the_bound() -> None:
    assert ev("10^300") == 10**300
    assert ev("x * x", {"x": 10**150}) == 10**300
    assert is_error(ev("x * x", {"x": 10**154}), "#NUM!")  # 1E+308
    assert is_error(ev("2^1100"), "#NUM!")
    assert ev("x", {"x": MAX_NUMBER}) == MAX_NUMBER
    assert ev("-x", {"x": MAX_NUMBER}) == -MAX_NUMBER


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("IFERROR(x * 10, 5)", 5),  # caught where it happens, so IFERROR sees it
        ("x * 10 / 100", "#NUM!"),  # an overflow does not come back
        ("1 / (x * 10)", "#NUM!"),  # ... not even to 0
        ("x * 10 > 1", "#NUM!"),
        ("MIN(x * 10, 1)", "#NUM!"),
        ("MAX(1, x * 10)", "#NUM!"),
        ("CLAMP(x * 10, 0, 120)", "#NUM!"),
        ("ISERROR(x * 10)", True),
        ("x + x - x", "#NUM!"),
        ("SUM(x, x, -x)", "#NUM!"),  # a total beyond the bound
        ("ROUNDUP(x, -308)", "#NUM!"),  # 1E+308
    ],
)
def test_overflow_is_num_where_it_happens(text: str, expected: Any) -> None:
    value = ev(text, {"x": 9e307})
    if isinstance(expected, str):
        assert is_error(value, expected), value
    else:
        assert value == expected


@pytest.mark.parametrize("bad", HOSTILE, ids=repr)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x", "#NUM!"),
        ("MAX(1, x)", "#NUM!"),
        ("MAX(x, 1)", "#NUM!"),
        ("MIN(x, 1)", "#NUM!"),
        ("x > 1", "#NUM!"),
        ("x = x", "#NUM!"),
        ("x * 0", "#NUM!"),
        ("1 / x", "#NUM!"),
        ("ROUND(x)", "#NUM!"),
        ("ABS(x)", "#NUM!"),
        ("BAND(x, [1, 2], [1, 2, 3])", "#NUM!"),
        ("INTERP(x, [0, 1], [0, 1])", "#NUM!"),
        ("COMPLETION(x, 100)", "#NUM!"),
        ("COMPLETION(1, x)", "#NUM!"),
        ('x & ""', "#NUM!"),
        ("IF(x, 1, 2)", "#NUM!"),
        ("SUM(xs)", "#NUM!"),
        ("MAX(xs)", "#NUM!"),
        ("SUM(items, v)", "#NUM!"),
        ("MAX(items, v * 2)", "#NUM!"),
        ("IFERROR(x, 0)", 0),
        ("ISERROR(x)", True),
        ("ISNUMBER(x)", False),
        ("COALESCE(x, 1)", "#NUM!"),
    ],
)
def test_nan_infinity_and_huge_numbers_in_data_read_as_num(
    text: str, expected: Any, bad: Any
) -> None:
    data = {"x": bad, "xs": [1, bad, 2], "items": [{"v": 1}, {"v": bad}]}
    value = ev(text, data)
    if isinstance(expected, str):
        assert is_error(value, expected), value
    else:
        assert value == expected


@pytest.mark.parametrize("bad", HOSTILE, ids=repr)
def test_explanations_and_json_never_fail_on_huge_numbers(bad: Any) -> None:
    formula = compile("ROUND(x * 2, 1) + SUM(xs) & y")
    data = {"x": bad, "xs": [bad], "y": bad}
    tree = formula.explain(data).to_dict()
    text = json.dumps(tree, allow_nan=False)  # no NaN, no Infinity, no 300-digit ints
    assert tree["value"]["error"] == "#NUM!"
    assert "Error" not in text  # no Python exception names, such as OverflowError
    assert to_json([bad, {"k": bad}]) == [{"error": "#NUM!"}, {"k": {"error": "#NUM!"}}]


def test_number_literals_beyond_the_bound_are_compile_errors() -> None:
    assert ev("9.99999999999999e307") == MAX_NUMBER
    with pytest.raises(FormulaError) as info:
        compile("1e308 * 10")
    assert info.value.code == "limit"
    assert info.value.column == 1


def test_the_bound_is_excels() -> None:
    assert MAX_NUMBER == 9.99999999999999e307


def test_error_values_name_no_python_exception() -> None:
    cases: list[tuple[str, dict[str, Any]]] = [
        ("ROUND(x)", {"x": float("nan")}),
        ("INTERP(x, [0, 1], [0, 1])", {"x": float("nan")}),
        ("SUMPRODUCT([x], [x])", {"x": 1e200}),
        ("x ^ 0.5", {"x": -8}),
        ("x / 0", {"x": 1}),
    ]
    for text, data in cases:
        value = compile(text).evaluate(data)
        assert isinstance(value, FormulaErrorValue)
        assert "Error" not in value.message, value.message
        assert "internal" not in value.message, value.message


def test_a_bug_in_evaluation_shows_no_python_exception(monkeypatch: pytest.MonkeyPatch) -> None:
    from perfloop.engine.formulas.interp import Interpreter

    def broken(*_: Any) -> Any:
        raise OverflowError("int too large to convert to float")

    formula = compile("x / 2 + unlikely_name_for_a_bug_test")
    monkeypatch.setattr(Interpreter, "run", broken)
    value = formula.evaluate({"x": "text"})  # the fast code gives up; the interpreter breaks
    tree = formula.explain({"x": 1}).to_dict()
    for shown in (value.message, tree["value"]["message"]):
        assert "OverflowError" not in shown
        assert "int too large" not in shown
    assert value.code == tree["value"]["error"] == "#VALUE!"


def _round_by_decimal(x: float, places: int) -> Any:
    """ROUND as the general path computes it: the shortest decimal, half up."""
    from decimal import ROUND_HALF_UP

    done = Decimal(repr(x)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return float(done) if places else int(done)


def test_round_without_decimal_gives_what_decimal_gives() -> None:
    # ROUND of a float to 0..6 places skips Decimal unless the digits past the
    # place are near one half: the value, its type and its sign are the same
    import math
    import random

    from perfloop.engine.formulas.functions import fn_round

    rng = random.Random(11)  # noqa: S311 - test data, not secrets
    values = [2.675, 2.5, -2.5, 1.005, 0.125, 1e-300, -1e-300, 0.0, -0.0, 99999999.994]
    for _ in range(20_000):
        places = rng.randint(0, 7)
        values.append(rng.uniform(-1000, 1000))
        values.append(float(f"{rng.randint(-(10**6), 10**6)}.{rng.randint(0, 10**places)}5"))
        values.append(rng.randint(-(10**6), 10**6) / 10 ** rng.randint(0, 8))
        values.append(rng.uniform(-1, 1) * 10 ** rng.randint(-10, 9))
    for x in values:
        for places in range(8):
            got, want = fn_round(x, places), _round_by_decimal(x, places)
            assert (got, type(got), math.copysign(1, got)) == (
                want,
                type(want),
                math.copysign(1, want),
            ), (x, places)
