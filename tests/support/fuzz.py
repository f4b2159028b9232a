"""GraphQL operations generated from the committed ``schema.graphql``, sent with
the token of a role, and their answers sorted into outcomes.

Used by ``tests/api/test_fuzz.py`` (a bounded, derandomized run in the suite)
and by ``bench/fuzz.py`` (a few thousand operations that print their counts).
Operations come from hypothesis-graphql: valid ones (``Mode.POSITIVE``) and
ones with exactly one schema violation (``Mode.NEGATIVE``). Its scalars are
biased toward values that reach real code: ids of rows that exist (small
numbers), the words the API knows (statuses, template keys, periods), texts
longer than any column, dates that are not dates, JSON of every shape.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import graphql
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema, nodes

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"

#: One demo user per role (``perfloop demo users``).
ROLE_USERS = {
    "hr": "hr",
    "admin": "admin",
    "manager": "sales-north.lead",
    "employee": "employee",
    "exec": "ceo",
}

#: Words the API knows, so generated operations get past "unknown" and reach the rules.
WORDS = (
    "draft", "open", "closed", "active", "inactive", "left", "done", "doing", "dropped",
    "company", "department", "team", "higher", "lower", "target", "sum", "avg", "last",
    "planning", "execution", "review", "manual", "dataset", "form", "cycle", "app",
    "kpi-library", "scoring", "sales-orders", "sales-orders@1", "standard-performance",
    "standard-performance@1", "quarterly-review", "quarterly-review@1", "2026-Q4", "2026-11",
    "2026-H2", "2026", "1 + 1", "SUM(x)", "Rep", "P3", "hr@demo.perfloop.dev", "",
)  # fmt: skip


def _string(value: str) -> graphql.StringValueNode:
    return graphql.StringValueNode(value=value)


TEXTS = st.one_of(
    st.sampled_from(WORDS),
    st.text(max_size=20),
    st.text(min_size=64, max_size=300),  # past many columns (String(63), (100), (200))
    st.integers(65, 600).map(lambda n: "x" * n),
)
IDS = st.one_of(
    st.integers(1, 200).map(lambda n: nodes.String(n)),
    st.integers(1, 200).map(nodes.Int),
    st.integers(-(2**31), 2**31 - 1).map(nodes.Int),
    st.text(max_size=12).map(_string),
)
DATES = st.one_of(
    st.dates(dt.date(1900, 1, 1), dt.date(2200, 12, 31)).map(lambda d: _string(d.isoformat())),
    st.sampled_from(["2026-02-30", "2026-13-01", "today", "", "0000-01-01"]).map(_string),
    st.text(max_size=12).map(_string),
)
DATETIMES = st.one_of(
    st.datetimes(dt.datetime(1900, 1, 1)).map(lambda d: _string(d.isoformat())),
    st.text(max_size=20).map(_string),
)
_JSON_LEAVES = st.one_of(
    st.none().map(lambda _: graphql.NullValueNode()),
    st.booleans().map(nodes.Boolean),
    st.integers(-(2**40), 2**40).map(nodes.Int),
    st.floats(allow_nan=False, allow_infinity=False).map(nodes.Float),
    TEXTS.map(_string),
)


JSON_KEYS = (
    "kind", "key", "version", "title", "threshold", "floor", "cap", "x", "amount", "en",
    "overall_rating", "satisfaction_stars",
)  # fmt: skip


def _object(pairs: list[tuple[str, graphql.ValueNode]]) -> graphql.ObjectValueNode:
    return nodes.Object(
        [
            graphql.ObjectFieldNode(name=graphql.NameNode(value=k), value=v)
            for k, v in dict(pairs).items()
        ]
    )


#: JSON literals: any shape, and objects with the keys the API reads.
JSON_VALUES = st.recursive(
    _JSON_LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4).map(nodes.List),
        st.lists(
            st.tuples(
                st.one_of(
                    st.sampled_from(JSON_KEYS),
                    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True),
                ),
                inner,
            ),
            max_size=5,
        ).map(_object),
    ),
    max_leaves=12,
)

SCALARS = {
    "ID": IDS,
    "String": TEXTS.map(_string),
    "Date": DATES,
    "DateTime": DATETIMES,
    "JSON": JSON_VALUES,
    "JSONObject": JSON_VALUES,  # other shapes are refused while the request is validated
    # a JSON body cannot carry a file: whatever is sent instead is refused, naming it
    "Upload": st.one_of(TEXTS.map(_string), JSON_VALUES),
}


@cache
def schema_text() -> str:
    return SCHEMA_FILE.read_text(encoding="utf-8")


@cache
def _schema() -> graphql.GraphQLSchema:
    return graphql.build_schema(schema_text())


#: An operation: its document and its variables.
Operation = tuple[str, dict[str, Any]]


class _Rewrite(graphql.Visitor):
    """Leaves out some nullable arguments and sends some others as variables.

    hypothesis-graphql writes every argument, as a literal. An omitted argument
    without a default is a third case a resolver receives (strawberry's
    UNSET), and a value sent as a variable is coerced by another path than a
    literal (before validation, with its own errors)."""

    def __init__(self, type_info: graphql.TypeInfo, rng: random.Random) -> None:
        super().__init__()
        self.type_info, self.rng = type_info, rng
        self.definitions: list[graphql.VariableDefinitionNode] = []
        self.variables: dict[str, Any] = {}

    def enter_field(self, node: graphql.FieldNode, *_: Any) -> graphql.FieldNode | None:
        field = self.type_info.get_field_def()
        if field is None or not node.arguments:
            return None
        arguments = []
        for argument in node.arguments:
            definition = field.args.get(argument.name.value)
            if definition is None:  # a negative example's unknown argument
                arguments.append(argument)
            elif not graphql.is_non_null_type(definition.type) and self.rng.random() < 0.3:
                continue
            elif self.rng.random() < 0.4:
                arguments.append(self._as_variable(argument, definition.type))
            else:
                arguments.append(argument)
        return graphql.FieldNode(
            alias=node.alias,
            name=node.name,
            arguments=tuple(arguments),
            directives=node.directives,
            selection_set=node.selection_set,
        )

    def _as_variable(
        self, argument: graphql.ArgumentNode, type_: graphql.GraphQLInputType
    ) -> graphql.ArgumentNode:
        name = f"v{len(self.definitions)}"
        variable = graphql.VariableNode(name=graphql.NameNode(value=name))
        self.definitions.append(
            graphql.VariableDefinitionNode(variable=variable, type=graphql.parse_type(str(type_)))
        )
        self.variables[name] = graphql.value_from_ast_untyped(argument.value)
        return graphql.ArgumentNode(name=argument.name, value=variable)


def _rewritten(document: graphql.DocumentNode, rng: random.Random) -> Operation:
    type_info = graphql.TypeInfo(_schema())
    rewrite = _Rewrite(type_info, rng)
    visited = graphql.visit(document, graphql.TypeInfoVisitor(type_info, rewrite))
    [operation] = visited.definitions
    with_variables = graphql.OperationDefinitionNode(
        operation=operation.operation,
        name=operation.name,
        variable_definitions=tuple(rewrite.definitions),
        directives=operation.directives,
        selection_set=operation.selection_set,
    )
    document_text = graphql.print_ast(graphql.DocumentNode(definitions=(with_variables,)))
    return document_text, rewrite.variables


def operations(mode: Mode = Mode.POSITIVE) -> st.SearchStrategy[Operation]:
    """Queries and mutations over the committed schema, some of their nullable
    arguments left out and some others sent as variables."""
    documents = from_schema(schema_text(), custom_scalars=SCALARS, mode=mode, print_ast=lambda d: d)
    return st.builds(_rewritten, documents, st.randoms(use_true_random=False))


def any_operation() -> st.SearchStrategy[Operation]:
    """Mostly valid operations, one in four with one schema violation."""
    return st.one_of(
        operations(Mode.POSITIVE),
        operations(Mode.POSITIVE),
        operations(Mode.POSITIVE),
        operations(Mode.NEGATIVE),
    )


@dataclass(frozen=True)
class Answer:
    """What one operation got: its HTTP status and every error code in the body."""

    status: int
    codes: tuple[str, ...]  # top-level errors' extensions.code ("MISSING" when none)
    payload_codes: tuple[str, ...]  # codes in mutation payloads' `errors`
    messages: tuple[str, ...]

    @property
    def outcome(self) -> str:
        if self.status >= 500:
            return f"HTTP {self.status}"
        if self.codes:
            return self.codes[0]
        if self.payload_codes:
            return f"payload {self.payload_codes[0]}"
        return "ok"

    @property
    def broken(self) -> bool:
        """A bug: a 5xx, an INTERNAL, or an error without a code."""
        return self.status >= 500 or "INTERNAL" in self.codes or "MISSING" in self.codes


def read_answer(status: int, text: str) -> Answer:
    try:
        body = json.loads(text)
    except ValueError:
        return Answer(status, ("MISSING",) if status >= 400 else (), (), (text[:200],))
    errors = body.get("errors") or [] if isinstance(body, dict) else []
    codes = tuple(str((e.get("extensions") or {}).get("code", "MISSING")) for e in errors)
    messages = tuple(str(e.get("message", ""))[:300] for e in errors)
    payload: list[str] = []
    data = body.get("data") if isinstance(body, dict) else None
    for value in (data or {}).values():
        if isinstance(value, dict):
            payload.extend(str(e.get("code") or "ERROR") for e in value.get("errors") or [])
    return Answer(status, codes, tuple(payload), messages)


@dataclass
class Tally:
    """Counts per role: operations and outcomes, and the broken answers seen."""

    operations: Counter[str] = field(default_factory=Counter)
    outcomes: dict[str, Counter[str]] = field(default_factory=dict)
    broken: list[tuple[str, str, Answer]] = field(default_factory=list)

    def add(self, role: str, document: str, answer: Answer) -> None:
        self.operations[role] += 1
        self.outcomes.setdefault(role, Counter())[answer.outcome] += 1
        if answer.broken:
            self.broken.append((role, document, answer))

    def internal(self, role: str) -> int:
        return self.outcomes.get(role, Counter())["INTERNAL"]

    def server_errors(self, role: str) -> int:
        return sum(n for k, n in self.outcomes.get(role, Counter()).items() if k.startswith("HTTP"))

    def report(self) -> str:
        lines = []
        for role, count in self.operations.items():
            outcomes = ", ".join(f"{k} {n}" for k, n in self.outcomes[role].most_common())
            lines.append(
                f"{role:<9} {count:>6} operations | INTERNAL {self.internal(role)}"
                f" | 5xx {self.server_errors(role)} | {outcomes}"
            )
        return "\n".join(lines)


def as_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
