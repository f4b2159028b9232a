"""Import an org chart from CSV or .xlsx: units, positions and employees in one transaction.

One row per employee. Columns (English or the Chinese header HR sheets use):

    employee_no 工号 · name 姓名 · email 邮箱 · org_unit_code 部门编码 ·
    org_unit_name 部门名称 · org_unit_kind 部门类型 · parent_unit_code 上级部门编码 ·
    position 职位 · grade 职级 · hire_date 入职日期 · manager_email 上级邮箱

Units are created when their code is new (the row must give the unit's name;
the kind defaults to ``team``) and updated (name, parent) when it exists;
positions are created by name; employees are matched by ``employee_no`` and
created or updated. A manager may be an existing employee or one in the file.

Files are read with :mod:`perfloop.tabular` (:func:`read_table`): a CSV
file's encoding is detected (UTF-8, GBK/GB18030, …) or given; a workbook is
read from its first sheet whose header names a known column (an instructions
tab before it is passed over) or from the sheet given; ``hire_date`` takes
every form :func:`perfloop.tabular.parse_date` reads (``2026-10-15``,
``2026/10/15``, ``2026年10月15日``, a date cell, …). Columns the import does not
know are ignored; a repeated column, or a required one missing, is refused.

Every row is checked before anything is written, and the whole import is one
transaction: any problem is reported as ``RowError(row, column, message,
message_zh, letter)`` (``row`` as the spreadsheet shows it, the header being
row 1 in the usual file; ``letter`` the column's, when the rows came from a
file) and nothing is stored. A file with a header and no rows is refused: an
empty org chart is a wrong file or a wrong sheet, not a chart.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from perfloop.authz import Permission
from perfloop.services.core import audit
from perfloop.services.core.errors import ServiceError
from perfloop.services.org.common import (
    CODE_PATTERN,
    EMAIL_PATTERN,
    EMPLOYEE_STATUSES,
    PATH_LIMIT,
    UNIT_KINDS,
)
from perfloop.store.org import Employee, OrgUnit, Position
from perfloop.tabular import Columns, HeaderError, ValueProblem, open_table, parse_date

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller

__all__ = [
    "COLUMNS",
    "ImportFailed",
    "ImportReport",
    "OrgRows",
    "RowError",
    "import_org",
    "read_table",
]

COLUMNS: Final = {
    "employee_no": ("工号", "employee_number", "emp_no"),
    "name": ("姓名",),
    "email": ("邮箱", "email_address", "e-mail"),
    "org_unit_code": ("部门编码", "unit_code"),
    "org_unit_name": ("部门名称", "unit_name", "org_unit"),
    "org_unit_kind": ("部门类型", "unit_kind"),
    "parent_unit_code": ("上级部门编码", "parent_code", "parent_unit"),
    "position": ("职位", "岗位", "title"),
    "grade": ("职级", "level"),
    "hire_date": ("入职日期", "start_date"),
    "manager_email": ("上级邮箱", "manager"),
    "status": ("状态",),
}
REQUIRED: Final = (
    "employee_no",
    "name",
    "email",
    "org_unit_code",
    "position",
    "grade",
    "hire_date",
)
#: the header a file may have (unknown columns are left out, as before a reader existed)
ORG_COLUMNS: Final = Columns(COLUMNS, required=REQUIRED, unknown="ignore")
_LIMITS: Final = {"employee_no": 40, "name": 200, "position": 100, "grade": 20}


@dataclass(frozen=True, order=True)
class RowError:
    """One problem: ``row`` (as the spreadsheet shows it), ``column`` (the
    canonical name; ``""`` for the row or file as a whole), ``message`` in
    English, ``message_zh`` in Chinese, ``letter`` the column's letter in the
    file (``""`` when unknown: rows not read from a file)."""

    row: int
    column: str
    message: str
    message_zh: str = ""
    letter: str = ""

    def __str__(self) -> str:
        where = f"row {self.row}"
        where_zh = f"第 {self.row} 行"
        if self.column:
            where += (
                f", column {self.letter} ({self.column})" if self.letter else f", {self.column}"
            )
            where_zh += (
                f" {self.letter} 列（{self.column}）" if self.letter else f"（{self.column}）"
            )
        text = f"{where}: {self.message}"
        return f"{text} / {where_zh}：{self.message_zh}" if self.message_zh else text


class ImportFailed(ServiceError):
    """The file has problems; nothing was written."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.row_errors = sorted(errors)
        super().__init__([])
        self.args = (f"{len(self.row_errors)} problem(s); nothing was imported",)


class OrgRows(list[tuple[int, dict[str, Any]]]):
    """Rows read from a file (:func:`read_table`): ``(row_number, {column:
    value})``, and where they came from: ``letters`` (each column's letter,
    so errors can name it), ``header_row``, ``sheet`` (.xlsx) and
    ``encoding`` (CSV)."""

    def __init__(
        self,
        rows: Iterable[tuple[int, dict[str, Any]]] = (),
        *,
        letters: Mapping[str, str] | None = None,
        header_row: int = 1,
        sheet: str | None = None,
        encoding: str | None = None,
    ) -> None:
        super().__init__(rows)
        self.letters: dict[str, str] = dict(letters or {})
        self.header_row = header_row
        self.sheet = sheet
        self.encoding = encoding


@dataclass
class ImportReport:
    rows: int = 0
    units_created: int = 0
    units_updated: int = 0
    positions_created: int = 0
    employees_created: int = 0
    employees_updated: int = 0
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- reading files


