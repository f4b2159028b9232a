"""Organisation use-cases: org units, positions and employees.

Org units form a tree per tenant. Each unit stores a materialised path of ids
(``/1/4/9/``) so a subtree is one indexed prefix query; moving a unit rewrites
the paths of the unit and all its descendants in one UPDATE, and a move under
the unit's own subtree is refused. Employees report to a manager in the same
tenant, and a change that would close a loop in the manager chain is refused.

Reads are filtered by the caller's ``org.read`` scope in SQL: employees with
``employees_in_scope``; org units to the tenant (tenant scope), the caller's
subtree (subtree scope), or the units of the employees they reach (team, self).
Positions are the tenant's job catalogue; an employee's ``position`` holds a
position's name.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import and_, false, func, literal, or_, select, update
from sqlalchemy.exc import IntegrityError

from perfloop.authz import Permission, Scope
from perfloop.services.core import audit
from perfloop.services.core.errors import ErrorCode, ServiceError
from perfloop.services.core.pagination import Page, keyset_page
from perfloop.services.core.scopes import employees_in_scope
from perfloop.store.org import Employee, OrgUnit, Position

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.sql.elements import ColumnElement

    from perfloop.services.core.caller import Caller

__all__ = [
    "EMPLOYEE_STATUSES",
    "UNIT_KINDS",
    "create_employee",
    "create_org_unit",
    "create_position",
    "get_employee",
    "get_org_unit",
    "list_employees",
    "list_org_units",
    "list_positions",
    "manager_loop",
    "move_org_unit",
    "update_employee",
    "update_org_unit",
    "update_position",
]

UNIT_KINDS: Final = ("company", "department", "team")
EMPLOYEE_STATUSES: Final = ("active", "inactive", "left")
PATH_LIMIT: Final = 500  # org_units.path is String(500)
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _invalid(message: str, *path: str) -> ServiceError:
    return ServiceError.one(ErrorCode.INVALID, message, tuple(path))


def _not_found(what: str, *path: str) -> ServiceError:
    return ServiceError.one(ErrorCode.NOT_FOUND, f"no such {what}", tuple(path))


def _check_code(code: str, field: str = "code") -> str:
    code = code.strip()
    if not _CODE.match(code):
        raise _invalid(
            "a code is 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit",
            field,
        )
    return code


def _check_text(value: str, field: str, limit: int) -> str:
    value = value.strip()
    if not value or len(value) > limit:
        raise _invalid(f"{field} must be 1-{limit} characters", field)
    return value


# ---------------------------------------------------------------- org units


def _units_in_scope(caller: Caller, scope: Scope) -> ColumnElement[bool]:
    if scope is Scope.TENANT:
        return OrgUnit.tenant_id == caller.tenant_id
    if scope is Scope.SUBTREE and caller.employee_id is not None:
        mine = (
            select(OrgUnit.path)
            .join(Employee, Employee.org_unit_id == OrgUnit.id)
            .where(Employee.id == caller.employee_id)
            .scalar_subquery()
        )
        return and_(
            OrgUnit.tenant_id == caller.tenant_id, OrgUnit.path.startswith(mine, autoescape=False)
        )
    reached = select(Employee.org_unit_id).where(
        Employee.tenant_id == caller.tenant_id, employees_in_scope(caller, scope, Employee.id)
    )
    return and_(OrgUnit.tenant_id == caller.tenant_id, OrgUnit.id.in_(reached))


async def list_org_units(session: AsyncSession, caller: Caller) -> Sequence[OrgUnit]:
    """The units the caller may see, parents before children."""
    scope = caller.require(Permission.ORG_READ)
    query = select(OrgUnit).where(_units_in_scope(caller, scope)).order_by(OrgUnit.path)
    return (await session.execute(query)).scalars().all()


async def get_org_unit(session: AsyncSession, caller: Caller, unit_id: int) -> OrgUnit | None:
    scope = caller.require(Permission.ORG_READ)
    query = select(OrgUnit).where(OrgUnit.id == unit_id, _units_in_scope(caller, scope))
    return (await session.execute(query)).scalars().first()


async def _unit(session: AsyncSession, tenant_id: int, unit_id: int, *path: str) -> OrgUnit:
    unit = await session.get(OrgUnit, unit_id)
    if unit is None or unit.tenant_id != tenant_id:
        raise _not_found("org unit", *path)
    return unit


async def _commit(session: AsyncSession, conflict: str, *path: str) -> None:
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise ServiceError.one(ErrorCode.CONFLICT, conflict, tuple(path)) from None


def _unit_snapshot(unit: OrgUnit) -> dict[str, Any]:
    return {
        "code": unit.code,
        "name": unit.name,
        "name_en": unit.name_en,
        "kind": unit.kind,
        "parent_id": unit.parent_id,
        "path": unit.path,
    }


async def _code_taken(
    session: AsyncSession, model: type[OrgUnit] | type[Position], tenant_id: int, code: str
) -> bool:
    query = select(model.id).where(model.tenant_id == tenant_id, model.code == code)
    return (await session.execute(query)).first() is not None


async def create_org_unit(
    session: AsyncSession,
    caller: Caller,
    *,
    code: str,
    name: str,
    kind: str,
    parent_id: int | None = None,
    name_en: str | None = None,
) -> OrgUnit:
    caller.require(Permission.ORG_MANAGE)
    code = _check_code(code)
    name = _check_text(name, "name", 200)
    if kind not in UNIT_KINDS:
        raise _invalid(f"kind is one of {', '.join(UNIT_KINDS)}", "kind")
    parent = await _unit(session, caller.tenant_id, parent_id, "parent") if parent_id else None
    if await _code_taken(session, OrgUnit, caller.tenant_id, code):
        raise ServiceError.one(ErrorCode.CONFLICT, f"org unit code {code!r} is taken", ("code",))
    unit = OrgUnit(
        tenant_id=caller.tenant_id,
        parent_id=parent.id if parent else None,
        kind=kind,
        code=code,
        name=name,
        name_en=name_en.strip() or None if name_en is not None else None,
        path="",
    )
    session.add(unit)
    await session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    if len(unit.path) > PATH_LIMIT:
        await session.rollback()
        raise _invalid("the org tree is too deep here", "parent")
    audit.record(
        session, caller, "org.unit.create", "org_unit", unit.id, after=_unit_snapshot(unit)
    )
    await _commit(session, f"org unit code {code!r} is taken", "code")
    return unit


async def update_org_unit(
    session: AsyncSession, caller: Caller, unit_id: int, changes: Mapping[str, Any]
) -> OrgUnit:
    """Change code, name, name_en or kind (only the keys present in ``changes``)."""
    caller.require(Permission.ORG_MANAGE)
    unit = await _unit(session, caller.tenant_id, unit_id, "id")
    before = _unit_snapshot(unit)
    if changes.get("code") is not None:
        code = _check_code(changes["code"])
        if code != unit.code and await _code_taken(session, OrgUnit, caller.tenant_id, code):
            raise ServiceError.one(
                ErrorCode.CONFLICT, f"org unit code {code!r} is taken", ("code",)
            )
        unit.code = code
    if changes.get("name") is not None:
        unit.name = _check_text(changes["name"], "name", 200)
    if "name_en" in changes:
        unit.name_en = (changes["name_en"] or "").strip() or None
    if changes.get("kind") is not None:
        if changes["kind"] not in UNIT_KINDS:
            raise _invalid(f"kind is one of {', '.join(UNIT_KINDS)}", "kind")
        unit.kind = changes["kind"]
    audit.record(
        session,
        caller,
        "org.unit.update",
        "org_unit",
        unit.id,
        before=before,
        after=_unit_snapshot(unit),
    )
    await _commit(session, "org unit code is taken", "code")
    return unit


async def move_org_unit(
    session: AsyncSession, caller: Caller, unit_id: int, parent_id: int | None
) -> OrgUnit:
    """Put a unit (with its subtree) under ``parent_id``, or make it a root when None."""
    caller.require(Permission.ORG_MANAGE)
    unit = await _unit(session, caller.tenant_id, unit_id, "id")
    parent = await _unit(session, caller.tenant_id, parent_id, "parent") if parent_id else None
    if parent is not None and parent.path.startswith(unit.path):
        raise _invalid("a unit cannot move under itself or one of its own descendants", "parent")
    old_path = unit.path
    new_path = f"{parent.path if parent else '/'}{unit.id}/"
    if new_path == old_path:
        return unit
    deepest = (
        await session.execute(
            select(func.max(func.length(OrgUnit.path))).where(
                OrgUnit.tenant_id == caller.tenant_id,
                OrgUnit.path.startswith(old_path, autoescape=True),
            )
        )
    ).scalar_one()
    if (deepest or 0) - len(old_path) + len(new_path) > PATH_LIMIT:
        raise _invalid("the org tree would be too deep", "parent")
    before = _unit_snapshot(unit)
    # one statement rewrites the prefix of the unit's path and every descendant's
    await session.execute(
        update(OrgUnit)
        .where(
            OrgUnit.tenant_id == caller.tenant_id,
            OrgUnit.path.startswith(old_path, autoescape=True),
        )
        .values(path=literal(new_path) + func.substr(OrgUnit.path, len(old_path) + 1))
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(OrgUnit)
        .where(OrgUnit.id == unit.id)
        .values(parent_id=parent.id if parent else None)
        .execution_options(synchronize_session=False)
    )
    await session.flush()
    await session.refresh(unit)
    audit.record(
        session,
        caller,
        "org.unit.move",
        "org_unit",
        unit.id,
        before=before,
        after=_unit_snapshot(unit),
    )
    await session.commit()
    return unit


# ---------------------------------------------------------------- positions


async def list_positions(session: AsyncSession, caller: Caller) -> Sequence[Position]:
    caller.require(Permission.ORG_READ)
    query = select(Position).where(Position.tenant_id == caller.tenant_id).order_by(Position.code)
    return (await session.execute(query)).scalars().all()


def _position_snapshot(p: Position) -> dict[str, Any]:
    return {
        "code": p.code,
        "name": p.name,
        "name_en": p.name_en,
        "org_unit_id": p.org_unit_id,
        "grade": p.grade,
    }


async def create_position(
    session: AsyncSession,
    caller: Caller,
    *,
    code: str,
    name: str,
    name_en: str | None = None,
    org_unit_id: int | None = None,
    grade: str | None = None,
) -> Position:
    caller.require(Permission.ORG_MANAGE)
    code = _check_code(code)
    name = _check_text(name, "name", 100)
    if org_unit_id is not None:
        await _unit(session, caller.tenant_id, org_unit_id, "orgUnit")
    if await _code_taken(session, Position, caller.tenant_id, code):
        raise ServiceError.one(ErrorCode.CONFLICT, f"position code {code!r} is taken", ("code",))
    position = Position(
        tenant_id=caller.tenant_id,
        code=code,
        name=name,
        name_en=(name_en or "").strip() or None,
        org_unit_id=org_unit_id,
        grade=(grade or "").strip() or None,
    )
    session.add(position)
    await session.flush()
    audit.record(
        session,
        caller,
        "org.position.create",
        "position",
        position.id,
        after=_position_snapshot(position),
    )
    await _commit(session, f"a position named {name!r} exists already", "name")
    return position


async def update_position(
    session: AsyncSession, caller: Caller, position_id: int, changes: Mapping[str, Any]
) -> Position:
    """Change a position; a new name is carried over to every employee holding it."""
    caller.require(Permission.ORG_MANAGE)
    position = await session.get(Position, position_id)
    if position is None or position.tenant_id != caller.tenant_id:
        raise _not_found("position", "id")
    before = _position_snapshot(position)
    if changes.get("code") is not None:
        code = _check_code(changes["code"])
        if code != position.code and await _code_taken(session, Position, caller.tenant_id, code):
            raise ServiceError.one(
                ErrorCode.CONFLICT, f"position code {code!r} is taken", ("code",)
            )
        position.code = code
    if "org_unit_id" in changes:
        if changes["org_unit_id"] is not None:
            await _unit(session, caller.tenant_id, changes["org_unit_id"], "orgUnit")
        position.org_unit_id = changes["org_unit_id"]
    if "name_en" in changes:
        position.name_en = (changes["name_en"] or "").strip() or None
    if "grade" in changes:
        position.grade = (changes["grade"] or "").strip() or None
    if changes.get("name") is not None:
        name = _check_text(changes["name"], "name", 100)
        if name != position.name:
            await session.execute(
                update(Employee)
                .where(Employee.tenant_id == caller.tenant_id, Employee.position == position.name)
                .values(position=name)
                .execution_options(synchronize_session=False)
            )
            position.name = name
    audit.record(
        session,
        caller,
        "org.position.update",
        "position",
        position.id,
        before=before,
        after=_position_snapshot(position),
    )
    await _commit(session, "another position has that code or name", "name")
    return position


async def _position_named(session: AsyncSession, tenant_id: int, value: str) -> Position:
    """A position by code or name."""
    query = select(Position).where(
        Position.tenant_id == tenant_id, or_(Position.code == value, Position.name == value)
    )
    found = (await session.execute(query)).scalars().first()
    if found is None:
        raise ServiceError.one(
            ErrorCode.NOT_FOUND,
            f"no position with code or name {value!r}; create it first",
            ("position",),
        )
    return found


# ---------------------------------------------------------------- employees


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
    scope = caller.require(Permission.ORG_READ)
    where: list[ColumnElement[bool]] = [
        Employee.tenant_id == caller.tenant_id,
        employees_in_scope(caller, scope, Employee.id),
    ]
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
        Employee,
        where,
        (Employee.employee_no, Employee.id),
        first=first,
        after=after,
        cap=page_cap,
        what="employee",
    )


async def get_employee(session: AsyncSession, caller: Caller, employee_id: int) -> Employee | None:
    scope = caller.require(Permission.ORG_READ)
    query = select(Employee).where(
        Employee.id == employee_id,
        Employee.tenant_id == caller.tenant_id,
        employees_in_scope(caller, scope, Employee.id),
    )
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
        raise _not_found("manager in this tenant", "manager")
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
    if not _EMAIL.match(value) or len(value) > 254:
        raise _invalid(f"{value!r} is not an email address", "email")
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
    employee_no = _check_text(employee_no, "employeeNo", 40)
    name = _check_text(name, "name", 200)
    email = _email(email)
    grade = _check_text(grade, "grade", 20)
    await _unit(session, caller.tenant_id, org_unit_id, "orgUnit")
    held = await _position_named(session, caller.tenant_id, position.strip())
    if manager_id is not None:
        await _manager(session, caller.tenant_id, manager_id)
    if await _taken(session, caller.tenant_id, Employee.employee_no, employee_no, None):
        raise ServiceError.one(
            ErrorCode.CONFLICT, f"employee number {employee_no} is taken", ("employeeNo",)
        )
    if await _taken(session, caller.tenant_id, Employee.email, email, None):
        raise ServiceError.one(ErrorCode.CONFLICT, f"email {email} is taken", ("email",))
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
    await _commit(session, "employee number or email is taken", "employeeNo")
    return employee


async def update_employee(
    session: AsyncSession, caller: Caller, employee_id: int, changes: Mapping[str, Any]
) -> Employee:
    """Change an employee (only the keys present in ``changes``; ``manager_id`` None removes
    the manager)."""
    caller.require(Permission.ORG_MANAGE)
    employee = await session.get(Employee, employee_id)
    if employee is None or employee.tenant_id != caller.tenant_id:
        raise _not_found("employee", "id")
    before = _employee_snapshot(employee)
    tenant = caller.tenant_id
    if changes.get("employee_no") is not None:
        number = _check_text(changes["employee_no"], "employeeNo", 40)
        if await _taken(session, tenant, Employee.employee_no, number, employee.id):
            raise ServiceError.one(
                ErrorCode.CONFLICT, f"employee number {number} is taken", ("employeeNo",)
            )
        employee.employee_no = number
    if changes.get("email") is not None:
        email = _email(changes["email"])
        if await _taken(session, tenant, Employee.email, email, employee.id):
            raise ServiceError.one(ErrorCode.CONFLICT, f"email {email} is taken", ("email",))
        employee.email = email
    if changes.get("name") is not None:
        employee.name = _check_text(changes["name"], "name", 200)
    if changes.get("grade") is not None:
        employee.grade = _check_text(changes["grade"], "grade", 20)
    if changes.get("hire_date") is not None:
        employee.hire_date = changes["hire_date"]
    if changes.get("status") is not None:
        if changes["status"] not in EMPLOYEE_STATUSES:
            raise _invalid(f"status is one of {', '.join(EMPLOYEE_STATUSES)}", "status")
        employee.status = changes["status"]
    if changes.get("position") is not None:
        employee.position = (await _position_named(session, tenant, changes["position"])).name
    if changes.get("org_unit_id") is not None:
        employee.org_unit_id = (await _unit(session, tenant, changes["org_unit_id"], "orgUnit")).id
    if "manager_id" in changes:
        manager_id = changes["manager_id"]
        if manager_id is not None:
            await _manager(session, tenant, manager_id)
            if await manager_loop(session, tenant, employee.id, manager_id):
                raise _invalid(
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
    await _commit(session, "employee number or email is taken", "employeeNo")
    return employee
