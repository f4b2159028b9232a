"""evaluateFormula: values, explanations and positioned errors."""

from __future__ import annotations

from support import GraphQLClient

EVALUATE = """
query($formula: String!, $data: JSON, $explain: Boolean!) {
  evaluateFormula(formula: $formula, data: $data, explain: $explain) {
    value explanation errors { code message line column excerpt suggestion }
  }
}"""


async def test_value_and_explanation(gql: GraphQLClient) -> None:
    variables = {
        "formula": "IF(actual >= target, 100, ROUND(actual / target * 100, 1))",
        "data": {"actual": 80, "target": 90},
        "explain": True,
    }
    result = (await gql.ok(EVALUATE, variables, as_user="employee"))["evaluateFormula"]
    assert result["value"] == 88.9
    assert result["errors"] == []
    tree = result["explanation"]
    assert tree["text"] == variables["formula"]
    assert tree["value"] == 88.9
    assert tree["children"][0]["text"] == "actual >= target"


async def test_errors_are_positioned_with_a_suggestion(gql: GraphQLClient) -> None:
    variables = {"formula": "1 +\n  SUMM(a, b)", "data": {}, "explain": False}
    result = (await gql.ok(EVALUATE, variables, as_user="employee"))["evaluateFormula"]
    assert result["value"] is None
    [error] = result["errors"]
    assert (error["line"], error["column"], error["suggestion"]) == (2, 3, "SUM")
    assert "SUMM" in error["excerpt"]


async def test_runtime_errors_are_values(gql: GraphQLClient) -> None:
    variables = {"formula": "actual / target", "data": {"actual": 1, "target": 0}, "explain": False}
    result = (await gql.ok(EVALUATE, variables, as_user="employee"))["evaluateFormula"]
    assert result["value"]["error"] == "#DIV/0!"


async def test_data_must_be_an_object(gql: GraphQLClient) -> None:
    body = await gql.raw(
        EVALUATE, {"formula": "1", "data": [1], "explain": False}, as_user="employee"
    )
    assert body["errors"][0]["extensions"]["code"] == "INVALID"
    assert "data" in body["errors"][0]["message"]


EVALUATE_WITH_VARIABLES = """
query($formula: String!, $data: JSON, $variables: JSON) {
  evaluateFormula(formula: $formula, data: $data, variables: $variables) {
    value errors { code message suggestion } warnings { code message line column excerpt }
  }
}"""

SALES = {
    "type": "object",
    "properties": {"actual": {"type": "number"}, "target": {"type": "number"}},
    "additionalProperties": False,
}


async def test_variables_catch_a_misspelt_name(gql: GraphQLClient) -> None:
    # given a formula with a typo, which without a schema reads null
    variables = {"formula": "actual / traget", "data": {"actual": 1, "target": 2}}
    loose = await gql.ok(EVALUATE_WITH_VARIABLES, variables, as_user="employee")
    assert loose["evaluateFormula"]["value"] is None
    # when the data's schema is given
    strict = await gql.ok(
        EVALUATE_WITH_VARIABLES, {**variables, "variables": SALES}, as_user="employee"
    )
    # then the typo is an error with a suggestion
    [error] = strict["evaluateFormula"]["errors"]
    assert (error["code"], error["suggestion"]) == ("unknown-name", "target")


async def test_warnings_say_where_excel_reads_a_formula_differently(gql: GraphQLClient) -> None:
    variables = {"formula": "-actual^2", "data": {"actual": 3}, "variables": SALES}
    result = (await gql.ok(EVALUATE_WITH_VARIABLES, variables, as_user="employee"))[
        "evaluateFormula"
    ]
    assert result["value"] == -9
    [warning] = result["warnings"]
    assert (warning["code"], warning["line"], warning["column"]) == ("excel-power", 1, 1)
    assert "-actual^2" in warning["excerpt"]


async def test_overflow_is_a_num_value(gql: GraphQLClient) -> None:
    variables = {"formula": "IFERROR(actual * 10, -1) + actual * 10", "data": {"actual": 9e307}}
    result = (await gql.ok(EVALUATE_WITH_VARIABLES, variables, as_user="employee"))[
        "evaluateFormula"
    ]
    assert result["value"]["error"] == "#NUM!"
    assert "Error" not in result["value"]["message"]
    explained = (await gql.ok(EVALUATE, {**variables, "explain": True}, as_user="employee"))[
        "evaluateFormula"
    ]
    tree = explained["explanation"]
    assert tree["value"]["error"] == "#NUM!"
    assert tree["children"][0]["value"] == -1  # IFERROR caught it


async def test_a_bad_variables_schema_is_invalid_naming_the_field(gql: GraphQLClient) -> None:
    for schema in ([1], {"type": 5}):
        body = await gql.raw(
            EVALUATE_WITH_VARIABLES, {"formula": "1", "variables": schema}, as_user="employee"
        )
        [error] = body["errors"]
        assert error["extensions"]["code"] == "INVALID"
        assert error["message"].startswith("variables")


async def test_data_must_match_the_variables_schema(gql: GraphQLClient) -> None:
    variables = {"formula": "actual", "data": {"actual": "ten"}, "variables": SALES}
    body = await gql.raw(EVALUATE_WITH_VARIABLES, variables, as_user="employee")
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INVALID"
    assert "data['actual']" in error["message"]
