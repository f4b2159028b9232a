"""The number of SQL statements a request runs does not grow with its rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from support import GraphQLClient, count_statements, dataset_document

QUERY = """
query($first: Int) {
  templates(kind: "dataset", first: $first) {
    edges { node { key createdBy { email displayName } } }
  }
  me { employee { manager { manager { email } } orgUnit { parent { code } } } }
}"""
PUBLISH = "mutation($d: JSON!) { publishTemplate(document: $d) { errors { message } } }"


async def test_statement_count_is_constant(gql: GraphQLClient, engine: AsyncEngine) -> None:
    # given at least one template with an author, counted with every row
    await gql.ok(PUBLISH, {"d": dataset_document()}, as_user="hr")
    with count_statements(engine) as before:
        small = await gql.ok(QUERY, {"first": 100}, as_user="hr")
    # when four more authored templates exist
    for _ in range(4):
        await gql.ok(PUBLISH, {"d": dataset_document()}, as_user="hr")
    with count_statements(engine) as after:
        large = await gql.ok(QUERY, {"first": 100}, as_user="hr")

    # then the same request returns more rows with the same number of statements
    def authored(data: dict[str, Any]) -> int:
        return sum(1 for e in data["templates"]["edges"] if e["node"]["createdBy"])

    assert authored(large) == authored(small) + 4
    assert len(after) == len(before), (before, after)
