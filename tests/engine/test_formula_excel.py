"""People bring their formulas from Excel: where perfloop follows Excel, and
where it keeps a deliberate difference, compile() says so in warnings."""

from __future__ import annotations

from typing import Any

import pytest

from perfloop.engine import WARNING_CODES, FormulaError, FormulaErrorValue, compile

FLAGS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "done": {"type": "boolean"},
        "score": {"type": "number"},
        "flags": {"type": "array", "items": {"type": "boolean"}},
        "items": {
            "type": "array",
            "items": {"type": "object", "properties": {"done": {"type": "boolean"}}},
        },
    },
}


def ev(text: str, data: dict[str, Any] | None = None) -> Any:
    formula = compile(text)
    fast = formula.evaluate(data or {})
    reference = formula.evaluate_reference(data or {})
    assert fast == reference, (text, fast, reference)
    assert type(fast) is type(reference), (text, fast, reference)
    return fast


def codes(text: str, variables: dict[str, Any] | None = None) -> list[str]:
    return [w.code for w in compile(text, variables).warnings]


# --------------------------------------------------------------------------- as Excel


@pytest.mark.parametrize(
    ("text", "data", "value"),
    [
        ("TRUE = 1", {}, False),  # a boolean never equals a number
        ("x = 1", {"x": True}, False),
        ("x <> 0", {"x": False}, True),
        ("MAX(TRUE, FALSE)", {}, 1),  # a number, never a boolean
        ("MIN(x, y)", {"x": True, "y": False}, 0),
        ("CLAMP(x, 0, 5)", {"x": True}, 1),
        ("NOT(1) = 2", {}, False),  # NOT(...) is a function: (NOT 1) = 2
        ("NOT(x) AND y", {"x": False, "y": True}, True),
        ("1 - NOT(0)", {}, 0),
        ("ROUND(1.5, 20)", {}, 1.5),  # any number of digits
        ("ROUND(1234, -16)", {}, 0),
        ("ROUND(2.567, 1.9)", {}, 2.6),  # digits are truncated
        ("ROUND(1.23456e-20, 22)", {}, 1.23e-20),
    ],
)
def test_follows_excel(text: str, data: dict[str, Any], value: Any) -> None:
    result = ev(text, data)
    assert result == value
    assert type(result) is type(value)


def test_zero_to_the_zero_is_num_and_zero_to_a_negative_is_div0() -> None:
    assert ev("0^0") == FormulaErrorValue("#NUM!")
    assert ev("x^y", {"x": 0.0, "y": 0}) == FormulaErrorValue("#NUM!")
    assert ev("0^-1") == FormulaErrorValue("#DIV/0!")


def test_roundup_past_the_bound_is_num() -> None:
    assert ev("ROUNDUP(5, -400)") == FormulaErrorValue("#NUM!")
    assert ev("ROUNDDOWN(5, -400)") == 0


def test_not_without_parentheses_still_negates_the_comparison() -> None:
    assert ev("NOT 1 = 2") is True
    assert ev("NOT (1 = 2)") is True
    with pytest.raises(FormulaError) as info:
        compile("NOT(1, 2)")
    assert info.value.code == "arity"


# --------------------------------------------------------------------------- deliberate


def test_booleans_do_not_order_against_numbers() -> None:
    assert ev("x > 5", {"x": True}) == FormulaErrorValue("#VALUE!")  # Excel: TRUE
    with pytest.raises(FormulaError) as info:
        compile("done > 0", FLAGS)
    assert info.value.code == "type"
    assert "TRUE above every number" in info.value.message


def test_booleans_from_data_count_in_aggregates() -> None:
    assert ev("SUM(xs)", {"xs": [True, True, 1]}) == 3  # Excel's SUM of a range: 1
    assert ev("SUM(items, done)", {"items": [{"done": True}, {"done": True}]}) == 2


# --------------------------------------------------------------------------- warnings


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("2^3^2", "excel-power"),
        ("-x^2", "excel-power"),
        ("done = 1", "excel-boolean-equals"),
        ("score <> done", "excel-boolean-equals"),
        ("SUM(items, done)", "excel-boolean-aggregate"),
        ("AVG(items, score > 1)", "excel-boolean-aggregate"),
        ("MAX(flags)", "excel-boolean-aggregate"),
        ("SUM([TRUE, FALSE])", "excel-boolean-aggregate"),
        ("NOT(done) = FALSE", "excel-not"),
    ],
)
def test_a_formula_that_relies_on_a_difference_is_warned(text: str, code: str) -> None:
    schema = {
        "type": "object",
        "properties": {**FLAGS["properties"], "x": {"type": "number"}},
    }
    formula = compile(text, schema)
    assert [w.code for w in formula.warnings] == [code]
    [warning] = formula.warnings
    assert warning.code in WARNING_CODES
    assert (warning.line, warning.column) == (1, 1)
    assert "^" in warning.excerpt
    assert warning.to_dict()["message"] == warning.message


@pytest.mark.parametrize(
    "text",
    [
        "(2^3)^2",
        "2^(3^2)",
        "-(x^2)",
        "(-x)^2",
        "done = TRUE",
        "COUNT(items, done)",
        "SUM(items, IF(done, 1, 0))",
        "MAX(score > 1, 0)",  # typed as arguments, Excel counts them too
        "NOT done = FALSE",
        "NOT(done = FALSE)",
    ],
)
def test_formulas_that_mean_the_same_in_excel_are_not_warned(text: str) -> None:
    schema = {
        "type": "object",
        "properties": {**FLAGS["properties"], "x": {"type": "number"}},
    }
    assert codes(text, schema) == []


def test_the_built_in_scoring_template_has_no_warnings() -> None:
    import json

    from perfloop.engine import ScoringScheme
    from perfloop.paths import builtin_templates_dir

    path = builtin_templates_dir() / "scoring" / "standard-scoring.json"
    scheme = ScoringScheme(json.loads(path.read_text(encoding="utf-8")))
    assert scheme.kpi_formula is not None
    assert scheme.kpi_formula.warnings == ()
