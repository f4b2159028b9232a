"""Import an org chart from CSV or .xlsx: units, positions and employees in one transaction.

One row per employee; the columns, and how a file is read and its rows
checked, are in ``import_rows.py``.

Units are created when their code is new (the row must give the unit's name;
the kind defaults to ``team``) and updated (name, parent) when it exists;
positions are created by name; employees are matched by ``employee_no`` and
created or updated. A manager may be an existing employee or one in the file.

Every row is checked before anything is written, and the whole import is one
transaction: any problem is reported as ``RowError(row, column, message,
message_zh, letter)`` (``row`` as the spreadsheet shows it, the header being
row 1 in the usual file; ``letter`` the column's, when the rows came from a
file) and nothing is stored. A file with a header and no rows is refused: an
empty org chart is a wrong file or a wrong sheet, not a chart.
"""

from __future__ import annotations

import asyncio
import codecs
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from perfloop.authz import Permission
from perfloop.services.core import audit
from perfloop.services.core.errors import ErrorCode, ServiceError
from perfloop.services.org.common import (
    PATH_LIMIT,
)
from perfloop.services.org.import_rows import (
    ORG_COLUMNS,
    REQUIRED,
    CheckedRow,
    ImportFailed,
    OrgRows,
    RowError,
    check_row,
    read_table,
)
from perfloop.store.core import refresh_statistics
from perfloop.store.org import Employee, OrgUnit, Position
from perfloop.tabular import DecodeError, FileError, SheetError

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller

__all__ = ["ImportReport", "import_org", "import_org_file"]


@dataclass
class ImportReport:
    rows: int = 0
    units_created: int = 0
    units_updated: int = 0
    positions_created: int = 0
    employees_created: int = 0
    employees_updated: int = 0
    warnings: list[str] = field(default_factory=list)
    sheet: str | None = None  # the workbook's sheet read (.xlsx)
    encoding: str | None = None  # the CSV file's encoding


async def import_org_file(
    session: AsyncSession,
    caller: Caller,
    path: Path,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    dry_run: bool = False,
    source: str | None = None,
) -> ImportReport:
    """:func:`import_org` of a CSV or .xlsx file (read with :func:`read_table`)
    for ``caller``, who needs ``org.manage`` (checked before the file is read).

    A file that cannot be read at all (not .csv or .xlsx, not a workbook, text
    not in its encoding, unknown sheet) is INVALID naming ``file`` (``encoding``
    or ``sheet`` when those are at fault); a header or rows with problems raise
    ``ImportFailed``. Nothing is written in either case."""
    caller.require(Permission.ORG_MANAGE)
    try:
        rows = await asyncio.to_thread(read_table, path, encoding=encoding, sheet=sheet)
    except FileError as exc:
        at_fault = "sheet" if isinstance(exc, SheetError) and sheet is not None else "file"
        if encoding is not None and not isinstance(exc, DecodeError) and not _known(encoding):
            at_fault = "encoding"
        raise ServiceError.one(
            ErrorCode.INVALID, str(exc), (at_fault,), zh=exc.message_zh
        ) from None
    report = await import_org(
        session, caller.tenant_id, rows, caller=caller, source=source or path.name, dry_run=dry_run
    )
    report.sheet, report.encoding = rows.sheet, rows.encoding
    return report


def _known(encoding: str) -> bool:
    try:
        codecs.lookup(encoding)
    except LookupError:
        return False
    return True


@dataclass
class _UnitPlan:
    code: str
    row: int
    name: str | None = None
    kind: str | None = None
    parent_code: str | None = None


def _slug(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:50] or "position"
    code, n = base, 1
    while code in taken:
        n += 1
        code = f"{base}-{n}"
    taken.add(code)
    return code


# ---------------------------------------------------------------- the import


