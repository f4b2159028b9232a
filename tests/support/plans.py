"""Helpers for plan tests: demo lookups and a fresh open cycle per test."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Awaitable, Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from perfloop.demo import DEMO_DOMAIN
from perfloop.store.apps import InstalledApp
from perfloop.store.cycles import Cycle
from perfloop.store.identity import Tenant
from perfloop.store.org import Employee

_periods = itertools.count()
NewCycle = Callable[..., Awaitable[int]]


async def demo_tenant_id(session: AsyncSession) -> int:
    return (await session.execute(select(Tenant.id).where(Tenant.slug == "demo"))).scalar_one()


async def employee_id(session: AsyncSession, handle: str) -> int:
    email = handle if "@" in handle else f"{handle}@{DEMO_DOMAIN}"
    return (await session.execute(select(Employee.id).where(Employee.email == email))).scalar_one()


def cycle_opener(sessions: async_sessionmaker[AsyncSession]) -> NewCycle:
    """Open a quarterly cycle in the demo tenant (around today unless dates are given)."""

    async def make(start: dt.date | None = None, end: dt.date | None = None) -> int:
        today = dt.date.today()
        async with sessions() as session:
            tenant_id = await demo_tenant_id(session)
            app = InstalledApp(
                tenant_id=tenant_id,
                app_key="standard-performance",
                app_version=1,
                overrides={},
                parameters={},
            )
            session.add(app)
            await session.flush()
            cycle = Cycle(
                tenant_id=tenant_id,
                installed_app_id=app.id,
                template_key="quarterly-review",
                template_version=1,
                period_kind="quarter",
                period=f"T{next(_periods)}",
                starts_on=start or today - dt.timedelta(days=45),
                ends_on=end or today + dt.timedelta(days=45),
                stage_key="planning",
            )
            session.add(cycle)
            await session.commit()
            return cycle.id

    return make
