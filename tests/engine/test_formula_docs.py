"""docs/formulas.md documents every function and code, and its examples hold."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfloop.engine import ERROR_CODES, FUNCTIONS, WARNING_CODES, FormulaErrorValue, compile

DOC = (Path(__file__).resolve().parents[2] / "docs" / "formulas.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_function_is_documented(name: str) -> None:
    assert f"`{name}(" in DOC


@pytest.mark.parametrize("code", [*ERROR_CODES, "#DIV/0!", "#VALUE!", "#NUM!", "#N/A", "#LIMIT!"])
def test_every_code_is_documented(code: str) -> None:
    assert f"`{code}`" in DOC


@pytest.mark.parametrize("code", WARNING_CODES)
def test_every_warning_is_documented(code: str) -> None:
    assert f"| `{code}` |" in DOC


@pytest.mark.parametrize(
    ("text", "data", "value"),
    [
        ('IFS(x > 90, "A", x > 60, "B")', {"x": 70}, "B"),
        ("LET(c, a / b, IF(c > 1, 1, c))", {"a": 1, "b": 2}, 0.5),
        ('CONCAT("Q", 3, "-", TRUE)', {}, "Q3-TRUE"),
        ("SUMPRODUCT([1, 2], [3, 4])", {}, 11),
        ('"Q" & 3', {}, "Q3"),
        ("MAXSTREAK([TRUE, TRUE, FALSE])", {}, 2),
        ("CHANGE([80, 92.5])", {}, 12.5),
        ("ROUND(1234, -2)", {}, 1200),
        ("2^3^2", {}, 512),
        ("-2^2", {}, -4),
        ("200 * 15%", {}, 30),
        ("FIELD(m, rating)", {"m": {"A": 1.2}, "rating": "A"}, 1.2),
        ("TRUE = 1", {}, False),
        ("MAX(TRUE, FALSE)", {}, 1),
        ("NOT(1) = 2", {}, False),
        ("ROUND(1.5, 20)", {}, 1.5),
        ("ROUND(1234, -16)", {}, 0),
        ("10^300", {}, 10**300),
        ("0^0", {}, FormulaErrorValue("#NUM!")),
        ("IFERROR(x * 10, 0)", {"x": 9e307}, 0),
    ],
)
def test_documented_examples(text: str, data: dict[str, object], value: object) -> None:
    assert text in DOC or text.replace("m, rating", "params.bonus_multipliers, rating") in DOC
    assert compile(text).evaluate(data) == value
