"""The formula language, operator by operator and function by function."""

from __future__ import annotations

from typing import Any

import pytest

from perfloop.engine import FormulaErrorValue, compile, to_json


def ev(text: str, data: dict[str, Any] | None = None, **variables: Any) -> Any:
    """Evaluate `text` and check that the fast code and the interpreter agree."""
    formula = compile(text, variables or None)
    fast = formula.evaluate(data or {})
    reference = formula.evaluate_reference(data or {})
    assert fast == reference, (text, fast, reference)
    assert type(fast) is type(reference) or {type(fast), type(reference)} <= {int, float, bool}
    return fast


def is_error(value: Any, code: str) -> bool:
    return isinstance(value, FormulaErrorValue) and value.code == code


# --------------------------------------------------------------------------- literals


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1", 1),
        ("2.5", 2.5),
        ("1e3", 1000.0),
        (".5", 0.5),
        ('"text"', "text"),
        ("'single'", "single"),
        ('"say ""hi"""', 'say "hi"'),
        ("TRUE", True),
        ("false", False),
        ("NULL", None),
        ("[1, 2, 3]", [1, 2, 3]),
        ("[]", []),
        ('"中文"', "中文"),
    ],
)
def test_literals(text: str, value: Any) -> None:
    assert ev(text) == value


# --------------------------------------------------------------------------- operators


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("7 / 2", 3.5),
        ("2 ^ 10", 1024),
        ("2 ^ 3 ^ 2", 512),  # right-associative, as in mathematics
        ("-2 ^ 2", -4),  # ^ binds tighter than unary minus
        ("2 ^ -1", 0.5),
        ("50%", 0.5),
        ("200 * 15%", 30.0),
        ("-(3)", -3),
        ("+4", 4),
        ("10 - 2 - 3", 5),
        ("1 = 1", True),
        ("1 == 1", True),
        ("1 <> 2", True),
        ("1 != 1", False),
        ("2 < 3", True),
        ("3 <= 3", True),
        ("4 > 5", False),
        ("5 >= 5", True),
        ('"a" = "A"', True),  # text compares ignoring case, as Excel
        ('"apple" < "Banana"', True),
        ('1 = "1"', False),
        ('"a" & "b"', "ab"),
        ('"n=" & 3 & "/" & 2.5 & TRUE', "n=3/2.5TRUE"),
        ('"x" & NULL', "x"),
        ("TRUE AND FALSE", False),
        ("TRUE OR FALSE", True),
        ("NOT TRUE", False),
        ("NOT 1 = 2", True),  # NOT binds looser than comparison
        ("1 < 2 AND 2 < 3", True),
        ("TRUE + 1", 2),  # booleans are 1 and 0 in arithmetic
    ],
)
def test_operators(text: str, value: Any) -> None:
    result = ev(text)
    assert result == value
    assert type(result) is type(value) or isinstance(value, float)


def test_keywords_and_functions_are_case_insensitive_but_names_are_not() -> None:
    assert ev("sum(1, 2) + Max(3, 4)") == 7
    assert ev("true and not false") is True
    assert ev("Actual + actual", {"Actual": 1, "actual": 10}) == 11


def test_names_that_start_with_a_keyword_are_names() -> None:
    assert (
        ev(
            "android + orders + nothing + trueness",
            {"android": 1, "orders": 2, "nothing": 3, "trueness": 4},
        )
        == 10
    )


def test_dotted_paths_and_unicode_names() -> None:
    data = {"kpi": {"weight": 30, "target": {"value": 5}}, "销售额": 200}
    assert ev("kpi.weight * kpi.target.value", data) == 150
    assert ev("销售额 / 2", data) == 100.0
    assert ev("kpi.missing", data) is None
    assert is_error(ev("kpi.weight.x", data), "#VALUE!")


def test_multiline_formulas() -> None:
    assert ev("IF(x > 1,\n   x * 2,\n   0)", {"x": 3}) == 6


# --------------------------------------------------------------------------- null and errors


