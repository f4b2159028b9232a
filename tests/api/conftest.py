from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from perfloop.authz import Role
from perfloop.services.tenants import assign_roles, create_tenant
from perfloop.store.models import Tenant, UserAccount
from support import OTHER_HR


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
