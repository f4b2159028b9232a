"""Every mutation maps expected failures into its payload in one place."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from perfloop.api.core.payloads import ErrorsAsPayload
from perfloop.api.schema import build_schema
from perfloop.settings import Settings

API = Path(__file__).resolve().parents[2] / "platform" / "perfloop" / "api"
SCHEMA = build_schema(Settings())
MUTATIONS = SCHEMA.schema_converter.type_map["Mutation"].definition.fields  # type: ignore[union-attr]


@pytest.mark.parametrize("field", MUTATIONS, ids=lambda f: f.python_name)
def test_every_mutation_answers_service_errors_with_its_payload(field: object) -> None:
    # given a mutation field of the schema
    extensions = getattr(field, "extensions", [])
    # then its expected failures become payload errors, and the payload can carry them
    assert any(isinstance(e, ErrorsAsPayload) for e in extensions)
    payload = field.type.__strawberry_definition__  # type: ignore[attr-defined]
    assert "errors" in {f.python_name for f in payload.fields}


def test_no_mutation_resolver_catches_service_errors_itself() -> None:
    # given every mutation module of the API
    offenders = []
    for path in sorted(API.glob("*/mutations.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ExceptHandler):
                offenders.append(f"{path.relative_to(API)}:{node.lineno}")
    # then none of them handles exceptions: ErrorsAsPayload does, once
    assert offenders == []