@pytest.mark.parametrize(
    "text", ["x + 1", "1 - x", "x * 2", "x / 2", "x ^ 2", "-x", "x%", "x < 1", "x >= 1", "ABS(x)"]
)
def test_null_propagates(text: str) -> None:
    assert ev(text, {"x": None}) is None
    assert ev(text) is None  # missing data is null


def test_null_in_equality_and_text() -> None:
    assert ev("x = NULL", {"x": None}) is True
    assert ev("x = 0", {"x": None}) is False
    assert ev("x <> 0", {}) is True
    assert ev('"a" & x & "b"', {}) == "ab"


def test_three_valued_logic() -> None:
    assert ev("x AND FALSE", {}) is False
    assert ev("x AND TRUE", {}) is None
    assert ev("x OR TRUE", {}) is True
    assert ev("x OR FALSE", {}) is None
    assert ev("NOT x", {}) is None


def test_division_by_zero_is_an_error_value_that_propagates() -> None:
    value = ev("1 / x", {"x": 0})
    assert is_error(value, "#DIV/0!")
    assert is_error(ev("(1 / x) * 5 + 2", {"x": 0}), "#DIV/0!")
    assert is_error(ev("1 / 0.0"), "#DIV/0!")
    assert is_error(ev("MOD(5, 0)"), "#DIV/0!")
    assert to_json(value) == {"error": "#DIV/0!", "message": "division by zero"}


def test_error_wins_over_null_and_left_error_wins() -> None:
    assert is_error(ev("x + 1/0", {}), "#DIV/0!")
    assert is_error(ev("1/0 + (a + 1)", {"a": "a"}), "#DIV/0!")
    assert is_error(ev("(a + 1) + 1/0", {"a": "a"}), "#VALUE!")


def test_wrong_types_at_run_time_give_value_errors() -> None:
    assert is_error(ev("x + 1", {"x": "abc"}), "#VALUE!")
    assert is_error(ev("x * 3", {"x": "ab"}), "#VALUE!")  # never Python's "ababab"
    assert is_error(ev("x + y", {"x": [1], "y": [2]}), "#VALUE!")
    assert is_error(ev("x < 1", {"x": "a"}), "#VALUE!")
    assert is_error(ev("IF(x, 1, 2)", {"x": "yes"}), "#VALUE!")


def test_overflow_is_a_num_error() -> None:
    assert is_error(ev("9 ^ 9 ^ 9"), "#NUM!")
    assert is_error(ev("x * x", {"x": 1e308}), "#NUM!")  # an infinite result never escapes
    assert is_error(ev("(-8) ^ 0.5"), "#NUM!")  # no complex numbers


def test_iferror_catches_errors_only() -> None:
    assert ev("IFERROR(1 / x, -1)", {"x": 0}) == -1
    assert ev("IFERROR(1 / x, -1)", {"x": 4}) == 0.25
    assert ev("IFERROR(x, -1)", {}) is None
    assert ev("ISERROR(1/0)") is True
    assert ev("ISERROR(1)") is False


