"""Errors a client causes in its document or variables carry a code, and a
failing field never leaves the request hanging (found by bench/fuzz.py)."""

from __future__ import annotations

import asyncio

import pytest

from support import GraphQLClient

#: A non-null root field that fails (INVALID) beside fields that query the
#: database: graphql-core cancels those siblings when the failure nulls the
#: whole result. Cut in the middle of a query, the shared connection was
#: terminated by several siblings at once, and on SQLite the request never ended.
FAILING_BESIDE_READS = """
{
  templates(kind: "no-such-kind") { totalCount }
  cycles(first: 5) { edges { node { id parent { id } } } }
  orgUnits(first: 5) { edges { node { id parent { id } } } }
  employees(first: 5) { totalCount }
  goals(cycle: "1", first: 5) { edges { node { id } } }
}"""


async def test_a_failing_field_beside_database_reads_is_answered(gql: GraphQLClient) -> None:
    # when HR sends a query whose non-null field fails beside fields reading rows
    body = await asyncio.wait_for(gql.raw(FAILING_BESIDE_READS, as_user="hr"), timeout=60)
    # then the failure is answered, typed, and the next request works as usual
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID"]
    again = await gql.ok("{ me { roles } }", as_user="hr")
    assert "hr" in again["me"]["roles"]


@pytest.mark.parametrize(
    ("query", "variables", "says"),
    [
        ("{ templates(kind: 0) { totalCount } }", None, "String cannot represent"),
        ("{ goalGapReport(goal: 0.5) { goalId } }", None, "ID cannot represent"),
        ("mutation { publishTemplate(document: null) { created } }", None, "JSON!"),
        ("mutation { publishTemplate { created } }", None, "is required"),
        ("{ template(key: 1 }", None, "Syntax Error"),
        ("{ me { noSuchField } }", None, "noSuchField"),
        ("query($k: String!) { template(key: $k) { key } }", {}, "$k"),
        ("query($k: String) { template(key: $k) { key } }", {"k": 5}, "$k"),
    ],
    ids=["literal", "id", "null", "missing", "syntax", "field", "no-variable", "variable"],
)
async def test_a_document_that_does_not_fit_the_schema_is_refused_with_a_code(
    gql: GraphQLClient, query: str, variables: dict[str, object] | None, says: str
) -> None:
    # when a document or its variables do not fit the schema
    body = await gql.raw(query, variables, as_user="hr")
    # then each error says what is wrong and carries a code: the text does not parse,
    # or the document (with its variables) does not validate
    [error] = body["errors"]
    assert says in error["message"]
    expected = "GRAPHQL_PARSE_FAILED" if says == "Syntax Error" else "GRAPHQL_VALIDATION_FAILED"
    assert error["extensions"]["code"] == expected


@pytest.mark.parametrize(
    ("mutation", "argument"),
    [
        ('mutation { moveOrgUnit(id: "1") { errors { code message path } } }', "parent"),
        ('mutation { enterActual(item: "1") { errors { code message path } } }', "value"),
    ],
)
async def test_an_argument_without_a_default_must_be_sent(
    gql: GraphQLClient, mutation: str, argument: str
) -> None:
    # when HR leaves out an argument that may be null but has no default
    data = await gql.ok(mutation, as_user="hr")
    # then the payload says which one, with INVALID, and nothing runs
    [payload] = data.values()
    [error] = payload["errors"]
    assert (error["code"], error["path"]) == ("INVALID", [argument])


SET_ITEMS = """
mutation($items: [ScorecardItemInput!]!) {
  setScorecardItems(cycle: "1", employee: "1", items: $items) { errors { code } }
}"""


@pytest.mark.parametrize("thresholds", ["abc", [1, 2], 3], ids=["string", "array", "number"])
async def test_thresholds_that_are_not_an_object_are_invalid_not_dropped(
    gql: GraphQLClient, thresholds: object
) -> None:
    # when HR sends an item whose thresholds are not a JSON object
    items = [{"weight": 100, "key": "k", "title": "T", "thresholds": thresholds}]
    body = await gql.raw(SET_ITEMS, {"items": items}, as_user="hr")
    # then the request is refused before it runs, naming where (it used to be dropped)
    [error] = body["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "items" in error["message"]
    assert "thresholds" in error["message"]
    assert "JSON object" in error["message"]
