"""A caller's roles are read from the database for that one user, with the
account, on every request: no worker builds a role graph of the tenant's
people, and a role granted or withdrawn counts on the user's next request in
every worker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from sqlalchemy import delete, func, select

from perfloop.api.app import create_app
from perfloop.authz import EnforcerCache
from perfloop.services.core.caller import resolve_caller
from perfloop.store import make_engine
from perfloop.store.identity import PolicyRule, RoleAssignment, Tenant, UserAccount
from support import GraphQLClient

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from perfloop.settings import Settings
    from support.company import Company

SEEN = "{ me { roles } users(first: 100) { totalCount } }"


@pytest.fixture
async def second_app(engine: AsyncEngine, settings: Settings) -> AsyncIterator[GraphQLClient]:
    """Another worker: its own app, engine and enforcer cache on the same database."""
    own_engine = make_engine(engine.url.render_as_string(hide_password=False))
    app = create_app(settings, engine=own_engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://worker-2.test") as http:
        yield GraphQLClient(http, settings)
    await own_engine.dispose()


async def seen_by(client: GraphQLClient, company: Company, who: str) -> tuple[list[str], int]:
    token = client.token(company.email(who), tenant=company.slug)
    body: dict[str, Any] = await client.raw(SEEN, headers={"Authorization": f"Bearer {token}"})
    assert "errors" not in body, body
    return body["data"]["me"]["roles"], body["data"]["users"]["totalCount"]


async def test_a_role_counts_on_the_next_request_in_every_worker(
    company: Company, second_app: GraphQLClient, session: AsyncSession
) -> None:
    # given an employee whose roles both workers have already answered for
    assert await seen_by(company.gql, company, "emp") == (["employee"], 1)
    assert await seen_by(second_app, company, "emp") == (["employee"], 1)
    version = select(Tenant.policy_version).where(Tenant.slug == company.slug)
    before = (await session.execute(version)).scalar_one()
    # when the employee is given the HR role, with no policy version bumped
    account = (
        await session.execute(select(UserAccount).where(UserAccount.email == company.email("emp")))
    ).scalar_one()
    session.add(RoleAssignment(tenant_id=account.tenant_id, user_id=account.id, role="hr"))
    await session.commit()
    assert (await session.execute(version)).scalar_one() == before
    # then their next request, in either worker, has the role and its reach
    assert await seen_by(company.gql, company, "emp") == (["employee", "hr"], 6)
    assert await seen_by(second_app, company, "emp") == (["employee", "hr"], 6)
    # and when it is withdrawn, the next request has lost it
    await session.execute(
        delete(RoleAssignment).where(
            RoleAssignment.user_id == account.id, RoleAssignment.role == "hr"
        )
    )
    await session.commit()
    assert await seen_by(company.gql, company, "emp") == (["employee"], 1)
    assert await seen_by(second_app, company, "emp") == (["employee"], 1)


async def test_a_caller_has_their_own_roles_only(
    company: Company, sessions: async_sessionmaker[AsyncSession]
) -> None:
    cache = EnforcerCache()
    async with sessions() as session:
        head = await resolve_caller(session, cache, company.slug, company.email("head"))
        emp = await resolve_caller(session, cache, company.slug, company.email("emp"))
    assert head.roles == ["employee", "head", "manager"]
    assert emp.roles == ["employee"]


async def test_an_assignment_in_another_tenant_grants_nothing(
    company: Company, other_tenant: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given a (corrupt) assignment that names the account but another tenant
    async with sessions() as session:
        account = (
            await session.execute(
                select(UserAccount).where(UserAccount.email == company.email("emp"))
            )
        ).scalar_one()
        acme = (
            await session.execute(select(Tenant.id).where(Tenant.slug == other_tenant))
        ).scalar_one()
        session.add(RoleAssignment(tenant_id=acme, user_id=account.id, role="admin"))
        await session.commit()
        # then the caller does not hold it in their own tenant
        caller = await resolve_caller(session, EnforcerCache(), company.slug, account.email)
    assert caller.roles == ["employee"]


async def test_the_enforcer_holds_the_tenants_policy_lines_only(
    company: Company, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # when a caller of the tenant is resolved in a fresh worker
    cache = EnforcerCache()
    async with sessions() as session:
        caller = await resolve_caller(session, cache, company.slug, company.email("hr"))
        lines = (
            await session.execute(
                select(func.count())
                .select_from(PolicyRule)
                .where(PolicyRule.tenant_id == caller.tenant_id, PolicyRule.ptype == "p")
            )
        ).scalar_one()
    # then its enforcer holds the policy lines and no line per person
    assert caller.enforcer.size == lines
