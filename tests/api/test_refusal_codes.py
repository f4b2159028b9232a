"""Every refusal before execution carries a code a client can branch on: a
document that does not parse, one that does not validate (limits included),
and variables that do not fit their types."""

from __future__ import annotations

import pytest

from support import GraphQLClient

ALIASES = "{ " + " ".join(f"a{i}: me {{ roles }}" for i in range(31)) + " }"
DEEP = "{ orgUnit(id: 1) { " + "parent { " * 14 + "id" + " }" * 14 + " } }"
TOKENS = "{ " + "a: me { roles } " * 1_000 + "}"
FIRST = "query($f: Int) { employees(first: $f) { totalCount } }"


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        ("{ me { ", {}, "GRAPHQL_PARSE_FAILED"),
        (TOKENS, {}, "GRAPHQL_PARSE_FAILED"),
        ("{ nope }", {}, "GRAPHQL_VALIDATION_FAILED"),
        (ALIASES, {}, "GRAPHQL_VALIDATION_FAILED"),
        (DEEP, {}, "GRAPHQL_VALIDATION_FAILED"),
        (FIRST, {"f": "ten"}, "GRAPHQL_VALIDATION_FAILED"),
        (FIRST, {"f": 10**20}, "GRAPHQL_VALIDATION_FAILED"),  # past 64 bits, too
    ],
    ids=["syntax", "tokens", "unknown-field", "aliases", "depth", "bad-int", "huge-int"],
)
async def test_a_refused_document_has_a_code(
    gql: GraphQLClient, query: str, variables: dict[str, object], code: str
) -> None:
    body = await gql.raw(query, variables, as_user="employee")
    assert body.get("data") is None
    assert [e["extensions"]["code"] for e in body["errors"]] == [code] * len(body["errors"])
