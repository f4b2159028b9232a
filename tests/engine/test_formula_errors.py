"""Compile errors: stable codes, positions, a caret excerpt and suggestions."""

from __future__ import annotations

from typing import Any

import pytest

from perfloop.engine import FormulaError, check_formula, compile

VARIABLES: dict[str, Any] = {
    "type": "object",
    "properties": {
        "actual": {"type": "number"},
        "target": {"type": "number"},
        "direction": {"type": "string"},
        "name": {"type": "string"},
        "kpi": {"type": "object", "properties": {"weight": {"type": "number"}}},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"weight": {"type": "number"}, "score": {"type": "number"}},
            },
        },
        "scores": {"type": "array", "items": {"type": "number"}},
    },
}


def error(text: str, variables: dict[str, Any] | None = VARIABLES) -> FormulaError:
    with pytest.raises(FormulaError) as info:
        compile(text, variables)
    return info.value


def test_unknown_name_points_at_it_and_suggests() -> None:
    err = error("actul / target")
    assert err.code == "unknown-name"
    assert (err.line, err.column) == (1, 1)
    assert err.suggestion == "actual"
    assert err.excerpt == "actul / target\n^~~~~"
    assert str(err) == "line 1, column 1: unknown name 'actul' (did you mean 'actual'?)"


def test_unknown_field_of_a_record() -> None:
    err = error("kpi.wieght * 2")
    assert err.code == "unknown-name"
    assert err.column == 5
    assert err.suggestion == "weight"


def test_unknown_name_inside_an_aggregate_suggests_a_field() -> None:
    err = error("SUM(items, weigth * score)")
    assert err.code == "unknown-name"
    assert err.suggestion == "weight"
    assert err.column == 12


def test_positions_on_later_lines() -> None:
    err = error("IF(actual > 1,\n   actual * 2,\n   tagret)")
    assert (err.line, err.column) == (3, 4)
    assert err.excerpt == "   tagret)\n   ^~~~~~"


def test_carets_line_up_under_chinese_text() -> None:
    err = error('"目标" & actul')
    assert err.column == 8
    assert err.excerpt.splitlines()[1] == " " * 9 + "^~~~~"  # each CJK character is 2 wide


def test_without_variables_any_name_is_allowed() -> None:
    assert check_formula("whatever + anything") is None


def test_unknown_function_suggests() -> None:
    err = error("SUMM(1, 2)")
    assert err.code == "unknown-function"
    assert err.suggestion == "SUM"
    assert err.excerpt.endswith("^~~~")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("IF(1)", "IF takes 2 to 3 arguments, not 1"),
        ("ABS(1, 2)", "ABS takes 1 argument, not 2"),
        ("CLAMP(1, 2)", "CLAMP takes 3 arguments, not 2"),
        ("IFS(TRUE, 1, FALSE)", "pairs"),
        ("LET(x, 1)", "LET takes"),
    ],
)
def test_arity(text: str, fragment: str) -> None:
    err = error(text)
    assert err.code == "arity"
    assert fragment in err.message


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('"a" * 3', "'*' needs numbers"),
        ("name + 1", "use & to join text"),
        ("items + 1", "a list of records"),
        ("actual < name", "cannot compare a number with text"),
        ("ROUND(name)", "ROUND argument 1 needs a number"),
        ("SUM(items)", "SUM(items, weight)"),
        ("actual.x", "has no fields"),
        ("BAND(actual, 5, [1])", "needs a list"),
        ("STREAK(scores, TRUE)", "needs a list of records"),
        ("SUM(items, name)", "needs a number"),
    ],
)
def test_types_the_checker_can_know(text: str, fragment: str) -> None:
    err = error(text)
    assert err.code == "type"
    assert fragment in err.message


@pytest.mark.parametrize(
    ("text", "fragment", "suggestion"),
    [
        ("COMPLETION(actual, target, 'highr')", "direction must be one of", "higher"),
        ("BAND(actual, [70, 60], ['a', 'b', 'c'])", "ascending", None),
        ("BAND(actual, [60, 70], ['a', 'b'])", "needs 3 results", None),
        ("INTERP(actual, [1, 2], [1])", "needs 2 results", None),
    ],
)
def test_literal_arguments_are_checked(text: str, fragment: str, suggestion: str | None) -> None:
    err = error(text)
    assert err.code == "argument"
    assert fragment in err.message
    assert err.suggestion == suggestion


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("1 +", "ends too early"),
        ("(1 + 2", "ends too early"),
        ("1 2", "unexpected '2'"),
        ("1 < 2 < 3", "cannot be chained"),
        ('"open', "not closed"),
        ("a ** 2", "use ^ for powers"),
        ("IF(a，b)", "full-width"),
        ("a $ b", "unexpected character"),
        ("", "empty"),
        ("   ", "empty"),
        ("f(x)(y)", "unexpected"),
        ("a.__class__", "'__'"),
    ],
)
def test_syntax_errors(text: str, fragment: str) -> None:
    err = error(text, None)
    assert err.code == "syntax"
    assert fragment in err.message
    if text.strip():
        assert err.line >= 1
        assert "^" in err.excerpt


def test_error_to_dict_is_json_ready() -> None:
    err = error("actul")
    assert err.to_dict() == {
        "code": "unknown-name",
        "message": "unknown name 'actul'",
        "line": 1,
        "column": 1,
        "excerpt": "actul\n^~~~~",
        "suggestion": "actual",
    }


def test_check_formula_returns_the_error_or_none() -> None:
    assert check_formula("actual / target", VARIABLES) is None
    found = check_formula("actual / targt", VARIABLES)
    assert found is not None
    assert found.suggestion == "target"
