"""Employees: who reports to whom, in which unit and position. A change that
would close a loop in the manager chain is refused; reads are filtered with
``readable`` in SQL, the same filter as ``employee { manager }``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import false, select

from perfloop.authz import Permission
from perfloop.services.core import audit
from perfloop.services.core.errors import ErrorCode, ServiceError
from perfloop.services.core.pagination import Page, keyset_page
from perfloop.services.core.scopes import readable
from perfloop.services.org.common import (
    EMAIL_PATTERN,
    EMPLOYEE_STATUSES,
    check_text,
    commit_or_conflict,
    invalid,
    not_found,
    unit_of_tenant,
)
from perfloop.services.org.positions import position_named
from perfloop.store.core import column_length
from perfloop.store.org import Employee, OrgUnit

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.sql.elements import ColumnElement

    from perfloop.services.core.caller import Caller


async def list_employees(
    session: AsyncSession,
    caller: Caller,
    *,
    org_unit_id: int | None,
    first: int | None,
    after: str | None,
    page_cap: int,
) -> Page[Employee]:
    """Employees the caller may see, by employee number; ``org_unit_id`` keeps its subtree."""
    caller.require(Permission.ORG_READ)
    where: list[ColumnElement[bool]] = [readable(caller, Employee)]
    if org_unit_id is not None:
        unit = await session.get(OrgUnit, org_unit_id)
        if unit is None or unit.tenant_id != caller.tenant_id:
            where.append(false())  # an unknown unit (or another tenant's) has nobody
        else:
            subtree = select(OrgUnit.id).where(
                OrgUnit.tenant_id == caller.tenant_id,
                OrgUnit.path.startswith(unit.path, autoescape=True),
            )
            where.append(Employee.org_unit_id.in_(subtree))
    return await keyset_page(
        session,
        select(Employee).where(*where),
        (Employee.employee_no, Employee.id),
        first=first,
        after=after,
        cap=page_cap,
        what="employee",
    )


async def get_employee(session: AsyncSession, caller: Caller, employee_id: int) -> Employee | None:
    caller.require(Permission.ORG_READ)
    query = select(Employee).where(Employee.id == employee_id, readable(caller, Employee))
    return (await session.execute(query)).scalars().first()


async def manager_loop(
    session: AsyncSession, tenant_id: int, employee_id: int, manager_id: int
) -> bool:
    """Whether ``manager_id`` is ``employee_id`` or reports (indirectly) to them."""
    if manager_id == employee_id:
        return True
    chain = (
        select(Employee.id.label("id"), Employee.manager_id.label("manager_id"))
        .where(Employee.id == manager_id, Employee.tenant_id == tenant_id)
        .cte("manager_chain", recursive=True)
    )
    chain = chain.union(
        select(Employee.id, Employee.manager_id).where(
            Employee.id == chain.c.manager_id, Employee.tenant_id == tenant_id
        )
    )
    found = await session.execute(select(chain.c.id).where(chain.c.id == employee_id))
    return found.first() is not None


def _employee_snapshot(e: Employee) -> dict[str, Any]:
    return {
        "employee_no": e.employee_no,
        "name": e.name,
        "email": e.email,
        "org_unit_id": e.org_unit_id,
        "manager_id": e.manager_id,
        "position": e.position,
        "grade": e.grade,
        "hire_date": e.hire_date.isoformat(),
        "status": e.status,
    }


async def _manager(session: AsyncSession, tenant_id: int, manager_id: int) -> Employee:
    manager = await session.get(Employee, manager_id)
    if manager is None or manager.tenant_id != tenant_id:
        raise not_found("manager in this tenant", "manager")
    return manager


async def _taken(
    session: AsyncSession, tenant_id: int, column: Any, value: str, but: int | None
) -> bool:
    query = select(Employee.id).where(Employee.tenant_id == tenant_id, column == value)
    if but is not None:
        query = query.where(Employee.id != but)
    return (await session.execute(query)).first() is not None


def _email(value: str) -> str:
    value = value.strip().lower()
    if not EMAIL_PATTERN.match(value) or len(value) > 254:
        raise invalid(f"{value!r} is not an email address", "email", zh=f"{value!r} 不是邮箱地址")
    return value


async def create_employee(
    session: AsyncSession,
    caller: Caller,
    *,
    employee_no: str,
    name: str,
    email: str,
    org_unit_id: int,
    position: str,
    grade: str,
    hire_date: dt.date,
    manager_id: int | None = None,
) -> Employee:
    caller.require(Permission.ORG_MANAGE)
    employee_no = check_text(employee_no, "employeeNo", column_length(Employee, "employee_no"))
    name = check_text(name, "name", column_length(Employee, "name"))
    email = _email(email)
    grade = check_text(grade, "grade", column_length(Employee, "grade"))
    await unit_of_tenant(session, caller.tenant_id, org_unit_id, "orgUnit")
    held = await position_named(session, caller.tenant_id, position.strip())
    if manager_id is not None:
        await _manager(session, caller.tenant_id, manager_id)
    if await _taken(session, caller.tenant_id, Employee.employee_no, employee_no, None):
        raise ServiceError.one(
            ErrorCode.CONFLICT,
            f"employee number {employee_no} is taken",
            ("employeeNo",),
            zh=f"工号 {employee_no} 已被使用",
        )
    if await _taken(session, caller.tenant_id, Employee.email, email, None):
        raise ServiceError.one(
            ErrorCode.CONFLICT, f"email {email} is taken", ("email",), zh=f"邮箱 {email} 已被使用"
        )
    employee = Employee(
        tenant_id=caller.tenant_id,
        org_unit_id=org_unit_id,
        manager_id=manager_id,
        employee_no=employee_no,
        name=name,
        email=email,
        position=held.name,
        grade=grade,
        hire_date=hire_date,
        status="active",
    )
    session.add(employee)
    await session.flush()
    audit.record(
        session,
        caller,
        "org.employee.create",
        "employee",
        employee.id,
        after=_employee_snapshot(employee),
    )
    await commit_or_conflict(session, "employee number or email is taken", "employeeNo")
    return employee


async def update_employee(
    session: AsyncSession, caller: Caller, employee_id: int, changes: Mapping[str, Any]
) -> Employee:
    """Change an employee (only the keys present in ``changes``; ``manager_id`` None removes
    the manager)."""
    caller.require(Permission.ORG_MANAGE)
    employee = await session.get(Employee, employee_id)
    if employee is None or employee.tenant_id != caller.tenant_id:
        raise not_found("employee", "id")
    before = _employee_snapshot(employee)
    tenant = caller.tenant_id
    if changes.get("employee_no") is not None:
        number = check_text(
            changes["employee_no"], "employeeNo", column_length(Employee, "employee_no")
        )
        if await _taken(session, tenant, Employee.employee_no, number, employee.id):
            raise ServiceError.one(
                ErrorCode.CONFLICT,
                f"employee number {number} is taken",
                ("employeeNo",),
                zh=f"工号 {number} 已被使用",
            )
        employee.employee_no = number
    if changes.get("email") is not None:
        email = _email(changes["email"])
        if await _taken(session, tenant, Employee.email, email, employee.id):
            raise ServiceError.one(
                ErrorCode.CONFLICT,
                f"email {email} is taken",
                ("email",),
                zh=f"邮箱 {email} 已被使用",
            )
        employee.email = email
    if changes.get("name") is not None:
        employee.name = check_text(changes["name"], "name", column_length(Employee, "name"))
    if changes.get("grade") is not None:
        employee.grade = check_text(changes["grade"], "grade", column_length(Employee, "grade"))
    if changes.get("hire_date") is not None:
        employee.hire_date = changes["hire_date"]
    if changes.get("status") is not None:
        if changes["status"] not in EMPLOYEE_STATUSES:
            raise invalid(f"status is one of {', '.join(EMPLOYEE_STATUSES)}", "status")
        employee.status = changes["status"]
    if changes.get("position") is not None:
        employee.position = (await position_named(session, tenant, changes["position"])).name
    if changes.get("org_unit_id") is not None:
        employee.org_unit_id = (
            await unit_of_tenant(session, tenant, changes["org_unit_id"], "orgUnit")
        ).id
    if "manager_id" in changes:
        manager_id = changes["manager_id"]
        if manager_id is not None:
            await _manager(session, tenant, manager_id)
            if await manager_loop(session, tenant, employee.id, manager_id):
                raise invalid(
                    "that manager reports to this employee (directly or not), "
                    "which would make a loop",
                    "manager",
                )
        employee.manager_id = manager_id
    audit.record(
        session,
        caller,
        "org.employee.update",
        "employee",
        employee.id,
        before=before,
        after=_employee_snapshot(employee),
    )
    await commit_or_conflict(session, "employee number or email is taken", "employeeNo")
    return employee
