"""A small fresh tenant per test, for org and cycle tests."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from perfloop.authz import Role
from perfloop.services.identity import assign_roles, create_tenant
from perfloop.store.identity import UserAccount
from perfloop.store.org import Employee, OrgUnit
from support import GraphQLClient

_n = itertools.count()


@dataclass
class Company:
    """A tenant: co (company) > d1 (head) > t1 (lead, emp); co > d2 (other)."""

    gql: GraphQLClient
    slug: str
    units: dict[str, int] = field(default_factory=dict)
    people: dict[str, int] = field(default_factory=dict)

    def email(self, who: str) -> str:
        return f"{who}@{self.slug}.test"

    async def raw(
        self, query: str, variables: dict[str, Any] | None = None, *, as_user: str
    ) -> Any:
        token = self.gql.token(self.email(as_user), tenant=self.slug)
        return await self.gql.raw(query, variables, headers={"Authorization": f"Bearer {token}"})

    async def ok(self, query: str, variables: dict[str, Any] | None = None, *, as_user: str) -> Any:
        body = await self.raw(query, variables, as_user=as_user)
        assert "errors" not in body, body["errors"]
        return body["data"]


PEOPLE = (
    # handle, unit, manager, roles
    ("hr", "co", None, (Role.HR,)),
    ("exec", "co", None, (Role.EXECUTIVE,)),
    ("head", "d1", "exec", (Role.HEAD, Role.MANAGER)),
    ("lead", "t1", "head", (Role.MANAGER,)),
    ("emp", "t1", "lead", ()),
    ("other", "d2", "exec", ()),
)


async def create_company(sessions: async_sessionmaker[AsyncSession], gql: GraphQLClient) -> Company:
    """A fresh tenant shaped like PEOPLE, with an account per person."""
    slug = f"t{next(_n)}-{uuid.uuid4().hex[:8]}"
    result = Company(gql, slug)
    async with sessions() as session:
        tenant = await create_tenant(session, slug, f"Test {slug}")
        parents: dict[str, OrgUnit | None] = {"co": None}
        for code, kind, parent in (
            ("co", "company", None),
            ("d1", "department", "co"),
            ("t1", "team", "d1"),
            ("d2", "department", "co"),
        ):
            up = parents.get(parent) if parent else None
            unit = OrgUnit(tenant_id=tenant.id, parent_id=up.id if up else None, kind=kind,
                           code=code, name=f"{code} 部门", path="")  # fmt: skip
            session.add(unit)
            await session.flush()
            unit.path = f"{up.path if up else '/'}{unit.id}/"
            parents[code] = unit
            result.units[code] = unit.id
        for i, (handle, unit_code, manager, roles) in enumerate(PEOPLE):
            employee = Employee(
                tenant_id=tenant.id,
                org_unit_id=result.units[unit_code],
                manager_id=result.people[manager] if manager else None,
                employee_no=f"N{i:03d}",
                name=handle.title(),
                email=result.email(handle),
                position="Staff",
                grade="P3",
                hire_date=dt.date(2020, 1, 1),
            )
            session.add(employee)
            await session.flush()
            result.people[handle] = employee.id
            user = UserAccount(tenant_id=tenant.id, employee_id=employee.id,
                               email=employee.email, display_name=employee.name)  # fmt: skip
            session.add(user)
            await session.flush()
            await assign_roles(session, tenant.id, user.id, [Role.EMPLOYEE, *roles])
        await session.commit()
    return result
