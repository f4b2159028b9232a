"""Each demo role against each GraphQL operation: allowed, or refused with FORBIDDEN."""

from __future__ import annotations

from typing import Any

import pytest

from support import GraphQLClient, dataset_document

OPERATIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "me": ("{ me { roles } }", {}),
    "templates": ("{ templates(first: 1) { totalCount } }", {}),
    "template": ('{ template(key: "sales-orders") { key } }', {}),
    "validateTemplate": (
        "query($d: JSON!) { validateTemplate(document: $d) { valid } }",
        {"d": {"kind": "dataset"}},
    ),
    "publishTemplate": (
        "mutation($d: JSON!) { publishTemplate(document: $d) { errors { code } } }",
        {},  # filled per call with a fresh document
    ),
    "evaluateFormula": ('{ evaluateFormula(formula: "1 + 1") { value } }', {}),
}

# demo users holding the role named (plus "employee", which everyone holds)
USERS = {
    "admin": "admin",
    "hr": "hr",
    "executive": "ceo",
    "head": "sales.head",
    "manager": "sales-north.lead",
    "employee": "employee",
}
ALLOWED = {
    "admin": set(OPERATIONS),
    "hr": set(OPERATIONS),
    "executive": set(OPERATIONS) - {"publishTemplate"},  # the CEO also manages people
    "head": set(OPERATIONS) - {"publishTemplate"},
    "manager": set(OPERATIONS) - {"publishTemplate"},
    "employee": set(OPERATIONS) - {"publishTemplate", "validateTemplate"},
}


@pytest.mark.parametrize("operation", list(OPERATIONS))
@pytest.mark.parametrize("role", list(USERS))
async def test_role_operation(gql: GraphQLClient, role: str, operation: str) -> None:
    query, variables = OPERATIONS[operation]
    if operation == "publishTemplate":
        variables = {"d": dataset_document()}
    body = await gql.raw(query, variables, as_user=USERS[role])
    if operation in ALLOWED[role]:
        assert "errors" not in body, body
        # and a mutation's payload carries no errors either (a refusal there is data)
        payload_errors = [v.get("errors") for v in body["data"].values() if isinstance(v, dict)]
        assert all(not e for e in payload_errors), body
    else:
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
