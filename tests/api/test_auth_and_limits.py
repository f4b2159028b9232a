"""Authentication, query limits, masked errors, health and the IDE."""

from __future__ import annotations

import datetime as dt

import jwt
import pytest

from perfloop.api.core.auth import issue_token
from perfloop.services import templates as template_service
from support import GraphQLClient

ME = """{ me { user { email displayName } tenant { slug } roles
  employee { name orgUnit { code parent { code } } manager { email } } } }"""


async def test_me(gql: GraphQLClient) -> None:
    data = await gql.ok(ME, as_user="hr")
    me = data["me"]
    assert me["user"]["email"] == "hr@demo.perfloop.dev"
    assert me["tenant"]["slug"] == "demo"
    assert {"hr", "manager", "employee"} <= set(me["roles"])
    assert me["employee"]["orgUnit"] == {"code": "hr", "parent": {"code": "hq"}}
    assert me["employee"]["manager"] == {"email": "ceo@demo.perfloop.dev"}


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "authentication required"),
        ("Bearer not.a.jwt", "not valid"),
        ("Basic dXNlcjpwdw==", "Bearer"),
    ],
)
async def test_missing_or_bad_tokens_are_refused(
    gql: GraphQLClient, header: str | None, message: str
) -> None:
    headers = {"Authorization": header} if header else {}
    body = await gql.raw(ME, headers=headers)
    assert body["data"] is None
    assert message in body["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_forged_expired_and_unknown_user_tokens(gql: GraphQLClient) -> None:
    now = dt.datetime.now(dt.UTC)
    claims = {
        "tenant": "demo",
        "email": "hr@demo.perfloop.dev",
        "exp": now + dt.timedelta(minutes=5),
    }
    forged = jwt.encode(claims, "x" * 64, algorithm="HS256")
    expired = jwt.encode(
        claims | {"exp": now - dt.timedelta(minutes=1)}, gql.settings.secret, algorithm="HS256"
    )
    unknown = gql.token("nobody@demo.perfloop.dev")
    other_tenant = gql.token("hr@demo.perfloop.dev", tenant="no-such-tenant")
    for token, message in (
        (forged, "not valid"),
        (expired, "expired"),
        (unknown, "unknown"),
        (other_tenant, "unknown"),
    ):
        body = await gql.raw(ME, headers={"Authorization": f"Bearer {token}"})
        assert message in body["errors"][0]["message"], body
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_depth_limit(gql: GraphQLClient) -> None:
    deep = "{ me { employee { " + "manager { " * 15 + "email" + " }" * 15 + " } } }"
    body = await gql.raw(deep, as_user="employee")
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]
    assert "data" not in body or body["data"] is None


async def test_alias_limit(gql: GraphQLClient) -> None:
    query = "{ " + " ".join(f"a{i}: me {{ roles }}" for i in range(40)) + " }"
    body = await gql.raw(query, as_user="employee")
    assert "aliases" in body["errors"][0]["message"]


async def test_token_limit(gql: GraphQLClient) -> None:
    query = "{ me { " + " ".join(["roles"] * 3000) + " } }"
    body = await gql.raw(query, as_user="employee")
    assert "token" in body["errors"][0]["message"].lower()


async def test_unexpected_errors_are_masked(
    gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals: connection string postgres://admin:pw@db")

    monkeypatch.setattr(template_service, "get_template", boom)
    body = await gql.raw('{ template(key: "x") { key } }', as_user="employee")
    assert body["errors"][0]["message"] == "Unexpected error."
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL"
    assert "secret" not in str(body)


async def test_healthz_and_graphiql(gql: GraphQLClient) -> None:
    health = await gql.http.get("/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    ide = await gql.http.get("/graphql", headers={"Accept": "text/html"})
    assert ide.status_code == 200
    assert "graphiql" in ide.text.lower()


async def test_limits_and_syntax_errors_hold_for_repeated_documents(gql: GraphQLClient) -> None:
    # parsed documents and validation results are cached: a second identical
    # request must be refused exactly like the first
    deep = "{ me { employee { " + "manager { " * 15 + "email" + " }" * 15 + " } } }"
    long = "{ me { " + " ".join(["roles"] * 3000) + " } }"
    for query, expected in ((deep, "exceeds maximum operation depth"), (long, "token")):
        first = await gql.raw(query, as_user="employee")
        second = await gql.raw(query, as_user="employee")
        assert expected in first["errors"][0]["message"].lower()
        assert first == second
    broken = "{ me { roles "
    for _ in range(2):
        body = await gql.raw(broken, as_user="employee")
        assert body["errors"][0]["message"].startswith("Syntax Error"), body
    # and a valid document is answered each time
    assert (await gql.ok("{ me { roles } }", as_user="employee")) == (
        await gql.ok("{ me { roles } }", as_user="employee")
    )


@pytest.mark.parametrize(
    ("tenant", "email"),
    [("demo\x00", "hr@demo.perfloop.dev"), ("demo", "hr\x00@demo.perfloop.dev"), ("demo", "hr\n")],
    ids=["nul-tenant", "nul-email", "line-break"],
)
async def test_a_signed_token_with_a_control_character_in_a_claim_is_refused(
    gql: GraphQLClient, tenant: str, email: str
) -> None:
    # given a correctly signed token whose tenant or user claim holds a control character
    token = issue_token(gql.settings, tenant, email)
    # when it is used
    response = await gql.http.post(
        "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {token}"}
    )
    # then it is answered like any token that names nobody (PostgreSQL used to fail: 500)
    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
