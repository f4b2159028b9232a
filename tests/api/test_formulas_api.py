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
