"""Every path to an object applies the scope of its root query.

The walk is generic: from each root query of the live schema (required
arguments filled with the role's open cycle, its employee record, a demo
dataset and a grouping; a root needing anything else is not called), it
follows every object-typed field, a field at most twice along one path (so
``employee { manager { manager } }`` is walked), down to ``MAX_DEPTH``
levels, and collects every object that has an id. For each demo role, every
object reached must be one that the same role reads through that type's root
query (``REFERENCE``), compared by id. A type
with an id and no reference fails the test until it is given one, and so does
a nested object field the walk could not follow.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import graphql
import httpx
import pytest
from graphql import (
    GraphQLField,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    get_named_type,
    is_object_type,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from perfloop.api.app import create_app
from perfloop.api.schema import build_schema
from perfloop.settings import Settings
from support import GraphQLClient, nodes

MAX_DEPTH = 6  # field levels below Query: employees.edges.node.manager.manager.orgUnit
TIMES_PER_PATH = 2  # how often one field may repeat along a path
DATASET = "sales-orders"  # the demo's orders, for datasetRecords

# demo users holding the role named (see test_role_operations.py)
USERS = {
    "admin": "admin",
    "hr": "hr",
    "executive": "ceo",
    "head": "sales.head",
    "manager": "sales-north.lead",
    "employee": "employee",
}

#: For each object type with an id: the root query that lists what a role may
#: read of it (a connection is read page by page).
REFERENCE: dict[str, str] = {
    "Employee": "employees",
    "OrgUnit": "orgUnits",
    "User": "users",
    "Position": "positions",
    "Template": "templates",
    "InstalledApp": "installedApps",
    "Cycle": "cycles",
    "Scorecard": "teamScorecards",
    "Goal": "goals",
    "DatasetRecord": "datasetRecords",
    "ReviewAssignment": "reviewAssignments",
    "PerformanceResult": "results",
    "Appeal": "appeals",
    "FeedbackMeeting": "feedbackMeetings",
    "AuditEvent": "auditLog",
    "ImprovementPlan": "improvementPlans",
    "Candidate": "candidates",
}
#: Root queries only HR may ask (result.manage, audit.read), whatever they would reach.
MANAGE_ONLY = {"whatIf", "auditLog"}
#: Root queries only some roles may ask (candidate.read), whatever they would reach.
ONLY_FOR = {
    root: {"admin", "hr", "executive"} for root in ("candidateLists", "candidates", "trainingNeeds")
}
#: Objects that only exist inside another one: reached through their owner,
#: which is checked against its own reference.
PARTS = {
    "ScorecardItem": "Scorecard",
    "ActionTask": "ScorecardItem",
    "Checkin": "Scorecard",
    "ImprovementCheckin": "ImprovementPlan",
}


def _schema() -> graphql.GraphQLSchema:
    return graphql.build_schema(build_schema(Settings(env="test")).as_str())


def _object_fields(type_: GraphQLObjectType) -> Iterator[tuple[str, GraphQLField]]:
    for name, field in type_.fields.items():
        if is_object_type(get_named_type(field.type)):
            yield name, field


def _required(field: GraphQLField) -> list[str]:
    return [
        name
        for name, arg in field.args.items()
        if isinstance(arg.type, GraphQLNonNull) and arg.default_value is graphql.Undefined
    ]


def _selection(
    type_: GraphQLNamedType, path: tuple[str, ...], walked: set[str], blocked: set[str]
) -> str:
    assert isinstance(type_, GraphQLObjectType)
    parts = ["__typename"] + (["id"] if "id" in type_.fields else [])
    if len(path) >= MAX_DEPTH:
        return " ".join(parts)
    for name, field in _object_fields(type_):
        edge = f"{type_.name}.{name}"
        if _required(field):
            blocked.add(edge)
            continue
        if path.count(edge) >= TIMES_PER_PATH:
            continue
        walked.add(edge)
        args = "(first: 100)" if "first" in field.args else ""
        inner = _selection(get_named_type(field.type), (*path, edge), walked, blocked)
        parts.append(f"{name}{args} {{ {inner} }}")
    return " ".join(parts)


def _reachable_edges(schema: graphql.GraphQLSchema) -> set[str]:
    """Every object-typed field, of every type reachable from Query, that can
    lead to an object with an id (``FormulaEvaluation.errors`` cannot)."""
    query = schema.query_type
    assert query is not None
    seen: set[str] = set()
    edges: dict[str, str] = {}  # edge -> the type it yields
    todo = [get_named_type(f.type) for _, f in _object_fields(query)]
    while todo:
        type_ = todo.pop()
        if type_.name in seen or not isinstance(type_, GraphQLObjectType):
            continue
        seen.add(type_.name)
        for name, field in _object_fields(type_):
            edges[f"{type_.name}.{name}"] = get_named_type(field.type).name
            todo.append(get_named_type(field.type))
    objects = [schema.type_map[name] for name in seen]
    leading = {t.name for t in objects if isinstance(t, GraphQLObjectType) and "id" in t.fields}
    grew = True
    while grew:  # a type leads to ids when one of its fields yields a type that does
        before = len(leading)
        leading |= {edge.split(".")[0] for edge, target in edges.items() if target in leading}
        grew = len(leading) > before
    return {edge for edge, target in edges.items() if target in leading}


def _literal(value: str | list[str]) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return value if value.isupper() else f'"{value}"'


def walk_documents(
    schema: graphql.GraphQLSchema, arguments: dict[str, str | list[str]]
) -> tuple[dict[str, str], set[str], set[str]]:
    """One document per root query that can be called with ``arguments``; and
    the edges walked and those that need arguments the walk cannot give."""
    query = schema.query_type
    assert query is not None
    documents: dict[str, str] = {}
    walked: set[str] = set()
    blocked: set[str] = set()
    for name, field in _object_fields(query):
        required = _required(field)
        if any(arg not in arguments for arg in required):
            continue
        args = [f"{a}: {_literal(arguments[a])}" for a in required]
        if "first" in field.args:
            args.append("first: 100")
        call = f"{name}({', '.join(args)})" if args else name
        inner = _selection(get_named_type(field.type), (), walked, blocked)
        documents[name] = f"{{ {call} {{ {inner} }} }}"
    return documents, walked, blocked


def objects_in(data: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, str, str]]:
    """(type name, id, where) of every object with an id in a response."""
    if isinstance(data, list):
        for item in data:
            yield from objects_in(item, path)
    elif isinstance(data, dict):
        if "id" in data and "__typename" in data:
            yield data["__typename"], data["id"], ".".join(path)
        for key, value in data.items():
            if isinstance(value, dict | list):
                yield from objects_in(value, (*path, key))


@pytest.fixture(scope="module")
async def walker(engine: AsyncEngine, settings: Settings) -> Any:
    """A client whose limits let the generated documents through (they are
    large, not deep beyond the usual limit)."""
    roomy = settings.model_copy(update={"max_query_tokens": 50_000, "max_query_aliases": 100})
    app = create_app(roomy, engine=engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://perfloop.test") as http:
        yield GraphQLClient(http, roomy)


async def _ids_of(client: GraphQLClient, root: str, args: str, user: str) -> set[str]:
    """Every id a root query lists for ``user``, page by page for a connection."""
    schema = _schema()
    assert schema.query_type is not None
    field = schema.query_type.fields[root]
    ids: set[str] = set()
    if "first" not in field.args:
        call = f"{root}({args})" if args else root
        data = await client.ok(f"{{ {call} {{ id }} }}", as_user=user)
        return {row["id"] for row in data[root]}
    after: str | None = None
    while True:
        page_args = ", ".join(a for a in (args, "first: 100") if a)
        data = await client.ok(
            f"query($after: String) {{ {root}({page_args}, after: $after) "
            "{ edges { node { id } } pageInfo { hasNextPage endCursor } } }",
            {"after": after},
            as_user=user,
        )
        ids |= {edge["node"]["id"] for edge in data[root]["edges"]}
        if not data[root]["pageInfo"]["hasNextPage"]:
            return ids
        after = data[root]["pageInfo"]["endCursor"]


def _types_reached(schema: graphql.GraphQLSchema) -> set[str]:
    """Object types with an id that a nested field yields."""
    fields = []
    for edge in _reachable_edges(schema):
        owner, name = edge.split(".")
        type_ = schema.type_map[owner]
        assert isinstance(type_, GraphQLObjectType)
        fields.append(type_.fields[name])
    types = {get_named_type(f.type) for f in fields}
    return {t.name for t in types if isinstance(t, GraphQLObjectType) and "id" in t.fields}


def test_the_walk_follows_every_nested_object_field() -> None:
    # given the live schema
    schema = _schema()
    # when the walk's documents are made
    arguments = {
        "cycle": "1",
        "employee": "1",
        "scorecard": "1",
        "groupBy": ["ORG_UNIT"],
        "dataset": DATASET,
    }
    documents, walked, blocked = walk_documents(schema, arguments)
    # then every object field reachable from Query is followed by one of them
    assert not blocked, f"nested fields with required arguments: {sorted(blocked)}"
    assert _reachable_edges(schema) - walked == set()
    # and every object type with an id a nested field yields has a reference
    # root query, or an owner
    assert _types_reached(schema) - set(REFERENCE) - set(PARTS) == set()
    assert {graphql.parse(d).kind for d in documents.values()} == {"document"}


@pytest.mark.parametrize("role", list(USERS))
async def test_nested_objects_stay_in_the_roles_scope(walker: GraphQLClient, role: str) -> None:
    # given a demo user, their employee record and the open cycle
    user = USERS[role]
    me = await walker.ok("{ me { employee { id } } }", as_user=user)
    cycles = await walker.ok(
        '{ cycles(status: "open", first: 100) { edges { node { id isSummary } } } }', as_user=user
    )
    cycle = next(c["id"] for c in nodes(cycles["cycles"]) if not c["isSummary"])
    plans = await walker.ok(
        f"{{ teamScorecards(cycle: {cycle}, first: 1) {{ edges {{ node {{ id }} }} }} }}",
        as_user=user,
    )
    own_plans = nodes(plans["teamScorecards"])
    arguments = {
        "cycle": cycle,
        "employee": me["me"]["employee"]["id"],
        **({"scorecard": own_plans[0]["id"]} if own_plans else {}),
        "groupBy": ["ORG_UNIT"],
        "dataset": DATASET,
    }
    documents, _, _ = walk_documents(_schema(), arguments)
    # when every root query is walked down its nested object fields
    reached: dict[str, dict[str, str]] = {}
    for name, document in documents.items():
        if name in MANAGE_ONLY and role not in ("admin", "hr"):
            continue  # refused as a whole (FORBIDDEN), so it reaches nothing
        if role not in ONLY_FOR.get(name, {role}):
            continue  # refused as a whole (FORBIDDEN), so it reaches nothing
        data = await walker.ok(document, as_user=user)
        for typename, id_, where in objects_in(data):
            reached.setdefault(typename, {}).setdefault(id_, where)
    # then each object reached is one the role reads through the type's root query
    reference_args = {
        "teamScorecards": f"cycle: {cycle}",
        "goals": f"cycle: {cycle}",
        "reviewAssignments": f"cycle: {cycle}",
        "results": f"cycle: {cycle}",
        "feedbackMeetings": f"cycle: {cycle}",
        "improvementPlans": f"cycle: {cycle}",
        "candidates": f"cycle: {cycle}",
        "datasetRecords": f'dataset: "{DATASET}"',
    }
    assert reached.keys() <= set(REFERENCE) | set(PARTS), reached.keys()
    leaks: dict[str, dict[str, str]] = {}
    for typename, found in reached.items():
        if typename in PARTS:
            continue
        root = REFERENCE[typename]
        allowed = await _ids_of(walker, root, reference_args.get(root, ""), user)
        leaked = {id_: where for id_, where in found.items() if id_ not in allowed}
        if leaked:
            leaks[f"{typename} (not in `{root}`)"] = leaked
    assert not leaks, f"{role} reaches objects outside its scope: {leaks}"
    assert {"Employee", "OrgUnit", "User", "Cycle"} <= reached.keys()