# --------------------------------------------------------------------------- functions


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("IF(TRUE, 1, 2)", 1),
        ("IF(0, 1, 2)", 2),
        ("IF(5, 1, 2)", 1),
        ("IF(FALSE, 1)", False),
        ("IFS(1 > 2, 'a', 2 > 1, 'b')", "b"),
        ("AND(TRUE, 1, 2 > 1)", True),
        ("OR(FALSE, 0)", False),
        ("MIN(3, 1, 2)", 1),
        ("MAX(3, 1, 2)", 3),
        ("MIN([4, 2], 3)", 2),
        ("SUM(1, 2, 3)", 6),
        ("SUM([1, 2, 3])", 6),
        ("SUM([1, 2], 3, [4])", 10),
        ("AVG(1, 2, 3, 4)", 2.5),
        ("AVERAGE([2, 4])", 3.0),
        ("COUNT(1, NULL, 'a')", 2),
        ("COUNT([1, 2, NULL])", 2),
        ("ROUND(2.5)", 3),
        ("ROUND(-2.5)", -3),
        ("ROUND(2.675, 2)", 2.68),
        ("ROUND(1234.5678, -2)", 1200),
        ("ROUND(0.125, 2)", 0.13),
        ("ROUNDUP(2.01)", 3),
        ("ROUNDUP(-2.01)", -3),
        ("ROUNDDOWN(2.99)", 2),
        ("ROUNDDOWN(-2.99, 1)", -2.9),
        ("ABS(-4)", 4),
        ("CLAMP(150, 0, 120)", 120),
        ("CLAMP(-5, 0, 120)", 0),
        ("CLAMP(50, 0, 120)", 50),
        ("CLAMP(150, NULL, 120)", 120),
        ("COALESCE(NULL, NULL, 3, 4)", 3),
        ("COALESCE(NULL)", None),
        ("MOD(7, 3)", 1),
        ("MOD(-7, 3)", 2),  # the sign of the divisor, as Excel
        ("SUMPRODUCT([1, 2, 3], [4, 5, 6])", 32),
        ("SUMPRODUCT([1, NULL], [4, 5])", 4),
        ("CONCAT('a', 1, TRUE)", "a1TRUE"),
        ("LEN('perfloop')", 8),
        ("LEN([1, 2])", 2),
        ("ISBLANK(NULL)", True),
        ("ISBLANK(0)", False),
        ("ISNUMBER(1)", True),
        ("ISNUMBER('1')", False),
        ("ISTEXT('1')", True),
        ("LET(x, 2, y, x * 3, x + y)", 8),
        ("BAND(86, [60, 70, 85, 95], ['D', 'C', 'B', 'A', 'S'])", "A"),
        ("BAND(72, [60, 70, 85, 95], ['D', 'C', 'B', 'A', 'S'])", "B"),
        ("BAND(95, [60, 70, 85, 95], ['D', 'C', 'B', 'A', 'S'])", "S"),
        ("BAND(10, [60, 70, 85, 95], ['D', 'C', 'B', 'A', 'S'])", "D"),
        ("BAND(60, [60, 70], [0, 1, 2])", 1),
        ("INTERP(90, [80, 100, 120], [0, 1, 1.5])", 0.5),
        ("INTERP(130, [80, 100, 120], [0, 1, 1.5])", 1.5),
        ("INTERP(10, [80, 100, 120], [0, 1, 1.5])", 0),
        ("COMPLETION(120, 100, 'higher')", 1.2),
        ("COMPLETION(120, 100)", 1.2),
        ("COMPLETION(1, 2, 'lower')", 1.5),
        ("COMPLETION(3, 2, 'lower')", 0.5),
        ("COMPLETION(95, 100, 'closest')", 0.95),
        ("COMPLETION(105, 100, 'closest')", 0.95),
        ("COMPLETION(5, 0, 'higher')", 1.0),
        ("COMPLETION(-1, 0, 'higher')", 0.0),
        ("COMPLETION(0, 0, 'closest')", 1.0),
        ("COMPLETION(-50, -100, 'higher')", 1.5),
        ("COMPLETION(NULL, 100, 'higher')", None),
        ("COMPLETION(100, NULL, 'higher')", None),
        ("TIER(72, [{'x': 1}], 'x', 'x')", None),
    ],
)
def test_functions(text: str, value: Any) -> None:
    if "{" in text:  # no record literals in the language: a syntax error
        with pytest.raises(Exception, match="unexpected"):
            compile(text)
        return
    assert ev(text) == value


def test_if_is_lazy() -> None:
    assert ev("IF(TRUE, 1, 1/0)") == 1
    assert ev("IF(x > 0, 10 / x, 0)", {"x": 0}) == 0
    assert ev("IF(x, 1, 2)", {}) is None  # an unknown condition gives null


def test_and_or_stop_early() -> None:
    assert ev("AND(x <> 0, 10 / x > 1)", {"x": 0}) is False
    assert ev("OR(x = 0, 10 / x > 1)", {"x": 0}) is True


def test_ifs_without_a_true_condition_is_na() -> None:
    assert is_error(ev("IFS(1 > 2, 'a')"), "#N/A")


