"""The plain-data executor answers exactly as graphql-core's own executor.

Every query runs twice over the same objects, once with ``PlainDataExecutor``
and once with Strawberry's standard executor, and the answers (data and
errors, with messages and paths) must be equal. Bad values (a null for a
non-null field, NaN for a Float, a string where a list belongs) make the
projection hand the object back to the standard path, so the errors match too.
"""

from __future__ import annotations

import datetime as dt
import math
from enum import Enum
from typing import Any

import pytest
import strawberry
from graphql import ExecutionResult
from strawberry.extensions import SchemaExtension

from perfloop.api.core.executor import PlainDataExecutor


@strawberry.enum
class Color(Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Leaf:
    id: strawberry.ID
    name: str
    score: float | None
    count: int
    flag: bool
    day: dt.date | None
    color: Color
    tags: list[str]


@strawberry.type
class Node:
    id: strawberry.ID
    title: str
    leaves: list[Leaf | None]  # a bad leaf nulls itself, not its node
    maybe: Leaf | None

    @strawberry.field
    def shout(self) -> str:
        return self.title.upper()

    @strawberry.field
    def pick(self, n: int) -> Leaf | None:
        return self.leaves[n] if 0 <= n < len(self.leaves) else None


@strawberry.type
class Query:
    @strawberry.field
    def nodes(self, info: strawberry.Info) -> list[Node]:
        nodes: list[Node] = info.context["nodes"]
        return nodes


class CountingExecutor(PlainDataExecutor):
    """Counts the fields graphql-core resolves one by one."""

    resolved = 0

    def execute_field(self, *args: Any, **kwargs: Any) -> Any:
        CountingExecutor.resolved += 1
        return super().execute_field(*args, **kwargs)


PLAIN = strawberry.Schema(Query, execution_context_class=CountingExecutor)
STANDARD = strawberry.Schema(Query)


def leaf(n: int, **changes: Any) -> Leaf:
    values: dict[str, Any] = {
        "id": n,  # an int, as services hand out ids
        "name": f"leaf {n}",
        "score": n / 4 if n % 3 else None,
        "count": n,
        "flag": n % 2 == 0,
        "day": dt.date(2026, 1, 1) + dt.timedelta(days=n) if n % 2 else None,
        "color": Color.RED if n % 2 else Color.BLUE,
        "tags": [f"t{n}", "x"],
    }
    values.update(changes)
    return Leaf(**values)


def forest(nodes: int = 6, leaves: int = 4) -> list[Node]:
    return [
        Node(
            id=strawberry.ID(f"n{i}"),
            title=f"node {i}",
            leaves=[leaf(i * 10 + j) for j in range(leaves)],
            maybe=leaf(i) if i % 2 else None,
        )
        for i in range(nodes)
    ]


def answer(result: ExecutionResult) -> tuple[Any, list[dict[str, Any]]]:
    return result.data, [e.formatted for e in result.errors or []]


async def both(
    query: str, nodes: list[Node], variables: dict[str, Any] | None = None
) -> tuple[Any, list[dict[str, Any]]]:
    """Run on both executors, check they agree, and return the answer."""
    CountingExecutor.resolved = 0
    context = {"nodes": nodes}
    plain = await PLAIN.execute(query, variable_values=variables, context_value=context)
    standard = await STANDARD.execute(query, variable_values=variables, context_value=context)
    assert answer(plain) == answer(standard)
    return answer(plain)


ALL_LEAF_FIELDS = "id name score count flag day color tags"


async def test_a_plain_tree_is_projected_in_one_pass() -> None:
    query = f"{{ nodes {{ id title leaves {{ {ALL_LEAF_FIELDS} }} maybe {{ id name }} }} }}"
    data, errors = await both(query, forest())
    assert errors == []
    # only the root field went through graphql-core's per-field path
    assert CountingExecutor.resolved == 1
    first = data["nodes"][1]
    assert first["leaves"][0] == {
        "id": "10",
        "name": "leaf 10",
        "score": 2.5,
        "count": 10,
        "flag": True,
        "day": None,
        "color": "BLUE",
        "tags": ["t10", "x"],
    }
    assert first["maybe"] == {"id": "1", "name": "leaf 1"}
    assert data["nodes"][0]["maybe"] is None


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        # aliases, the same key twice, __typename
        ("{ nodes { key: id id id t: title leaves { n: name __typename } } }", None),
        # named and inline fragments, merged with plain fields
        (
            "fragment L on Leaf { name tags } "
            "{ nodes { ... on Node { id } leaves { ...L count ... { flag } } } }",
            None,
        ),
        # @skip and @include driven by variables
        (
            "query($s: Boolean!, $i: Boolean!) { nodes { id @skip(if: $s) "
            "title @include(if: $i) leaves { name @include(if: $s) day } } }",
            {"s": True, "i": False},
        ),
        (
            "query($s: Boolean!, $i: Boolean!) { nodes { id @skip(if: $s) "
            "title @include(if: $i) leaves { name @include(if: $s) day } } }",
            {"s": False, "i": True},
        ),
        # fields with a resolver or arguments next to plain ones
        (
            "{ nodes { shout leaves { id } second: pick(n: 1) { name } "
            "none: pick(n: 9) { name } } }",
            None,
        ),
        ("{ __typename nodes { __typename maybe { __typename color } } }", None),
    ],
)
async def test_selections_answer_alike(query: str, variables: dict[str, Any] | None) -> None:
    data, errors = await both(query, forest(), variables)
    assert errors == []
    assert data["nodes"]


