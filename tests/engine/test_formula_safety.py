"""Escapes and denial-of-service inputs: each gets a FormulaError or an error
value within a memory bound, and nothing reaches Python's eval. How fast each
is refused is measured by bench/formula_safety.py, not asserted here."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from perfloop.engine import FormulaError, FormulaErrorValue, compile
from perfloop.engine.formulas import limits
from perfloop.engine.formulas.codegen import NAMESPACE


@contextmanager
def bounded(megabytes: float = 50) -> Iterator[None]:
    tracemalloc.start()
    try:
        yield
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak < megabytes * 1e6, f"peak {peak / 1e6:.1f} MB"


def outcome(text: str, data: dict[str, Any] | None = None) -> Any:
    """The FormulaError code, or the error value code, or the value."""
    with bounded():
        try:
            formula = compile(text)
        except FormulaError as err:
            return err.code
        value = formula.evaluate(data or {})
        return value.code if isinstance(value, FormulaErrorValue) else value


@pytest.mark.parametrize(
    "text",
    [
        "().__class__",
        "''.__class__.__mro__",
        "x.__class__",
        "__import__('os')",
        "x[0]",
        "x['a']",
        "[x for x in y]",
        "lambda: 1",
        "import os",
        "open('/etc/passwd')",
        "eval('1')",
        "exec('1')",
        "getattr(x, 'y')",
        "x; y",
        "`ls`",
        "{1: 2}",
        "'a' * 10**9",
        '"a" * 10 ^ 9',
    ],
)
def test_escapes_are_compile_errors(text: str) -> None:
    assert outcome(text) in ("syntax", "unknown-function", "type")


def test_python_builtins_are_not_functions() -> None:
    for name in ("eval", "exec", "open", "getattr", "__import__", "compile", "globals"):
        with pytest.raises(FormulaError) as info:
            compile(f"{name}(1)")
        assert info.value.code in ("unknown-function", "syntax")


def test_generated_code_sees_no_builtins() -> None:
    assert NAMESPACE["__builtins__"] == {}
    formula = compile('x & "__import__"')
    assert formula.evaluate({"x": "a"}) == "a__import__"


def test_strings_cannot_break_out_of_the_generated_code() -> None:
    cases = {
        r"'\n'": r"\n",  # no escapes: a backslash is a backslash
        r'"\"': "\\",
        "\"'''\"": "'''",
        '"""" & x': '"',
    }
    for text, value in cases.items():
        assert compile(text).evaluate({}) == value
    with pytest.raises(FormulaError):
        compile(r'"\"); import os; ("')


def test_names_are_dictionary_keys_never_identifiers() -> None:
    formula = compile("data + _slow + sum + _k0")
    assert formula.evaluate({"data": 1, "_slow": 2, "sum": 3, "_k0": 4}) == 10


def test_huge_powers_error_fast() -> None:
    assert outcome("9^9^9") == "#NUM!"
    assert outcome("9^9^9^9") == "#NUM!"
    assert outcome("x^x^x", {"x": 99}) == "#NUM!"
    assert outcome("2^10000") == "#NUM!"
    assert outcome("10^300") == 10**300


def test_growing_text_hits_the_limit() -> None:
    text = "x" + " & x" * 30
    assert outcome(text, {"x": "a" * 10_000}) == "#LIMIT!"
    assert outcome("CONCAT(x, x, x, x, x, x, x, x, x, x, x)", {"x": "a" * 10_000}) == "#LIMIT!"


def test_long_formulas_are_refused() -> None:
    assert outcome("1" + "+1" * limits.MAX_LENGTH) == "limit"


def test_deep_nesting_is_refused() -> None:
    assert outcome("(" * 1000 + "1" + ")" * 1000) == 1  # parentheses add no depth
    assert outcome("-" * 1500 + "1") == "limit"
    assert outcome("1" + "+1" * 200) == "limit"
    assert outcome("ABS(" * 100 + "1" + ")" * 100) == "limit"
    assert outcome("2^" * 500 + "2") == "limit"


def test_many_nodes_are_refused() -> None:
    text = "SUM(" + ", ".join(["[1,1,1,1,1,1,1,1]"] * 150) + ")"
    assert len(text) < limits.MAX_LENGTH
    assert outcome(text) == "limit"


def test_huge_list_literals_are_refused() -> None:
    assert outcome("[" + ",".join(["1"] * 1000) + "]") == "limit"


def test_huge_number_literals_are_refused() -> None:
    assert outcome("9" * 100) == "limit"
    assert outcome("1e999") == "limit"


def test_huge_lists_in_data_are_bounded() -> None:
    big = list(range(limits.MAX_LIST + 1))
    with bounded(megabytes=100):
        value = compile("SUM(xs)").evaluate({"xs": big})
    assert isinstance(value, FormulaErrorValue)
    assert value.code == "#LIMIT!"


def test_evaluate_never_raises_on_odd_data() -> None:
    formula = compile("SUM(items, weight * score) + a.b / c - LEN(d) & e")
    for data in [
        {},
        {"items": 5},
        {"items": ["x", None, 3, {"weight": "w"}]},
        {"a": [1], "c": {}, "d": 5, "e": object()},
        {"items": [{"weight": float("nan"), "score": 1}]},
    ]:
        formula.evaluate(data)
        formula.explain(data)
    formula.evaluate(None)  # type: ignore[arg-type]
