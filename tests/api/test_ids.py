"""A malformed or out-of-range id answers like a missing object, on both databases."""

from __future__ import annotations

import pytest

from support import GraphQLClient

LOOKUPS = """
query($id: ID!) {
  orgUnit(id: $id) { id }
  employee(id: $id) { id }
  installedApp(id: $id) { id }
  cycle(id: $id) { id }
  checkins(scorecard: $id) { totalCount edges { node { id } } }
}"""
IN_A_CYCLE = [
    "query($id: ID!) { scorecard(employee: $id, cycle: $id) { id } }",
    "query($id: ID!) { goals(cycle: $id) { edges { node { id } } } }",
]
MOVE = """
mutation($id: ID!) {
  moveOrgUnit(id: $id, parent: null) { orgUnit { id } errors { code path } }
}"""

BAD_IDS = [
    "99999999999",  # past a 32-bit integer column
    "2147483648",  # one past the largest 32-bit id
    "²",  # a digit to str.isdigit(), not to int()
    "٣",  # an Arabic-Indic three
    "-1",
    " 7",  # (an id holding NUL is refused as INVALID, as any text is: test_nul_inputs)
    "",
]


@pytest.mark.parametrize("bad", BAD_IDS, ids=repr)
async def test_a_bad_id_finds_nothing(gql: GraphQLClient, bad: str) -> None:
    # when HR looks objects up by an id that names no row
    data = await gql.ok(LOOKUPS, {"id": bad}, as_user="hr")
    # then each answers as missing, never as INTERNAL
    assert data == {
        "orgUnit": None,
        "employee": None,
        "installedApp": None,
        "cycle": None,
        "checkins": {"totalCount": 0, "edges": []},
    }


@pytest.mark.parametrize("query", IN_A_CYCLE)
@pytest.mark.parametrize("bad", BAD_IDS, ids=repr)
async def test_a_bad_cycle_id_is_a_missing_cycle(gql: GraphQLClient, bad: str, query: str) -> None:
    # when HR reads a cycle's plans or goals by an id that names no cycle
    body = await gql.raw(query, {"id": bad}, as_user="hr")
    # then the answer is the one for any missing cycle
    assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"]


@pytest.mark.parametrize("bad", BAD_IDS[:4], ids=repr)
async def test_a_bad_id_in_a_mutation_is_not_found(gql: GraphQLClient, bad: str) -> None:
    # when HR moves an org unit named by a bad id
    data = await gql.ok(MOVE, {"id": bad}, as_user="hr")
    # then the payload says it was not found
    assert data["moveOrgUnit"] == {
        "orgUnit": None,
        "errors": [{"code": "NOT_FOUND", "path": ["id"]}],
    }
