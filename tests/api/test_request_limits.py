"""Hostile requests are refused early, cheaply, with a code, and leave nothing open."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from perfloop.api.schema import CACHED_DOCUMENT_LENGTH, _parse
from support import GraphQLClient

ME = "{ me { user { email } } }"


async def post_as_employee(gql: GraphQLClient, body: str) -> httpx.Response:
    """A raw JSON body, sent as the demo employee."""
    return await gql.http.post(
        "/graphql",
        content=body,
        headers={
            "content-type": "application/json",
            "Authorization": f"Bearer {gql.token('employee')}",
        },
    )


QUERY_WITH_DATA = """
query($data: JSON) {
  me { user { email } }
  evaluateFormula(formula: "LEN(pad)", data: $data) { value }
}"""


async def test_a_body_past_the_limit_is_refused_before_anything(gql: GraphQLClient) -> None:
    # given a body larger than max_request_bytes
    limit = gql.settings.max_request_bytes
    body = json.dumps({"query": ME, "variables": {"pad": "x" * limit}})
    # when it is posted, with and without a Content-Length
    declared = await gql.http.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )

    async def stream():  # type: ignore[no-untyped-def]
        for i in range(0, len(body), 65536):
            yield body[i : i + 65536].encode()

    streamed = await gql.http.post(
        "/graphql", content=stream(), headers={"content-type": "application/json"}
    )
    # then both are 413 with a code, and no token was needed to learn it
    for response in (declared, streamed):
        assert response.status_code == 413
        assert response.json()["errors"][0]["extensions"]["code"] == "TOO_LARGE"


async def test_a_document_past_the_limit_is_refused_before_it_is_parsed(
    gql: GraphQLClient,
) -> None:
    # given a query whose comment makes it longer than max_query_length
    query = ME + " #" + "x" * gql.settings.max_query_length
    # when it is sent by a signed-in user
    response = await gql.http.post(
        "/graphql",
        json={"query": query},
        headers={"Authorization": f"Bearer {gql.token('employee')}"},
    )
    # then it is refused with a code
    assert response.status_code == 413
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "TOO_LARGE"
    assert "characters" in body["errors"][0]["message"]


@pytest.mark.parametrize("depth", [100_000])
async def test_json_nested_thousands_deep_is_a_bad_request(gql: GraphQLClient, depth: int) -> None:
    # given a JSON body nested far past any real request
    body = '{"query": "{ me { roles } }", "variables": {"v": ' + "[" * depth + "]" * depth + "}}"
    # when it is posted
    response = await post_as_employee(gql, body)
    # then it is a 400 with a code, not a crash
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_a_request_within_the_limits_still_works(gql: GraphQLClient) -> None:
    # given an ordinary query padded with variables just under the body limit
    pad = "x" * (gql.settings.max_request_bytes // 2)
    # when it is sent
    data = await gql.ok(
        QUERY_WITH_DATA,
        {"data": {"pad": pad}},
        as_user="employee",
    )
    # then it is answered
    assert data["me"]["user"]["email"].startswith("employee@")
    assert data["evaluateFormula"]["value"] == len(pad)


async def test_only_short_documents_are_cached(gql: GraphQLClient) -> None:
    # given the parse cache as it is (possibly full: earlier tests sent many documents)
    before = _parse.cache_info().misses
    long_query = ME + " #" + "x" * CACHED_DOCUMENT_LENGTH
    # when a long and a new short document are answered
    long = await gql.ok(long_query, as_user="employee")
    short = await gql.ok(f"{ME} # a text not sent before: {uuid.uuid4()}", as_user="employee")
    # then both are answered, and only the short one went through the cache
    assert long == short
    assert _parse.cache_info().misses == before + 1


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
async def test_nan_and_infinity_are_not_json(gql: GraphQLClient, constant: str) -> None:
    # given a body that Python's json module would read, but that is not JSON
    body = json.dumps({"query": QUERY_WITH_DATA, "variables": {"data": {"x": "X"}}})
    body = body.replace('"X"', constant)
    # when it is posted
    response = await post_as_employee(gql, body)
    # then it is a bad request, on both databases alike
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_a_float_literal_past_the_double_range_is_invalid(gql: GraphQLClient) -> None:
    # when a query's JSON literal holds a number no double can hold
    body = await gql.raw(
        '{ evaluateFormula(formula: "x", data: {x: 1e999}) { value } }', as_user="employee"
    )
    # then it is refused as invalid input, not answered with infinity or INTERNAL
    assert body.get("data") is None
    assert [e["extensions"].get("code") for e in body["errors"]] == ["INVALID"]


async def test_a_variable_past_the_double_range_is_a_bad_request(gql: GraphQLClient) -> None:
    # given variables holding a number Python would read as infinity
    body = json.dumps({"query": QUERY_WITH_DATA, "variables": {"data": {"x": "X"}}})
    body = body.replace('"X"', "1e999")
    # when it is posted
    response = await post_as_employee(gql, body)
    # then it is a bad request
    assert response.status_code == 400
    assert "past a double's range" in response.json()["errors"][0]["message"]
