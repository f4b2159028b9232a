"""The demo company: departments, teams, people with hire dates, accounts for every role."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from perfloop.authz import Role
from perfloop.demo import demo_users, load_demo
from perfloop.demo.context import current_quarter
from perfloop.store.identity import Tenant
from perfloop.store.org import Employee, OrgUnit


async def test_demo_company_shape(session: AsyncSession) -> None:
    tenant = (await session.execute(select(Tenant).where(Tenant.slug == "demo"))).scalar_one()
    kinds = Counter(
        (
            await session.execute(select(OrgUnit.kind).where(OrgUnit.tenant_id == tenant.id))
        ).scalars()
    )
    assert kinds["company"] == 1
    assert kinds["department"] >= 5
    assert kinds["team"] >= kinds["department"]
    employees = (
        (await session.execute(select(Employee).where(Employee.tenant_id == tenant.id)))
        .scalars()
        .all()
    )
    assert 55 <= len(employees) <= 70
    # everyone but the CEO has a manager inside the tenant
    ids = {e.id for e in employees}
    without_manager = [e for e in employees if e.manager_id is None]
    assert len(without_manager) == 1
    assert all(e.manager_id in ids for e in employees if e.manager_id is not None)
    assert all(e.grade and e.position and e.hire_date for e in employees)
    # nobody joined in the future; a few joined in the months before this quarter
    quarter = current_quarter(dt.date.today())
    assert max(e.hire_date for e in employees) < quarter.starts_on
    newcomers = [e for e in employees if (quarter.starts_on - e.hire_date).days < 183]
    assert 1 <= len(newcomers) <= 6


async def test_every_default_role_has_a_demo_user(session: AsyncSession) -> None:
    users = await demo_users(session)
    held = {role for u in users for role in u.roles}
    assert held >= {r.value for r in Role}
    assert all("employee" in u.roles for u in users)
    by_email = {u.email: u for u in users}
    assert "hr" in by_email["hr@demo.perfloop.dev"].roles
    assert "admin" in by_email["admin@demo.perfloop.dev"].roles
    assert "executive" in by_email["ceo@demo.perfloop.dev"].roles


async def test_load_is_skipped_when_a_tenant_exists(session: AsyncSession) -> None:
    before = (await session.execute(select(func.count(Employee.id)))).scalar_one()
    assert await load_demo(session, if_empty=True) is False
    assert (await session.execute(select(func.count(Employee.id)))).scalar_one() == before
