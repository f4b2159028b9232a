"""Shared fixtures: every database test runs on SQLite and, when
PERFLOOP_TEST_DATABASE_URL is set, on PostgreSQL too (the tests reset that
database's `public` schema, so point it at a database meant for tests)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from perfloop.api.app import create_app
from perfloop.authz import Role
from perfloop.demo import load_demo
from perfloop.services.identity import assign_roles, create_tenant
from perfloop.services.templates import sync_builtin_templates
from perfloop.settings import Settings, normalize_database_url
from perfloop.store import make_engine, make_sessionmaker, upgrade
from perfloop.store.identity import Tenant, UserAccount
from support import OTHER_HR, GraphQLClient
from support.company import Company, create_company
from support.plans import NewCycle, cycle_opener

PG_URL = os.environ.get("PERFLOOP_TEST_DATABASE_URL")
#: Every database test runs on both; without PERFLOOP_TEST_DATABASE_URL the
#: PostgreSQL runs are reported as skipped, with the reason, not left out.
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
NO_POSTGRES = "PostgreSQL runs need PERFLOOP_TEST_DATABASE_URL (CI sets it)"


async def reset_postgres(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))


def database_url(backend: str, tmp: Path) -> str:
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp / 'perfloop-test.db'}"
    assert PG_URL is not None
    return normalize_database_url(PG_URL)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres" and not PG_URL:
        pytest.skip(NO_POSTGRES)
    return str(request.param)


@pytest.fixture(scope="session")
async def engine(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[AsyncEngine]:
    """A migrated database with the built-ins and the demo tenant."""
    url = database_url(backend, tmp_path_factory.mktemp(backend))
    engine = make_engine(url)
    if backend == "postgres":
        await reset_postgres(engine)
    await upgrade(engine)
    async with make_sessionmaker(engine)() as session:
        await sync_builtin_templates(session)
        await load_demo(session)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(engine)


@pytest.fixture
async def session(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessions() as s:
        yield s


@pytest.fixture(scope="session")
def settings(engine: AsyncEngine) -> Settings:
    return Settings(env="test", database_url=engine.url.render_as_string(hide_password=False))


@pytest.fixture(scope="session")
async def gql(engine: AsyncEngine, settings: Settings) -> AsyncIterator[GraphQLClient]:
    app = create_app(settings, engine=engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://perfloop.test") as http:
        yield GraphQLClient(http, settings)


@pytest.fixture(scope="session")
async def other_tenant(sessions: async_sessionmaker[AsyncSession]) -> str:
    """A second tenant, `acme`, with one HR user."""
    async with sessions() as session:
        if (await session.execute(select(Tenant.id).where(Tenant.slug == "acme"))).first() is None:
            tenant = await create_tenant(session, "acme", "Acme Corp")
            user = UserAccount(tenant_id=tenant.id, email=OTHER_HR, display_name="Acme HR")
            session.add(user)
            await session.flush()
            await assign_roles(session, tenant.id, user.id, [Role.HR, Role.EMPLOYEE])
            await session.commit()
    return "acme"


@pytest.fixture
async def company(sessions: async_sessionmaker[AsyncSession], gql: GraphQLClient) -> Company:
    """A fresh small tenant (see support.company.PEOPLE)."""
    return await create_company(sessions, gql)


@pytest.fixture
def new_cycle(sessions: async_sessionmaker[AsyncSession]) -> NewCycle:
    """Open a quarterly cycle in the demo tenant (around today unless dates are given)."""
    return cycle_opener(sessions)
