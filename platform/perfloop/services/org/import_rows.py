"""Reading and checking the rows of an org chart file (CSV or .xlsx).

One row per employee. Columns (English or the Chinese header HR sheets use):

    employee_no 工号 · name 姓名 · email 邮箱 · org_unit_code 部门编码 ·
    org_unit_name 部门名称 · org_unit_kind 部门类型 · parent_unit_code 上级部门编码 ·
    position 职位 · grade 职级 · hire_date 入职日期 · manager_email 上级邮箱

Files are read with :mod:`perfloop.tabular` (:func:`read_table`): a CSV
file's encoding is detected (UTF-8, GBK/GB18030, …) or given; a workbook is
read from its first sheet whose header names a known column (an instructions
tab before it is passed over) or from the sheet given; ``hire_date`` takes
every form :func:`perfloop.tabular.parse_date` reads (``2026-10-15``,
``2026/10/15``, ``2026年10月15日``, a date cell, …). Columns the import does not
know are ignored; a repeated column, or a required one missing, is refused.
A problem is a ``RowError(row, column, message, message_zh, letter)``
(``row`` as the spreadsheet shows it; ``letter`` the column's, when the rows
came from a file).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from perfloop.services.core.errors import ServiceError
from perfloop.services.org.common import (
    CODE_PATTERN,
    EMAIL_PATTERN,
    EMPLOYEE_STATUSES,
    UNIT_KINDS,
)
from perfloop.tabular import Columns, HeaderError, ValueProblem, open_table, parse_date

if TYPE_CHECKING:
    pass


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
class CheckedRow:
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


def check_row(
    number: int,
    row: Mapping[str, Any],
    columns: set[str],
    errors: list[RowError],
    problem: Problem,
) -> CheckedRow | None:
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
    return CheckedRow(
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
