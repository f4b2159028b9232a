"""NUL in any text input is refused with INVALID before execution, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from perfloop.store.org import OrgUnit
from support import GraphQLClient

CREATE_UNIT = """
mutation($input: CreateOrgUnitInput!) {
  createOrgUnit(input: $input) { orgUnit { id } errors { code } }
}"""
FORMULA = """
query($data: JSON) { evaluateFormula(formula: "1", data: $data) { value } }
"""


async def test_a_nul_in_a_variable_is_refused_and_nothing_is_written(
    gql: GraphQLClient, session: AsyncSession
) -> None:
    # given HR creating an org unit whose name holds NUL
    variables = {"input": {"code": "nul-unit", "name": "North\x00", "kind": "team"}}
    # when it is sent
    body = await gql.raw(CREATE_UNIT, variables, as_user="hr")
    # then it is refused with INVALID naming the variable, and no unit exists
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INVALID"
    assert "input.name" in error["message"]
    count = select(func.count()).select_from(OrgUnit).where(OrgUnit.code == "nul-unit")
    assert (await session.execute(count)).scalar_one() == 0


@pytest.mark.parametrize(
    "data",
    [{"a\x00": 1}, {"a": ["ok", "n\x00t"]}, {"a": {"b": "\x00"}}],
    ids=["key", "list", "nested"],
)
async def test_a_nul_anywhere_in_json_is_refused(gql: GraphQLClient, data: object) -> None:
    # when a JSON argument holds NUL in a key or a value, however deep
    body = await gql.raw(FORMULA, {"data": data}, as_user="employee")
    # then it is refused
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID"]


async def test_a_nul_in_a_string_literal_is_refused(gql: GraphQLClient) -> None:
    # when the query text itself holds an escaped NUL in a literal
    body = await gql.raw('{ template(key: "std\\u0000") { key } }', as_user="employee")
    # then it is refused with where it is
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INVALID"
    assert "line 1" in error["message"]


async def test_text_that_only_looks_like_an_escape_is_accepted(gql: GraphQLClient) -> None:
    # when a value holds the six characters \u0000, not the character
    data = await gql.ok(FORMULA, {"data": {"a": "\\u0000"}}, as_user="employee")
    # then it is answered
    assert data["evaluateFormula"]["value"] == 1


async def test_an_integer_past_64_bits_in_a_variable_is_typed(gql: GraphQLClient) -> None:
    # when a variable holds an integer JSON allows and orjson does not (past 64 bits)
    body = await gql.raw(
        'query($v: Int) { template(key: "x", version: $v) { id } }', {"v": 2**64}, as_user="hr"
    )
    # then it is refused as a value the Int type cannot hold, with a code
    [error] = body["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "$v" in error["message"]
    # and in a JSON value it is searched for NUL like any other
    nul = await gql.raw(FORMULA, {"data": {"big": 2**64, "t": "\x00"}}, as_user="employee")
    assert [e["extensions"]["code"] for e in nul["errors"]] == ["INVALID"]