def test_band_and_interp_check_their_tables_at_run_time() -> None:
    assert is_error(ev("BAND(1, t, ['a', 'b'])", {"t": [2, 1]}), "#VALUE!")
    assert is_error(ev("BAND(1, t, ['a'])", {"t": [1]}), "#VALUE!")
    assert ev("BAND(x, [1], ['lo', 'hi'])", {}) is None


def test_tier_and_field() -> None:
    bands = [
        {"band": "S", "min_score": 95},
        {"band": "B", "min_score": 70},
        {"band": "D", "min_score": 0},
    ]
    assert ev("TIER(x, bands, 'min_score', 'band')", {"x": 72, "bands": bands}) == "B"
    assert ev("TIER(x, bands, 'min_score', 'band')", {"x": 99, "bands": bands}) == "S"
    assert ev("TIER(x, bands, 'min_score', 'band')", {"x": -1, "bands": bands}) is None
    mult = {"S": 1.5, "B": 1.0}
    assert ev("FIELD(m, r)", {"m": mult, "r": "S"}) == 1.5
    assert ev("FIELD(m, r)", {"m": mult, "r": "X"}) is None


def test_completion_direction_is_checked_at_run_time() -> None:
    assert is_error(ev("COMPLETION(1, 2, d)", {"d": "sideways"}), "#VALUE!")
    assert ev("COMPLETION(1, 2, d)", {"d": "Lower"}) == 1.5


def test_round_returns_integers_for_whole_results() -> None:
    assert isinstance(ev("ROUND(2.4)"), int)
    assert isinstance(ev("ROUND(2.45, 1)"), float)


# --------------------------------------------------------------------------- aggregates

ITEMS = [
    {"key": "a", "weight": 60, "score": 80, "done": True},
    {"key": "b", "weight": 40, "score": 100, "done": False},
]


def test_aggregates_over_records_without_a_schema() -> None:
    data = {"items": ITEMS}
    assert ev("SUM(items, weight * score) / 100", data) == 88.0
    assert ev("AVG(items, score)", data) == 90.0
    assert ev("MIN(items, score)", data) == 80
    assert ev("MAX(items, score)", data) == 100
    assert ev("COUNT(items)", data) == 2
    assert ev("COUNT(items, score > 90)", data) == 1
    assert ev("COUNT(items, done)", data) == 1


def test_aggregates_over_records_with_a_schema() -> None:
    item = {"type": "object", "properties": {k: {"type": "number"} for k in ("weight", "score")}}
    variables = {
        "type": "object",
        "properties": {"items": {"type": "array", "items": item}, "bonus": {"type": "number"}},
    }
    formula = compile("SUM(items, weight * score * bonus)", variables)
    assert formula.evaluate({"items": ITEMS, "bonus": 2}) == 17600
    assert formula.names == frozenset({"items", "bonus"})


def test_record_fields_shadow_outer_names() -> None:
    data = {"items": ITEMS, "score": 1000, "rate": 2}
    assert ev("SUM(items, score * rate)", data) == 360  # score from each record, rate from outside


def test_aggregates_skip_nulls_and_keep_errors() -> None:
    items = [{"v": 1}, {"v": None}, {"v": 3}]
    assert ev("SUM(items, v)", {"items": items}) == 4
    assert ev("AVG(items, v)", {"items": items}) == 2.0
    assert ev("COUNT(items)", {"items": items}) == 3
    assert is_error(ev("SUM(items, 1 / v)", {"items": [{"v": 0}]}), "#DIV/0!")


def test_aggregates_of_nothing() -> None:
    assert ev("SUM(items, v)", {"items": []}) == 0
    assert is_error(ev("AVG(items, v)", {"items": []}), "#DIV/0!")
    assert ev("MAX(items, v)", {"items": []}) is None
    assert ev("COUNT(items, v > 1)", {"items": []}) == 0
    assert ev("SUM(items, v)", {}) is None  # no list at all: unknown, not zero
    assert ev("COUNT(items, v > 1)", {}) == 0


