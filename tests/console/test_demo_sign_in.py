"""The console's demo sign-in (api/core/demo_sign_in.py): the identities it offers
and the token it gives, only when PERFLOOP_DEMO_SIGN_IN is on outside production."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from perfloop.api.app import create_app
from perfloop.api.core.auth import TokenVerifier
from perfloop.settings import Settings
from perfloop.store.identity import UserAccount
from perfloop.store.org import Employee
from support.company import Company


@asynccontextmanager
async def client(engine: AsyncEngine, **settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    url = engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url, **settings), engine=engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://perfloop.test") as http:
        yield http


async def test_it_lists_the_tenants_active_people_with_their_roles(
    engine: AsyncEngine, company: Company
) -> None:
    async with client(engine, env="development", demo_tenant=company.slug) as http:
        answer = await http.get("/auth/demo-identities")
    assert answer.status_code == 200
    body = answer.json()
    assert body["tenant"] == company.slug
    people = {p["email"]: p for p in body["identities"]}
    assert list(people) == [
        company.email(h) for h in ("hr", "exec", "head", "lead", "emp", "other")
    ]
    assert people[company.email("head")] == {
        "email": company.email("head"),
        "name": "Head",
        "roles": ["employee", "head", "manager"],
        "position": "Staff",
    }


async def test_a_token_signs_in_as_the_person_picked(
    engine: AsyncEngine, company: Company, settings: Settings
) -> None:
    async with client(engine, env="test", demo_tenant=company.slug) as http:
        answer = await http.post("/auth/demo-token", json={"email": f" {company.email('LEAD')} "})
        assert answer.status_code == 200
        token = answer.json()["token"]
        me = await http.post(
            "/graphql",
            json={"query": "{ me { user { email } roles } }"},
            headers={"Authorization": f"Bearer {token}"},
        )
    claims = await TokenVerifier(settings).verify(f"Bearer {token}")
    assert claims is not None
    assert (claims.tenant, claims.user) == (company.slug, company.email("lead"))
    assert me.json()["data"]["me"] == {
        "user": {"email": company.email("lead")},
        "roles": ["employee", "manager"],
    }


@pytest.mark.parametrize(
    ("env", "demo_sign_in"), [("development", False), ("test", False), ("production", True)]
)
async def test_both_answer_404_when_off_and_always_in_production(
    engine: AsyncEngine, company: Company, env: str, demo_sign_in: bool
) -> None:
    secret = {"secret": "a production secret of at least 32 characters"}
    async with client(
        engine, env=env, demo_sign_in=demo_sign_in, demo_tenant=company.slug, **secret
    ) as http:
        listed = await http.get("/auth/demo-identities")
        token = await http.post("/auth/demo-token", json={"email": company.email("hr")})
    for answer in (listed, token):
        assert answer.status_code == 404
        assert "PERFLOOP_DEMO_SIGN_IN" in answer.json()["errors"][0]["message"]
        assert "token" not in answer.json()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"email": "nobody@nowhere.test"}, "'nobody@nowhere.test' is not an account of tenant"),
        ({"email": ""}, 'the body must be JSON {"email"'),
        ({"mail": "x"}, 'the body must be JSON {"email"'),
        (["x"], 'the body must be JSON {"email"'),
    ],
)
async def test_an_unknown_email_or_a_bad_body_is_a_400_naming_it(
    engine: AsyncEngine, company: Company, body: Any, message: str
) -> None:
    async with client(engine, env="development", demo_tenant=company.slug) as http:
        answer = await http.post("/auth/demo-token", json=body)
        not_json = await http.post("/auth/demo-token", content=b"{not json")
    assert answer.status_code == 400
    error = answer.json()["errors"][0]
    assert message in error["message"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert not_json.status_code == 400


async def test_a_deactivated_account_or_one_that_left_is_refused(
    engine: AsyncEngine, company: Company, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session:
        await session.execute(
            update(UserAccount)
            .where(UserAccount.email == company.email("emp"))
            .values(is_active=False)
        )
        await session.execute(
            update(Employee).where(Employee.id == company.people["other"]).values(status="left")
        )
        await session.commit()
    async with client(engine, env="development", demo_tenant=company.slug) as http:
        listed = (await http.get("/auth/demo-identities")).json()["identities"]
        deactivated = await http.post("/auth/demo-token", json={"email": company.email("emp")})
        left = await http.post("/auth/demo-token", json={"email": company.email("other")})
    emails = {p["email"] for p in listed}
    assert company.email("emp") not in emails
    assert company.email("other") not in emails
    assert deactivated.status_code == 403
    assert "deactivated" in deactivated.json()["errors"][0]["message"]
    assert left.status_code == 403
    assert "left the organisation" in left.json()["errors"][0]["message"]
    assert left.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_the_setting_is_on_by_default_outside_production() -> None:
    assert Settings(env="development").demo_sign_in_enabled
    assert not Settings(env="development", demo_sign_in=False).demo_sign_in_enabled
    production = Settings(env="production", secret="a production secret of at least 32 chars")
    assert not production.demo_sign_in_enabled
