"""Write the demo company into the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from perfloop.authz import Role
from perfloop.demo.closed_quarter import close_previous_quarter, monthly_stars
from perfloop.demo.company import (
    COMPANY,
    DEMO_DOMAIN,
    DEMO_TENANT,
    DEPARTMENTS,
    hire_date,
    person_name,
)
from perfloop.demo.context import Demo, current_quarter
from perfloop.demo.plans import install_app, load_plans
from perfloop.services.identity import assign_roles, create_tenant
from perfloop.store.identity import RoleAssignment, Tenant, UserAccount
from perfloop.store.org import Employee, OrgUnit

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    roles: tuple[str, ...]
    org_unit: str
    position: str


@dataclass
class _Builder:
    session: AsyncSession
    tenant: Tenant
    quarter_start: dt.date
    count: int = 0
    people: list[tuple[Employee, tuple[Role, ...]]] = field(default_factory=list)

    async def unit(
        self, parent: OrgUnit | None, kind: str, code: str, name: str, name_en: str
    ) -> OrgUnit:
        unit = OrgUnit(
            tenant_id=self.tenant.id,
            parent_id=parent.id if parent else None,
            kind=kind,
            code=code,
            name=name,
            name_en=name_en,
            path="",
        )
        self.session.add(unit)
        await self.session.flush()
        unit.path = f"{parent.path if parent else '/'}{unit.id}/"
        return unit

    async def person(
        self,
        unit: OrgUnit,
        manager: Employee | None,
        position: str,
        grade: str,
        roles: tuple[Role, ...],
        handle: str | None = None,
        *,
        newcomer: bool = False,
    ) -> Employee:
        name, default_handle = person_name(self.count)
        self.count += 1
        employee = Employee(
            tenant_id=self.tenant.id,
            org_unit_id=unit.id,
            manager_id=manager.id if manager else None,
            employee_no=f"E{self.count:04d}",
            name=name,
            email=f"{handle or default_handle + str(self.count)}@{DEMO_DOMAIN}",
            position=position,
            grade=grade,
            hire_date=hire_date(self.count, self.quarter_start, newcomer=newcomer),
        )
        self.session.add(employee)
        await self.session.flush()
        self.people.append((employee, (Role.EMPLOYEE, *roles)))
        return employee


class DemoExists(RuntimeError):
    """The database holds a demo tenant already (nothing was written)."""


async def load_demo(
    session: AsyncSession, *, if_empty: bool = True, today: dt.date | None = None
) -> bool:
    """Create the demo tenant: the company, its previous quarter closed (see
    ``demo.closed_quarter``), then its current quarter (see ``demo.plans``), then the
    closed quarter's months, each with its star (``closed_quarter.monthly_stars``).
    With ``if_empty``, do nothing when any tenant exists.

    Returns whether anything was written. The company is one transaction; the
    quarter is written through the services, each step committing on its own.
    Everything follows from ``today`` (default: the current date).
    """
    if if_empty and (await session.execute(select(func.count(Tenant.id)))).scalar_one():
        return False
    if (await session.execute(select(Tenant.id).where(Tenant.slug == DEMO_TENANT))).first():
        raise DemoExists(
            f"a tenant named {DEMO_TENANT!r} exists already; load the demo into a fresh database"
        )
    today = today or dt.date.today()
    async with _quick_commits(session):
        await _load_company(session, current_quarter(today).starts_on)
        demo = await Demo.start(session, today)
        app_id = await install_app(demo)
        past = await close_previous_quarter(demo, app_id)
        await load_plans(demo, app_id)
        await monthly_stars(past)
    return True


@asynccontextmanager
async def _quick_commits(session: AsyncSession) -> AsyncIterator[None]:
    """On SQLite, let the load's few hundred commits skip waiting for the disk
    (``synchronous=NORMAL``: with WAL a power cut may lose the last commits but
    never corrupts the file), then restore the connection's setting."""
    connection = await session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    before = int((await connection.exec_driver_sql("PRAGMA synchronous")).scalar_one())
    await connection.exec_driver_sql("PRAGMA synchronous=NORMAL")
    try:
        yield
    finally:
        await session.rollback()  # nothing is pending after a load; after a failure, clean up
        connection = await session.connection()
        await connection.exec_driver_sql(f"PRAGMA synchronous={before}")
        await session.commit()


async def _load_company(session: AsyncSession, quarter_start: dt.date) -> None:
    tenant = await create_tenant(session, DEMO_TENANT, "星河科技 Galaxy Tech (demo)")
    b = _Builder(session, tenant, quarter_start)
    company = await b.unit(None, "company", *COMPANY)
    ceo = await b.person(
        company, None, "Chief Executive Officer", "M4", (Role.EXECUTIVE, Role.MANAGER), "ceo"
    )
    for dept in DEPARTMENTS:
        dept_unit = await b.unit(company, "department", dept.code, dept.name, dept.name_en)
        head_roles = (Role.HEAD, Role.MANAGER, *((Role.HR,) if dept.code == "hr" else ()))
        head = await b.person(
            dept_unit,
            ceo,
            f"Head of {dept.name_en}",
            "M3",
            head_roles,
            "hr" if dept.code == "hr" else f"{dept.code}.head",
        )
        for team in dept.teams:
            team_unit = await b.unit(dept_unit, "team", team.code, team.name, team.name_en)
            staff_roles = (Role.HR,) if dept.code == "hr" else ()
            lead = await b.person(
                team_unit,
                head,
                f"{team.name_en} Lead",
                "M1",
                (Role.MANAGER, *staff_roles),
                f"{team.code}.lead",
            )
            for i in range(team.size):
                await b.person(
                    team_unit,
                    lead,
                    team.position,
                    f"P{3 + (i % 4)}",
                    staff_roles,
                    "employee" if team.code == "sales-north" and i == 0 else None,
                    newcomer=i in team.newcomers,
                )
            if team.code == "admin-office":
                await b.person(team_unit, lead, "IT Administrator", "P5", (Role.ADMIN,), "admin")
    for employee, roles in b.people:
        account = UserAccount(
            tenant_id=tenant.id,
            employee_id=employee.id,
            email=employee.email,
            display_name=employee.name,
        )
        session.add(account)
        await session.flush()
        await assign_roles(session, tenant.id, account.id, list(roles))
    await session.commit()


async def demo_users(session: AsyncSession) -> list[DemoUser]:
    """The demo tenant's identities with their roles, managers and admins first."""
    rows = (
        await session.execute(
            select(
                UserAccount.email,
                UserAccount.display_name,
                Employee.position,
                OrgUnit.name_en,
                UserAccount.id,
            )
            .join(Tenant, Tenant.id == UserAccount.tenant_id)
            .join(Employee, Employee.id == UserAccount.employee_id)
            .join(OrgUnit, OrgUnit.id == Employee.org_unit_id)
            .where(Tenant.slug == DEMO_TENANT)
            .order_by(Employee.employee_no)
        )
    ).all()
    roles: dict[int, list[str]] = {}
    for user_id, role in await session.execute(
        select(RoleAssignment.user_id, RoleAssignment.role).order_by(RoleAssignment.role)
    ):
        roles.setdefault(user_id, []).append(role)
    return [
        DemoUser(email, name, tuple(roles.get(uid, ())), unit or "", position)
        for email, name, position, unit, uid in rows
    ]