def _cell(column: str, value: object) -> Any:
    """A cell as the checks take it: text trimmed, numbers as text (``4``, not
    ``4.0``: a grade, an employee number), dates as dates. ``hire_date`` keeps
    its number: an Excel serial is a date there."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        return value.strip()
    if column == "hire_date":
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    return value


def read_table(
    path: Path, *, encoding: str | None = None, sheet: str | int | None = None
) -> OrgRows:
    """Rows of a .csv or .xlsx file as ``(row_number, {column: value})`` (see
    the module's notes); rows blank in every known column are skipped.

    ``encoding``: a CSV file's (None: detected); ``sheet``: a workbook's sheet
    by name or 1-based position (None: the first with a known header). Raises
    :class:`perfloop.tabular.FileError` for a file that cannot be read, and
    :class:`ImportFailed` for a header with a repeated or missing column."""
    try:
        table = open_table(path, columns=ORG_COLUMNS, encoding=encoding, sheet=sheet)
    except HeaderError as exc:
        raise ImportFailed(
            [
                RowError(exc.row, p.column, p.message, p.message_zh, ", ".join(p.letters))
                for p in exc.problems
            ]
        ) from None
    with table:
        header = table.header
        positions = header.positions
        rows = OrgRows(
            letters={name: header.letter(name) for _, name in positions},
            header_row=header.row,
            sheet=table.sheet,
            encoding=table.encoding,
        )
        for number, cells in table:
            width = len(cells)
            row = {name: _cell(name, cells[i]) if i < width else None for i, name in positions}
            if any(v not in (None, "") for v in row.values()):
                rows.append((number, row))
    return rows


# ---------------------------------------------------------------- checking rows


@dataclass
class _Row:
    number: int
    employee_no: str
    name: str
    email: str
    unit_code: str
    unit_name: str | None
    unit_kind: str | None
    parent_code: str | None
    position: str
    grade: str
    hire_date: dt.date
    manager_email: str | None
    status: str | None  # None: keep an existing employee's status (new ones are active)


def _text(row: Mapping[str, Any], column: str) -> str:
    value = row.get(column)
    return "" if value is None else str(value).strip()


Problem = Callable[[int, str, str, str], RowError]


def _check_row(
    number: int,
    row: Mapping[str, Any],
    columns: set[str],
    errors: list[RowError],
    problem: Problem,
) -> _Row | None:
    before = len(errors)

    def bad(column: str, message: str, message_zh: str) -> None:
        errors.append(problem(number, column, message, message_zh))

    for column in REQUIRED:
        if column in columns and not _text(row, column):
            bad(column, "is empty", "为空")
    for column, limit in _LIMITS.items():
        if len(_text(row, column)) > limit:
            bad(column, f"is longer than {limit} characters", f"超过 {limit} 个字符")
    email = _text(row, "email").lower()
    if email and not EMAIL_PATTERN.match(email):
        bad("email", f"{email!r} is not an email address", f"“{email}”不是邮箱地址")
    manager = _text(row, "manager_email").lower() or None
    if manager and not EMAIL_PATTERN.match(manager):
        bad("manager_email", f"{manager!r} is not an email address", f"“{manager}”不是邮箱地址")
    if manager and manager == email:
        bad("manager_email", "an employee cannot be their own manager", "员工不能是自己的上级")
    unit_code = _text(row, "org_unit_code")
    if unit_code and not CODE_PATTERN.match(unit_code):
        bad(
            "org_unit_code",
            f"{unit_code!r} is not a code (letters, digits, '.', '_', '-')",
            f"“{unit_code}”不是编码（只能包含字母、数字和 '.'、'_'、'-'）",
        )
    parent = _text(row, "parent_unit_code") or None
    if parent and not CODE_PATTERN.match(parent):
        bad("parent_unit_code", f"{parent!r} is not a code", f"“{parent}”不是编码")
    if parent and parent == unit_code:
        bad("parent_unit_code", "a unit cannot be its own parent", "部门不能是自己的上级部门")
    kind = _text(row, "org_unit_kind").lower() or None
    if kind and kind not in UNIT_KINDS:
        bad(
            "org_unit_kind",
            f"is one of {', '.join(UNIT_KINDS)}",
            f"应为以下之一：{'、'.join(UNIT_KINDS)}",
        )
    hire: dt.date | None = None
    try:
        hire = parse_date(row.get("hire_date"))
    except ValueProblem as exc:
        bad("hire_date", exc.message, exc.message_zh)
    status = _text(row, "status").lower() or None
    if status is not None and status not in EMPLOYEE_STATUSES:
        bad(
            "status",
            f"is one of {', '.join(EMPLOYEE_STATUSES)}",
            f"应为以下之一：{'、'.join(EMPLOYEE_STATUSES)}",
        )
    if len(errors) > before or hire is None:
        return None
    return _Row(
        number=number,
        employee_no=_text(row, "employee_no"),
        name=_text(row, "name"),
        email=email,
        unit_code=unit_code,
        unit_name=_text(row, "org_unit_name") or None,
        unit_kind=kind,
        parent_code=parent,
        position=_text(row, "position"),
        grade=_text(row, "grade"),
        hire_date=hire,
        manager_email=manager,
        status=status,
    )


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
) -> ImportReport:
    """Check every row, then write units, positions and employees in one transaction.

    Raises ``ImportFailed`` with every problem (nothing written). ``caller``
    None is the command line acting for the tenant (audited without an actor).
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
    checked = [c for n, r in rows if (c := _check_row(n, r, columns, errors, problem)) is not None]

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
    )


async def _write(
    session: AsyncSession,
    tenant_id: int,
    caller: Caller | None,
    source: str,
    checked: Sequence[_Row],
    plans: Mapping[str, _UnitPlan],
    units: dict[str, OrgUnit],
    by_no: Mapping[str, Employee],
    by_email: Mapping[str, Employee],
    positions: dict[str, Position],
    parent_of: Mapping[str, str | None],
    row_count: int,
    columns: set[str],
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
