"""Offboarding: a deactivated account, or an employee who left, is refused on
the very next request, in every app instance, whatever token they hold."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from sqlalchemy import select

from perfloop.api.app import create_app
from perfloop.authz import EnforcerCache
from perfloop.services.core.caller import resolve_caller
from perfloop.store import make_engine
from perfloop.store.core import AuditEvent
from perfloop.store.identity import UserAccount
from support import OTHER_HR, GraphQLClient, count_statements

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from perfloop.settings import Settings
    from support.company import Company

ME = "{ me { user { email } } }"
USERS = "query { users(first: 100) { edges { node { id email isActive } } } }"
DEACTIVATE = """
mutation($id: ID!, $reason: String) {
  deactivateUser(id: $id, reason: $reason) {
    user { email isActive } errors { code message path }
  }
}"""
REACTIVATE = """
mutation($id: ID!) {
  reactivateUser(id: $id) { user { email isActive } errors { code message path } }
}"""
SET_STATUS = """
mutation($id: ID!, $status: String!) {
  updateEmployee(id: $id, input: {status: $status}) { errors { code } }
}"""


async def user_id(company: Company, who: str) -> str:
    data = await company.ok(USERS, as_user="hr")
    return next(
        e["node"]["id"] for e in data["users"]["edges"] if e["node"]["email"] == company.email(who)
    )


def refusal(body: dict[str, Any]) -> tuple[str, str]:
    assert body["data"] is None, body
    error = body["errors"][0]
    return error["extensions"]["code"], error["message"]


@pytest.fixture
async def second_app(engine: AsyncEngine, settings: Settings) -> AsyncIterator[GraphQLClient]:
    """Another worker: its own app, engine and enforcer cache on the same database."""
    own_engine = make_engine(engine.url.render_as_string(hide_password=False))
    app = create_app(settings, engine=own_engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://worker-2.test") as http:
        yield GraphQLClient(http, settings)
    await own_engine.dispose()


async def as_worker(client: GraphQLClient, company: Company, who: str) -> dict[str, Any]:
    token = client.token(company.email(who), tenant=company.slug)
    return await client.raw(ME, headers={"Authorization": f"Bearer {token}"})


async def test_a_deactivated_account_is_refused_at_once(
    company: Company, second_app: GraphQLClient, session: AsyncSession
) -> None:
    # given an employee whose token works in two app instances
    emp = await user_id(company, "emp")
    assert "errors" not in await company.raw(ME, as_user="emp")
    assert "errors" not in await as_worker(second_app, company, "emp")
    # when HR deactivates the account, with a reason
    data = await company.ok(DEACTIVATE, {"id": emp, "reason": "left on 30 Nov"}, as_user="hr")
    # then it says so, and the same token is refused in both instances
    assert data["deactivateUser"] == {
        "user": {"email": company.email("emp"), "isActive": False},
        "errors": [],
    }
    for body in (await company.raw(ME, as_user="emp"), await as_worker(second_app, company, "emp")):
        assert refusal(body) == (
            "UNAUTHENTICATED",
            "this account has been deactivated; ask HR to reactivate it",
        )
    # and the change is audited with its actor and reason
    event = (
        await session.execute(
            select(AuditEvent).where(
                AuditEvent.action == "identity.user.deactivate", AuditEvent.object_id == emp
            )
        )
    ).scalar_one()
    assert (event.before, event.after, event.note) == (
        {"is_active": True},
        {"is_active": False},
        "left on 30 Nov",
    )
    # when HR reactivates it, the token works again everywhere
    again = await company.ok(REACTIVATE, {"id": emp}, as_user="hr")
    assert again["reactivateUser"]["user"]["isActive"] is True
    assert "errors" not in await as_worker(second_app, company, "emp")
    assert "errors" not in await company.raw(ME, as_user="emp")


async def test_an_employee_who_left_is_refused_at_once(
    company: Company, second_app: GraphQLClient
) -> None:
    # given a manager who uses both instances
    assert "errors" not in await as_worker(second_app, company, "lead")
    # when HR marks them as left
    lead_employee = str(company.people["lead"])
    marked = await company.ok(SET_STATUS, {"id": lead_employee, "status": "left"}, as_user="hr")
    assert marked["updateEmployee"]["errors"] == []
    # then their next request is refused in both
    for body in (
        await company.raw(ME, as_user="lead"),
        await as_worker(second_app, company, "lead"),
    ):
        assert refusal(body) == (
            "UNAUTHENTICATED",
            "this account's employee has left the organisation",
        )
    # and their account is not reactivated while the record says they left
    refused = await company.ok(REACTIVATE, {"id": await user_id(company, "lead")}, as_user="hr")
    assert refused["reactivateUser"]["user"] is None
    assert [(e["code"], e["path"]) for e in refused["reactivateUser"]["errors"]] == [
        ("INVALID", ["id"])
    ]
    # and back from "left" to on leave (inactive), they are served again
    await company.ok(SET_STATUS, {"id": lead_employee, "status": "inactive"}, as_user="hr")
    assert "errors" not in await as_worker(second_app, company, "lead")


ZH_REFUSED = "无权执行此操作：需要权限 user.manage"


@pytest.mark.parametrize("who", ["emp", "lead", "head", "exec"])
async def test_only_hr_and_admins_deactivate(company: Company, who: str) -> None:
    # when someone without user.manage tries to deactivate a colleague
    other = await user_id(company, "other")
    body = await company.raw(DEACTIVATE, {"id": other}, as_user=who)
    # then the field is refused and the colleague keeps working
    assert [e["extensions"] for e in body["errors"]] == [
        {"code": "FORBIDDEN", "permission": "user.manage", "messageZh": ZH_REFUSED}
    ]
    assert "errors" not in await company.raw(ME, as_user="other")


async def test_bad_requests_name_the_field(
    company: Company, other_tenant: str, session: AsyncSession
) -> None:
    hr = await user_id(company, "hr")
    emp = await user_id(company, "emp")
    query = select(UserAccount.id).where(UserAccount.email == OTHER_HR)
    foreign = str((await session.execute(query)).scalar_one())
    cases = {
        "another tenant's account": ({"id": foreign}, "NOT_FOUND", ["id"]),
        "own account": ({"id": hr}, "INVALID", ["id"]),
        "unknown id": ({"id": "999999"}, "NOT_FOUND", ["id"]),
        "malformed id": ({"id": "x"}, "NOT_FOUND", ["id"]),
        "long reason": ({"id": emp, "reason": "x" * 501}, "INVALID", ["reason"]),
    }
    for case, (variables, code, path) in cases.items():
        data = await company.ok(DEACTIVATE, variables, as_user="hr")
        assert [(e["code"], e["path"]) for e in data["deactivateUser"]["errors"]] == [
            (code, path)
        ], case
    # nothing was changed
    assert "errors" not in await company.raw(ME, as_user="emp")
    assert "errors" not in await company.raw(ME, as_user="hr")
    acme = company.gql.token(OTHER_HR, tenant=other_tenant)
    assert "errors" not in await company.gql.raw(ME, headers={"Authorization": f"Bearer {acme}"})


async def test_the_account_check_adds_no_statement(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given a warm enforcer cache for the tenant
    cache = EnforcerCache()
    async with sessions() as session:
        await resolve_caller(session, cache, company.slug, company.email("emp"))
    # when a request's caller is resolved again
    async with sessions() as session:
        with count_statements(engine) as statements:
            caller = await resolve_caller(session, cache, company.slug, company.email("emp"))
    # then one statement read the account, its tenant, its employee's status and its roles
    assert caller.email == company.email("emp")
    assert len(statements) == 1, statements
