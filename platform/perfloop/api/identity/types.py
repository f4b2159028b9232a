"""Users, employees and org units as GraphQL types."""

from __future__ import annotations

import datetime as dt

import strawberry

from perfloop.api.core.context import Info
from perfloop.store.identity import UserAccount
from perfloop.store.org import Employee as EmployeeRow
from perfloop.store.org import OrgUnit as OrgUnitRow


@strawberry.type
class OrgUnit:
    id: strawberry.ID
    kind: str
    code: str
    name: str
    name_en: str | None
    parent_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: OrgUnitRow) -> OrgUnit:
        return cls(
            id=strawberry.ID(str(row.id)),
            kind=row.kind,
            code=row.code,
            name=row.name,
            name_en=row.name_en,
            parent_id=row.parent_id,
        )

    @strawberry.field
    async def parent(self, info: Info) -> OrgUnit | None:
        if self.parent_id is None:
            return None
        row = await info.context.loaders.org_unit.load(self.parent_id)
        return OrgUnit.from_row(row) if row else None


@strawberry.type
class Employee:
    id: strawberry.ID
    employee_no: str
    name: str
    email: str
    position: str
    grade: str
    hire_date: dt.date
    org_unit_id: strawberry.Private[int]
    manager_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: EmployeeRow) -> Employee:
        return cls(
            id=strawberry.ID(str(row.id)),
            employee_no=row.employee_no,
            name=row.name,
            email=row.email,
            position=row.position,
            grade=row.grade,
            hire_date=row.hire_date,
            org_unit_id=row.org_unit_id,
            manager_id=row.manager_id,
        )

    @strawberry.field
    async def org_unit(self, info: Info) -> OrgUnit | None:
        row = await info.context.loaders.org_unit.load(self.org_unit_id)
        return OrgUnit.from_row(row) if row else None

    @strawberry.field
    async def manager(self, info: Info) -> Employee | None:
        if self.manager_id is None:
            return None
        row = await info.context.loaders.employee.load(self.manager_id)
        return Employee.from_row(row) if row else None


@strawberry.type
class Tenant:
    slug: str
    name: str


@strawberry.type(description="A user account.")
class User:
    id: strawberry.ID
    email: str
    display_name: str

    @classmethod
    def from_row(cls, row: UserAccount) -> User:
        return cls(id=strawberry.ID(str(row.id)), email=row.email, display_name=row.display_name)


@strawberry.type(description="The caller: their account, tenant, roles and employee record.")
class Me:
    user: User
    tenant: Tenant
    roles: list[str]
    employee_id: strawberry.Private[int | None]

    @strawberry.field
    async def employee(self, info: Info) -> Employee | None:
        if self.employee_id is None:
            return None
        row = await info.context.loaders.employee.load(self.employee_id)
        return Employee.from_row(row) if row else None
