"""Lists that grow with the company are pages: walking them page by page gives
every row once, in the order of one large page, and a cursor that is not one
of ours is INVALID naming `after` — never INTERNAL — on both databases."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import pytest

from perfloop.demo.context import current_quarter
from support import GraphQLClient, nodes
from support.plans import NewCycle

CYCLES = """
query($first: Int, $after: String) {
  cycles(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { id } }
  }
}"""
ORG_UNITS = """
query($first: Int, $after: String) {
  orgUnits(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { id } }
  }
}"""
TEAM = """
query($cycle: ID!, $first: Int, $after: String) {
  teamScorecards(cycle: $cycle, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { id } }
  }
}"""
GOALS = """
query($cycle: ID!, $first: Int, $after: String) {
  goals(cycle: $cycle, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { id } }
  }
}"""
REPORT = """
query($cycle: ID!, $first: Int, $after: String) {
  planReport(cycle: $cycle, groupBy: [ORG_UNIT, INDICATOR], first: $first, after: $after) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { orgUnitId indicatorKey period } }
  }
}"""
CHECKINS = """
query($card: ID!, $first: Int, $after: String) {
  checkins(scorecard: $card, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { id } }
  }
}"""
OWN_CARD = """
query($cycle: ID!) { teamScorecards(cycle: $cycle) { edges { node { id } } } }"""
CHECK_IN = """
mutation($card: ID!, $note: String!) {
  checkIn(scorecard: $card, confidence: 0.5, note: $note) { errors { code } }
}"""

LISTS = ["cycles", "orgUnits", "teamScorecards", "goals", "planReport", "checkins"]


async def _quarter(gql: GraphQLClient) -> str:
    """The demo's current quarter (other tests open cycles of their own)."""
    query = 'query { cycles(status: "open", first: 100) { edges { node { id period } } } }'
    data = await gql.ok(query, as_user="hr")
    wanted = current_quarter(dt.date.today()).label
    quarter: str = next(c["id"] for c in nodes(data["cycles"]) if c["period"] == wanted)
    return quarter


@pytest.fixture
async def more_rows(gql: GraphQLClient, new_cycle: NewCycle) -> None:
    """Rows for the short lists: cycles (two starting the same day, so the id
    breaks the tie) and check-ins on the employee's own plan."""
    for start in (dt.date(2020, 4, 1), dt.date(2020, 1, 1), dt.date(2020, 1, 1)):
        await new_cycle(start, start + dt.timedelta(days=89))
    cycle = await _quarter(gql)
    own = await gql.ok(OWN_CARD, {"cycle": cycle}, as_user="employee")
    card = nodes(own["teamScorecards"])[0]["id"]
    for note in ("on track", "one deal slipped"):
        done = await gql.ok(CHECK_IN, {"card": card, "note": note}, as_user="employee")
        assert done["checkIn"]["errors"] == []


async def _list(gql: GraphQLClient, field: str) -> tuple[str, dict[str, Any], str]:
    """The query of ``field``, its other variables, and who reads it."""
    if field == "cycles":
        return CYCLES, {}, "hr"
    if field == "orgUnits":
        return ORG_UNITS, {}, "hr"
    cycle = await _quarter(gql)
    if field == "teamScorecards":
        return TEAM, {"cycle": cycle}, "hr"
    if field == "goals":
        return GOALS, {"cycle": cycle}, "hr"
    if field == "planReport":
        return REPORT, {"cycle": cycle}, "hr"
    own = await gql.ok(OWN_CARD, {"cycle": cycle}, as_user="employee")
    return CHECKINS, {"card": nodes(own["teamScorecards"])[0]["id"]}, "employee"


def _cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


async def _read(
    gql: GraphQLClient, field: str, query: str, variables: dict[str, Any], user: str, size: int
) -> tuple[dict[str, Any], list[Any]]:
    """Every row of the list, ``size`` at a time: the last page and the rows."""
    seen: list[Any] = []
    after = None
    total = None
    while True:
        page = (await gql.ok(query, {**variables, "first": size, "after": after}, as_user=user))[
            field
        ]
        assert total is None or page["totalCount"] == total
        total = page["totalCount"]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        seen += nodes(page)
        if not page["pageInfo"]["hasNextPage"]:
            return page, seen
        after = page["pageInfo"]["endCursor"]


@pytest.mark.usefixtures("more_rows")
@pytest.mark.parametrize("field", LISTS)
async def test_pages_hold_every_row_once_in_order(gql: GraphQLClient, field: str) -> None:
    # given the whole list in large pages (the demo's plan report has over 100 rows)
    query, variables, user = await _list(gql, field)
    whole, rows = await _read(gql, field, query, variables, user, 100)
    assert whole["totalCount"] == len(rows) >= 3, field
    # when the same list is read two rows at a time
    _, seen = await _read(gql, field, query, variables, user, 2)
    # then the pages hold the same rows in the same order, none twice
    assert seen == rows
    # and past the last row there is nothing more, still counted
    end = whole["pageInfo"]["endCursor"]
    past = (await gql.ok(query, {**variables, "after": end}, as_user=user))[field]
    assert (past["edges"], past["totalCount"]) == ([], whole["totalCount"])
    assert not past["pageInfo"]["hasNextPage"]
    # and first: 0 counts without rows
    empty = (await gql.ok(query, {**variables, "first": 0}, as_user=user))[field]
    assert (empty["edges"], empty["totalCount"]) == ([], whole["totalCount"])


def _bad_cursors(real: str) -> list[str]:
    """Cursors that are not ours: broken encodings, wrong shapes, and the real
    cursor's sort key with one value no column of any list takes."""
    key = json.loads(base64.urlsafe_b64decode(real))
    wrong: list[str] = [
        "not-a-cursor",
        "%%%",
        base64.urlsafe_b64encode(b"\xff\xfe not utf-8").decode(),
        _cursor({"id": 1}),
        _cursor(key[:-1]),
        _cursor([*key, 1]),
        _cursor("x" * 2_000),  # far longer than any cursor we make
    ]
    for i in range(len(key)):
        for value in ("\x00", "\ud800", 2**63, True, None, 1.5, [1], "2026-13-45"):
            if value == "2026-13-45" and not str(key[i])[:4].isdigit():
                continue  # another text is a fine key for a text column (not for a date)
            wrong.append(_cursor([*key[:i], value, *key[i + 1 :]]))
        nan = ", ".join("NaN" if j == i else json.dumps(v) for j, v in enumerate(key))
        wrong.append(base64.urlsafe_b64encode(f"[{nan}]".encode()).decode())
    return wrong


@pytest.mark.parametrize("field", LISTS)
async def test_a_cursor_that_is_not_ours_is_invalid(gql: GraphQLClient, field: str) -> None:
    # given a real cursor of the list
    query, variables, user = await _list(gql, field)
    first = (await gql.ok(query, {**variables, "first": 1}, as_user=user))[field]
    real = first["pageInfo"]["endCursor"]
    for bad in _bad_cursors(real):
        # when a client sends something else as `after`
        body = await gql.raw(query, {**variables, "after": bad}, as_user=user)
        # then it is refused as INVALID, naming the argument
        assert body["data"] is None, (bad, body)
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "INVALID", (bad, error)
        assert "`after`" in error["message"], (bad, error)


@pytest.mark.parametrize("field", LISTS)
async def test_first_past_the_cap_is_invalid(gql: GraphQLClient, field: str) -> None:
    query, variables, user = await _list(gql, field)
    for first in (-1, 101):
        body = await gql.raw(query, {**variables, "first": first}, as_user=user)
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "INVALID"
        assert "`first`" in error["message"]