async def test_a_field_with_a_resolver_is_left_to_graphql_core() -> None:
    await both("{ nodes { shout leaves { id name } } }", forest(nodes=6, leaves=4))
    # each node resolves shout and leaves itself; the leaves' fields are projected
    assert CountingExecutor.resolved == 1 + 6 * 2


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"name": None}, "Cannot return null for non-nullable field Leaf.name."),
        ({"score": math.nan}, "Float cannot represent non numeric value: nan"),
        ({"score": math.inf}, "Float cannot represent non numeric value: inf"),
        ({"count": 2.5}, "Int cannot represent non-integer value: 2.5"),
        ({"tags": "not a list"}, "Expected Iterable, but did not find one for field 'Leaf.tags'."),
        ({"tags": ["ok", None]}, "Cannot return null for non-nullable field Leaf.tags."),
        ({"day": "2026-01-01"}, None),  # the date scalar's own error, whatever its wording
        ({"color": "GREEN"}, None),
    ],
)
async def test_bad_values_give_the_standard_errors(
    bad: dict[str, Any], message: str | None
) -> None:
    nodes = forest(nodes=3, leaves=3)
    nodes[1].leaves[2] = leaf(12, **bad)
    query = f"{{ nodes {{ id leaves {{ {ALL_LEAF_FIELDS} }} }} }}"
    data, errors = await both(query, nodes)
    assert len(errors) == 1
    assert errors[0]["path"][:4] == ["nodes", 1, "leaves", 2]
    if message is not None:
        assert errors[0]["message"] == message
    # the error nulls the nearest nullable position: the value or the leaf
    bad_leaf = data["nodes"][1]["leaves"][2]
    assert bad_leaf is None or bad_leaf[errors[0]["path"][4]] is None
    # and the other objects are complete
    assert data["nodes"][1]["leaves"][1]["name"] == "leaf 11"
    assert data["nodes"][0]["leaves"][2]["name"] == "leaf 2"


async def test_coercions_match_graphql_core() -> None:
    nodes = forest(nodes=1, leaves=1)
    nodes[0].leaves[0] = leaf(1, count=True, score=3, flag=1, name=7)
    data, errors = await both("{ nodes { leaves { count score flag name } } }", nodes)
    assert errors == []
    assert data["nodes"][0]["leaves"][0] == {"count": 1, "score": 3.0, "flag": True, "name": "7"}


async def test_a_missing_attribute_is_the_standard_error() -> None:
    nodes = forest(nodes=2, leaves=1)
    del nodes[1].leaves[0].name
    data, errors = await both("{ nodes { leaves { id name } } }", nodes)
    assert [e["path"] for e in errors] == [["nodes", 1, "leaves", 0, "name"]]
    # the null propagates to the nearest nullable parent, as the spec says
    assert data["nodes"][1]["leaves"] == [None]
    assert data["nodes"][0]["leaves"] == [{"id": "0", "name": "leaf 0"}]


class Shouting(SchemaExtension):
    """A resolve middleware: it must see every field, so nothing is projected."""

    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        value = _next(root, info, *args, **kwargs)
        return value.upper() if isinstance(value, str) else value


async def test_a_resolve_middleware_sees_every_field() -> None:
    schema = strawberry.Schema(
        Query, execution_context_class=CountingExecutor, extensions=[Shouting]
    )
    CountingExecutor.resolved = 0
    result = await schema.execute(
        "{ nodes { title leaves { name } } }", context_value={"nodes": forest(2, 2)}
    )
    assert result.errors is None
    assert result.data is not None
    assert result.data["nodes"][1] == {
        "title": "NODE 1",
        "leaves": [{"name": "LEAF 10"}, {"name": "LEAF 11"}],
    }
    assert CountingExecutor.resolved == 1 + 2 * 2 + 4