async def import_org(
    session: AsyncSession,
    tenant_id: int,
    rows: Iterable[tuple[int, Mapping[str, Any]]],
    *,
    caller: Caller | None = None,
    source: str = "",
    dry_run: bool = False,
) -> ImportReport:
    """Check every row, then write units, positions and employees in one transaction.

    Raises ``ImportFailed`` with every problem (nothing written). ``caller``
    None is the command line acting for the tenant (audited without an actor).
    ``dry_run``: the whole import runs, and its transaction is rolled back
    instead of committed: the report says what it would have done.
    """
    if caller is not None:
        caller.require(Permission.ORG_MANAGE)
        tenant_id = caller.tenant_id
    letters = rows.letters if isinstance(rows, OrgRows) else {}
    header_row = rows.header_row if isinstance(rows, OrgRows) else 1

    def problem(row: int, column: str, message: str, message_zh: str) -> RowError:
        return RowError(row, column, message, message_zh, letters.get(column, ""))

    rows = list(rows)
    errors: list[RowError] = []
    if not rows:
        raise ImportFailed(
            [
                problem(
                    header_row,
                    "",
                    "the file has no rows below its header: an empty org chart is not imported",
                    "文件的表头下没有数据行：不导入空的组织架构",
                )
            ]
        )
    columns = set().union(*(r.keys() for _, r in rows))
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise ImportFailed(
            [
                problem(
                    header_row,
                    c,
                    f"column {ORG_COLUMNS.label(c)} is missing",
                    f"缺少列 {ORG_COLUMNS.label(c)}",
                )
                for c in missing
            ]
        )
    checked = [c for n, r in rows if (c := check_row(n, r, columns, errors, problem)) is not None]

    # duplicates inside the file
    seen_no: dict[str, int] = {}
    seen_email: dict[str, int] = {}
    for r in checked:
        if r.employee_no in seen_no:
            first = seen_no[r.employee_no]
            errors.append(
                problem(r.number, "employee_no", f"repeats row {first}", f"与第 {first} 行重复")
            )
        if r.email in seen_email:
            first = seen_email[r.email]
            errors.append(
                problem(r.number, "email", f"repeats row {first}", f"与第 {first} 行重复")
            )
        seen_no.setdefault(r.employee_no, r.number)
        seen_email.setdefault(r.email, r.number)

    # what the database holds
    units = {
        u.code: u
        for u in (
            await session.execute(select(OrgUnit).where(OrgUnit.tenant_id == tenant_id))
        ).scalars()
    }
    people = list(
        (await session.execute(select(Employee).where(Employee.tenant_id == tenant_id))).scalars()
    )
    by_no = {e.employee_no: e for e in people}
    by_email = {e.email: e for e in people}
    positions = {
        p.name: p
        for p in (
            await session.execute(select(Position).where(Position.tenant_id == tenant_id))
        ).scalars()
    }

    # units: one consistent definition per code
    plans: dict[str, _UnitPlan] = {}
    for r in checked:
        plan = plans.setdefault(r.unit_code, _UnitPlan(r.unit_code, r.number))
        for attr, value, column in (
            ("name", r.unit_name, "org_unit_name"),
            ("kind", r.unit_kind, "org_unit_kind"),
            ("parent_code", r.parent_code, "parent_unit_code"),
        ):
            if value is None:
                continue
            known = getattr(plan, attr)
            if known is None:
                setattr(plan, attr, value)
            elif known != value:
                errors.append(
                    problem(
                        r.number,
                        column,
                        f"{value!r} contradicts {known!r} given for "
                        f"unit {r.unit_code} in row {plan.row}",
                        f"“{value}”与第 {plan.row} 行为部门 {r.unit_code} 给出的“{known}”矛盾",
                    )
                )
    for plan in plans.values():
        if plan.code not in units and plan.name is None:
            errors.append(
                problem(
                    plan.row,
                    "org_unit_name",
                    f"unit {plan.code} is new; give its name to create it",
                    f"部门 {plan.code} 是新部门，请填写部门名称以创建它",
                )
            )
        if plan.parent_code and plan.parent_code not in units and plan.parent_code not in plans:
            errors.append(
                problem(
                    plan.row,
                    "parent_unit_code",
                    f"unit {plan.parent_code} is not in the tenant nor in the file",
                    f"部门 {plan.parent_code} 既不在本租户中，也不在文件中",
                )
            )
    code_of = {u.id: code for code, u in units.items()}
    parent_of: dict[str, str | None] = {
        code: code_of.get(u.parent_id) if u.parent_id is not None else None
        for code, u in units.items()
    }
    for plan in plans.values():
        if plan.parent_code is not None:
            parent_of[plan.code] = plan.parent_code
        else:
            parent_of.setdefault(plan.code, None)
    for plan in plans.values():
        seen, code = {plan.code}, parent_of.get(plan.code)
        while code is not None:
            if code in seen:
                errors.append(
                    problem(
                        plan.row,
                        "parent_unit_code",
                        f"unit {plan.code} would be inside its own subtree",
                        f"部门 {plan.code} 将成为自己的下级（上级关系形成循环）",
                    )
                )
                break
            seen.add(code)
            code = parent_of.get(code)

    # employees: uniqueness against the tenant, managers exist, no manager loops
    file_by_email = {r.email: r for r in checked}
    for r in checked:
        mine = by_no.get(r.employee_no)
        holder = by_email.get(r.email)
        renumbered = holder is not None and holder.employee_no in seen_no
        if holder is not None and (mine is None or holder.id != mine.id) and not renumbered:
            no = holder.employee_no
            errors.append(
                problem(r.number, "email", f"belongs to employee {no}", f"已属于员工 {no}")
            )
        manager = r.manager_email
        if manager and manager not in file_by_email and manager not in by_email:
            errors.append(
                problem(r.number, "manager_email", f"no employee {manager}", f"没有员工 {manager}")
            )
    email_of = {e.id: e.email for e in people}
    manager_of: dict[str, str | None] = {
        e.email: email_of.get(e.manager_id) if e.manager_id is not None else None
        for e in people
        if e.employee_no not in seen_no  # rows of the file replace what they update
    }
    keep_managers = "manager_email" not in columns
    for r in checked:
        current = by_no.get(r.employee_no)
        if keep_managers and current is not None and current.manager_id is not None:
            manager_of[r.email] = email_of.get(current.manager_id)
        else:
            manager_of[r.email] = r.manager_email
    for r in checked:
        seen, email = {r.email}, manager_of.get(r.email)
        while email is not None:
            if email in seen:
                errors.append(
                    problem(
                        r.number,
                        "manager_email",
                        "the manager chain loops back",
                        "上级关系形成了循环",
                    )
                )
                break
            seen.add(email)
            email = manager_of.get(email)

    if errors:
        raise ImportFailed(errors)
    return await _write(
        session,
        tenant_id,
        caller,
        source,
        checked,
        plans,
        units,
        by_no,
        by_email,
        positions,
        parent_of,
        len(rows),
        columns,
        dry_run=dry_run,
    )


