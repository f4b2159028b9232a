"""Property tests (hypothesis).

- random arithmetic and comparison expressions give what Python gives;
- random text never raises anything but FormulaError from compile(), and a
  formula that compiles never raises from evaluate();
- on random formulas and random (hostile) data, the generated fast code
  returns exactly what the explaining interpreter returns.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from perfloop.engine import ERROR_CODES, FormulaError, FormulaErrorValue, compile

# --------------------------------------------------------------------------- vs Python

numbers = st.one_of(
    st.integers(min_value=-20, max_value=20),
    st.sampled_from([0.5, 1.5, 2.25, -0.75, 10.0, 0.1, 3.0]),
)


def _num(value: int | float) -> tuple[str, str]:
    text = repr(value)
    return (f"({text})", f"({text})") if value < 0 else (text, text)


def _combine(children: st.SearchStrategy[tuple[str, str]]) -> st.SearchStrategy[tuple[str, str]]:
    binary = st.tuples(children, st.sampled_from(["+", "-", "*", "/"]), children).map(
        lambda t: (f"({t[0][0]} {t[1]} {t[2][0]})", f"({t[0][1]} {t[1]} {t[2][1]})")
    )
    power = st.tuples(children, st.integers(min_value=0, max_value=2)).map(
        lambda t: (f"({t[0][0]} ^ {t[1]})", f"_pow({t[0][1]}, {t[1]})")
    )
    unary = children.map(lambda c: (f"(-{c[0]})", f"(-{c[1]})"))
    percent = children.map(lambda c: (f"({c[0]}%)", f"({c[1]} / 100)"))
    return st.one_of(binary, power, unary, percent)


arithmetic = st.recursive(numbers.map(_num), _combine, max_leaves=8)
comparison = st.tuples(
    arithmetic,
    st.sampled_from(
        [("=", "=="), ("<>", "!="), ("<", "<"), ("<=", "<="), (">", ">"), (">=", ">=")]
    ),
    arithmetic,
).map(lambda t: (f"{t[0][0]} {t[1][0]} {t[2][0]}", f"{t[0][1]} {t[1][1]} {t[2][1]}"))


class _ZeroToTheZero(Exception):
    pass


def _pow(a: float, b: int) -> float:
    if a == 0 and b == 0:
        raise _ZeroToTheZero  # 0^0 is #NUM!, as in Excel
    return a**b


def _python(text: str) -> Any:
    try:
        return eval(text, {"__builtins__": {}, "_pow": _pow})  # noqa: S307 - test oracle
    except ZeroDivisionError:
        return FormulaErrorValue("#DIV/0!")
    except _ZeroToTheZero:
        return FormulaErrorValue("#NUM!")


@settings(max_examples=400, deadline=None)
@given(st.one_of(arithmetic, comparison))
def test_arithmetic_and_comparisons_match_python(pair: tuple[str, str]) -> None:
    formula_text, python_text = pair
    expected = _python(python_text)
    if isinstance(expected, float) and not math.isfinite(expected):
        expected = FormulaErrorValue("#NUM!")
    result = compile(formula_text).evaluate({})
    assert result == expected, (formula_text, result, expected)
    assert type(result) is type(expected)


# --------------------------------------------------------------------------- random text


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.text(max_size=60),
        st.text(alphabet="abcSUMIF(),.[]\"'+-*/^%&=<>!0123456789 \nANDORNOTTRUE", max_size=60),
    )
)
def test_random_text_raises_only_formula_error(text: str) -> None:
    error: FormulaError | None = None
    try:
        formula = compile(text)
    except FormulaError as err:
        error = err
    if error is not None:
        assert error.code in ERROR_CODES
        assert str(error)
        return
    formula.evaluate({})
    formula.evaluate({"a": "x", "b": None, "c": [1], "S": {"a": 1}})
    formula.explain({})


# --------------------------------------------------------------------------- fast == interpreter

NAMES = ["a", "b", "c", "d"]
leaf = st.one_of(
    st.sampled_from(NAMES),
    st.integers(min_value=-3, max_value=5).map(lambda n: f"({n})"),
    st.sampled_from(
        ["0.5", "2.5", "9e307", "NULL", "TRUE", "FALSE", '"x"', '"Higher"', "[1, 2]", "[a, 1]"]
    ),
)


def _expr(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    two = st.tuples(children, children)
    three = st.tuples(children, children, children)
    return st.one_of(
        st.tuples(
            children,
            st.sampled_from(["+", "-", "*", "/", "^", "&", "=", "<>", "<", ">=", "AND", "OR"]),
            children,
        ).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        children.map(lambda c: f"(-{c})"),
        children.map(lambda c: f"(NOT {c})"),
        children.map(lambda c: f"({c}%)"),
        three.map(lambda t: f"IF({t[0]}, {t[1]}, {t[2]})"),
        two.map(lambda t: f"IFERROR({t[0]}, {t[1]})"),
        two.map(lambda t: f"COALESCE({t[0]}, {t[1]})"),
        st.tuples(st.sampled_from(["MIN", "MAX", "SUM", "AVG", "COUNT"]), two).map(
            lambda t: f"{t[0]}({t[1][0]}, {t[1][1]})"
        ),
        st.tuples(st.sampled_from(["SUM", "AVG", "MIN", "MAX", "COUNT"]), children).map(
            lambda t: f"{t[0]}(items, {t[1]})"
        ),
        children.map(lambda c: f"ABS({c})"),
        three.map(lambda t: f"CLAMP({t[0]}, {t[1]}, {t[2]})"),
        two.map(lambda t: f"ROUND({t[0]}, {t[1]})"),
        three.map(lambda t: f"COMPLETION({t[0]}, {t[1]}, {t[2]})"),
        children.map(lambda c: f"BAND({c}, [0, 1, 2], [10, 20, 30, 40])"),
        two.map(lambda t: f"LET(z, {t[0]}, IF(z < 1, z * {t[1]}, z))"),
        two.map(
            lambda t: (
                f"LET(z, COMPLETION({t[0]}, {t[1]}), IF(z < 0.6, 0, CLAMP(z * 100, 0, 120)) * 2)"
            )
        ),
        # the standard KPI formula's shape: the generated loop with COMPLETION inline
        children.map(
            lambda c: (
                "SUM(items, LET(z, COMPLETION(a, b, c), "
                f"IF(z < 0.6, 0, CLAMP(z * 100, 0, 120)) * {c}))"
            )
        ),
        two.map(lambda t: f"MAX(items, {t[0]} * d) + MIN(items, {t[1]})"),
    )


formulas = st.recursive(leaf, _expr, max_leaves=10)
values = st.one_of(
    st.none(),
    st.integers(min_value=-3, max_value=5),
    # numbers past Excel's limit (9.99999999999999E+307), infinite or NaN read as #NUM!
    st.sampled_from(
        [0.0, 0.5, -1.5, 2.0, 9e307, -9e307, 1e308, 1.7e308, float("nan"), float("inf")]
    ),
    st.sampled_from(
        [
            10**400,
            -(10**308),
            10**307,
            Decimal("1e400"),
            Decimal("NaN"),
            Decimal("1.00000000000000000000000000001"),  # more digits than a context keeps
        ]
    ),
    st.booleans(),
    st.sampled_from(["x", "Higher", "lower", "", "1"]),
    st.just(FormulaErrorValue("#DIV/0!")),
    st.just([1, 2]),
    st.just({"a": 1}),
)
records = st.fixed_dictionaries({}, optional=dict.fromkeys(NAMES, values))
data_strategy = st.fixed_dictionaries(
    {},
    optional={
        **dict.fromkeys(NAMES, values),
        "items": st.one_of(st.lists(st.one_of(records, values), max_size=4), values),
    },
)


def _same(left: Any, right: Any) -> bool:
    if (
        isinstance(left, float)
        and isinstance(right, float)
        and math.isnan(left)
        and math.isnan(right)
    ):
        return True
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(
            _same(x, y) for x, y in zip(left, right, strict=True)
        )
    return bool(left == right)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(formulas, data_strategy)
def test_fast_code_agrees_with_the_interpreter(text: str, data: dict[str, Any]) -> None:
    try:
        formula = compile(text)
    except FormulaError:
        assume(False)
        return
    fast = formula.evaluate(data)
    reference = formula.evaluate_reference(data)
    assert _same(fast, reference), (text, data, fast, reference, formula.source)
    assert _same(formula.explain(data).value, reference)
