"""Scope filters select exactly the employees each scope reaches, in SQL."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from perfloop.authz import EnforcerCache, Scope
from perfloop.services.core.caller import resolve_caller
from perfloop.services.core.scopes import employees_in_scope
from perfloop.store.identity import Tenant
from perfloop.store.org import Employee, OrgUnit


async def _reachable(session: AsyncSession, email: str, scope: Scope) -> set[str]:
    caller = await resolve_caller(session, EnforcerCache(), "demo", email)
    rows = await session.execute(
        select(Employee.email).where(
            Employee.tenant_id == caller.tenant_id, employees_in_scope(caller, scope, Employee.id)
        )
    )
    return set(rows.scalars())


async def _emails(session: AsyncSession, *conditions: object) -> set[str]:
    query = select(Employee.email).join(OrgUnit, OrgUnit.id == Employee.org_unit_id)
    query = query.join(Tenant, Tenant.id == Employee.tenant_id).where(Tenant.slug == "demo")
    return set((await session.execute(query.where(*conditions))).scalars())  # type: ignore[arg-type]


async def test_self_team_subtree_tenant(session: AsyncSession) -> None:
    lead = "sales-north.lead@demo.perfloop.dev"
    head = "sales.head@demo.perfloop.dev"
    everyone = await _emails(session)
    north = await _emails(session, OrgUnit.code == "sales-north")
    sales_units = select(OrgUnit.id).where(
        OrgUnit.code.in_(["sales", "sales-north", "sales-south", "sales-key"])
    )
    sales = await _emails(session, Employee.org_unit_id.in_(sales_units))

    assert await _reachable(session, lead, Scope.SELF) == {lead}
    assert await _reachable(session, lead, Scope.TEAM) == north  # the lead and their reports
    assert await _reachable(session, head, Scope.TEAM) == sales  # indirect reports too
    assert await _reachable(session, head, Scope.SUBTREE) == sales
    assert await _reachable(session, lead, Scope.SUBTREE) == north
    assert await _reachable(session, lead, Scope.TENANT) == everyone
    assert len(everyone) > len(sales) > len(north) > 1