async def _write(
    session: AsyncSession,
    tenant_id: int,
    caller: Caller | None,
    source: str,
    checked: Sequence[CheckedRow],
    plans: Mapping[str, _UnitPlan],
    units: dict[str, OrgUnit],
    by_no: Mapping[str, Employee],
    by_email: Mapping[str, Employee],
    positions: dict[str, Position],
    parent_of: Mapping[str, str | None],
    row_count: int,
    columns: set[str],
    *,
    dry_run: bool = False,
) -> ImportReport:
    report = ImportReport(rows=row_count)
    try:
        for plan in plans.values():
            unit = units.get(plan.code)
            if unit is None:
                unit = OrgUnit(
                    tenant_id=tenant_id,
                    kind=plan.kind or "team",
                    code=plan.code,
                    name=plan.name or plan.code,
                    path="",
                )
                session.add(unit)
                units[plan.code] = unit
                report.units_created += 1
            elif (plan.name and plan.name != unit.name) or (plan.kind and plan.kind != unit.kind):
                unit.name = plan.name or unit.name
                unit.kind = plan.kind or unit.kind
                report.units_updated += 1
        await session.flush()
        # parents, then every path of the tenant from the roots down
        for code, unit in units.items():
            parent = parent_of.get(code)
            parent_id = units[parent].id if parent else None
            if code in plans and parent_id != unit.parent_id:
                if unit.path:
                    report.units_updated += 1
                unit.parent_id = parent_id
        _repath(units)
        if any(len(u.path) > PATH_LIMIT for u in units.values()):
            raise ImportFailed(
                [RowError(1, "parent_unit_code", "the org tree is too deep", "组织架构层级过深")]
            )

        taken = {p.code for p in positions.values()}
        for r in checked:
            if r.position not in positions:
                position = Position(
                    tenant_id=tenant_id,
                    code=_slug(r.position, taken),
                    name=r.position,
                    org_unit_id=units[r.unit_code].id,
                    grade=r.grade,
                )
                session.add(position)
                positions[r.position] = position
                report.positions_created += 1

        saved: dict[str, Employee] = {}
        for r in checked:
            employee = by_no.get(r.employee_no)
            if employee is None:
                employee = Employee(tenant_id=tenant_id, employee_no=r.employee_no)
                session.add(employee)
                report.employees_created += 1
            else:
                report.employees_updated += 1
            employee.name = r.name
            employee.email = r.email
            employee.org_unit_id = units[r.unit_code].id
            employee.position = r.position
            employee.grade = r.grade
            employee.hire_date = r.hire_date
            employee.status = r.status or employee.status or "active"
            saved[r.email] = employee
        await session.flush()
        for r in checked:
            if "manager_email" not in columns:
                continue
            manager = saved.get(r.manager_email) if r.manager_email else None
            if r.manager_email and manager is None:
                manager = by_email[r.manager_email]
            saved[r.email].manager_id = manager.id if manager else None
        if dry_run:
            await session.rollback()
            return report
        audit.record(
            session,
            caller,
            "org.import",
            "tenant",
            tenant_id,
            after={
                "source": source,
                "rows": report.rows,
                "units_created": report.units_created,
                "units_updated": report.units_updated,
                "positions_created": report.positions_created,
                "employees_created": report.employees_created,
                "employees_updated": report.employees_updated,
            },
            tenant_id=tenant_id,
        )
        await session.commit()
    except IntegrityError as exc:
        await session.rollback()
        refused = f"the database refused the import: {exc.orig}"
        refused_zh = f"数据库拒绝了本次导入：{exc.orig}"
        raise ImportFailed([RowError(1, "", refused, refused_zh)]) from None
    except BaseException:
        await session.rollback()
        raise
    changed = (
        report.units_created + report.units_updated + report.positions_created
        + report.employees_created + report.employees_updated
    )  # fmt: skip
    await refresh_statistics(session, changed, OrgUnit, Position, Employee)
    return report


def _repath(units: Mapping[str, OrgUnit]) -> None:
    by_id = {u.id: u for u in units.values()}
    done: dict[int, str] = {}

    def path_of(unit: OrgUnit) -> str:
        if unit.id not in done:
            parent = by_id.get(unit.parent_id) if unit.parent_id is not None else None
            done[unit.id] = f"{path_of(parent) if parent else '/'}{unit.id}/"
        return done[unit.id]

    for unit in units.values():
        path = path_of(unit)
        if unit.path != path:
            unit.path = path