def test_plain_list_with_two_arguments_is_the_plain_form() -> None:
    assert ev("SUM(xs, 5)", {"xs": [1, 2]}) == 8
    assert ev("MAX(xs, 10)", {"xs": [1, 20]}) == 20


def test_nested_aggregates() -> None:
    teams = {"teams": [{"members": [{"s": 1}, {"s": 2}]}, {"members": [{"s": 10}]}]}
    assert ev("SUM(teams, SUM(members, s))", teams) == 13
    assert ev("MAX(teams, COUNT(members))", teams) == 2


def test_streaks() -> None:
    periods = [{"c": 1.1}, {"c": 0.9}, {"c": 1.0}, {"c": 1.2}]
    assert ev("STREAK(periods, c >= 1)", {"periods": periods}) == 2
    assert ev("MAXSTREAK(periods, c >= 1)", {"periods": periods}) == 2
    assert ev("STREAK([TRUE, TRUE, FALSE])") == 0
    assert ev("MAXSTREAK([TRUE, TRUE, FALSE])") == 2
    assert ev("STREAK(periods, c >= 1)", {"periods": [{"c": 1}, {"c": None}, {"c": 1}]}) == 1


def test_let_scopes() -> None:
    assert ev("LET(x, 1, LET(x, x + 1, x) + x)") == 3
    assert ev("SUM(items, LET(s, score / 10, s * s))", {"items": ITEMS}) == 164.0
    assert ev("LET(t, 2, SUM(items, score * t))", {"items": ITEMS}) == 360


def test_constants_are_inlined_and_checked() -> None:
    formula = compile(
        "x * params.rate",
        {"type": "object", "properties": {"x": {"type": "number"}}},
        constants={"params": {"rate": 3}},
    )
    assert formula.evaluate({"x": 2}) == 6
    assert "3" in formula.source


# --------------------------------------------------------------------------- explain and json


def test_explain_shows_each_step() -> None:
    formula = compile("SUM(items, weight * score) / 100")
    tree = formula.explain({"items": ITEMS})
    assert tree.value == 88.0
    as_dict = tree.to_dict()
    assert as_dict["text"] == "SUM(items, weight * score) / 100"
    sum_node = as_dict["children"][0]
    assert sum_node["text"] == "SUM(items, weight * score)"
    assert sum_node["value"] == 8800
    assert [c["value"] for c in sum_node["children"][1:]] == [4800, 4000]
    assert set(as_dict) == {"text", "value", "children"}


def test_explain_skips_the_branch_not_taken_and_shows_errors_as_json() -> None:
    tree = compile("IF(x > 0, 10 / x, IFERROR(1 / 0, 7))").explain({"x": 0})
    texts = [c["text"] for c in tree.to_dict()["children"]]
    assert "10 / x" not in texts
    assert tree.value == 7
    inner = compile("1 / x").explain({"x": 0}).to_dict()
    assert inner["value"] == {"error": "#DIV/0!", "message": "division by zero"}


def test_explain_agrees_with_evaluate() -> None:
    for text, data in [
        ("ROUND(a / b * 100, 1)", {"a": 2, "b": 3}),
        ("COALESCE(a, 5) + b", {"b": 1}),
        ("BAND(a, [1, 2], ['x', 'y', 'z'])", {"a": 1.5}),
    ]:
        formula = compile(text)
        assert formula.explain(data).value == formula.evaluate(data)


def test_to_json() -> None:
    from decimal import Decimal

    assert to_json([1, 2.5, "a", None, True, {"k": Decimal("2")}, Decimal("1.5")]) == [
        1,
        2.5,
        "a",
        None,
        True,
        {"k": 2},
        1.5,
    ]
    assert to_json(FormulaErrorValue("#N/A")) == {"error": "#N/A"}
    assert to_json(float("inf")) == {"error": "#NUM!"}


def test_decimals_in_data_are_numbers() -> None:
    from decimal import Decimal

    assert ev("x * 2", {"x": Decimal("1.5")}) == Decimal("3.0")
    assert ev("x + 0.5", {"x": Decimal("1.5")}) == 2.0
