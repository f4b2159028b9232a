"""Org units, positions and employees as GraphQL types, with the inputs and
payloads of their mutations."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.errors import UserError, user_errors
from perfloop.api.core.uploads import ImportRowError
from perfloop.services.core.errors import ErrorCode, ServiceError
from perfloop.services.org import ImportFailed
from perfloop.services.org import ImportReport as OrgImportReport
from perfloop.store.org import Employee as EmployeeRow
from perfloop.store.org import OrgUnit as OrgUnitRow
from perfloop.store.org import Position as PositionRow

if TYPE_CHECKING:
    pass


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


async def org_unit_by_id(info: Info, unit_id: int | None) -> OrgUnit | None:
    if unit_id is None:
        return None
    row = await info.context.loaders.org_unit.load(unit_id)
    return OrgUnit.from_row(row) if row else None


@strawberry.type(description="A job in the tenant's catalogue; employees hold it by name.")
class Position:
    id: strawberry.ID
    code: str
    name: str
    name_en: str | None
    grade: str | None = strawberry.field(description="The usual grade for the position.")
    org_unit_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: PositionRow) -> Position:
        return cls(
            id=strawberry.ID(str(row.id)),
            code=row.code,
            name=row.name,
            name_en=row.name_en,
            grade=row.grade,
            org_unit_id=row.org_unit_id,
        )

    @strawberry.field(description="The unit the position usually belongs to.")
    async def org_unit(self, info: Info) -> OrgUnit | None:
        return await org_unit_by_id(info, self.org_unit_id)


@strawberry.type
class OrgUnitPayload:
    org_unit: OrgUnit | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PositionPayload:
    position: Position | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class EmployeePayload:
    employee: Employee | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CreateOrgUnitInput:
    code: str
    name: str
    kind: str = strawberry.field(description="company, department or team.")
    parent: strawberry.ID | None = None
    name_en: str | None = None


@strawberry.input(description="Only the fields given change.")
class UpdateOrgUnitInput:
    code: str | None = None
    name: str | None = None
    kind: str | None = None
    name_en: str | None = strawberry.UNSET


@strawberry.input
class CreatePositionInput:
    code: str
    name: str
    name_en: str | None = None
    org_unit: strawberry.ID | None = None
    grade: str | None = None


@strawberry.input(description="Only the fields given change; a new name moves to its holders.")
class UpdatePositionInput:
    code: str | None = None
    name: str | None = None
    name_en: str | None = strawberry.UNSET
    org_unit: strawberry.ID | None = strawberry.UNSET
    grade: str | None = strawberry.UNSET


@strawberry.input
class CreateEmployeeInput:
    employee_no: str
    name: str
    email: str
    org_unit: strawberry.ID
    position: str = strawberry.field(description="A position's code or name.")
    grade: str
    hire_date: dt.date
    manager: strawberry.ID | None = None


@strawberry.input(description="Only the fields given change; manager: null removes the manager.")
class UpdateEmployeeInput:
    employee_no: str | None = None
    name: str | None = None
    email: str | None = None
    org_unit: strawberry.ID | None = None
    position: str | None = None
    grade: str | None = None
    hire_date: dt.date | None = None
    status: str | None = strawberry.field(default=None, description="active, inactive or left.")
    manager: strawberry.ID | None = strawberry.UNSET


@strawberry.type(
    description=(
        "What importOrgChart did (or, with dryRun, would do). On failure `errors` says "
        "why and `rowErrors` lists every problem of the file's rows; nothing is stored."
    )
)
class ImportOrgChartPayload:
    dry_run: bool = strawberry.field(default=False, description="Nothing was stored.")
    rows: int = strawberry.field(default=0, description="Employee rows read.")
    units_created: int = 0
    units_updated: int = 0
    positions_created: int = 0
    employees_created: int = 0
    employees_updated: int = 0
    sheet: str | None = strawberry.field(default=None, description="The sheet read (.xlsx).")
    encoding: str | None = strawberry.field(default=None, description="The encoding read (CSV).")
    row_errors: list[ImportRowError] = strawberry.field(
        default_factory=list, description="Every problem of the file; nothing was stored."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)

    @classmethod
    def from_report(cls, report: OrgImportReport, *, dry_run: bool) -> ImportOrgChartPayload:
        return cls(
            dry_run=dry_run,
            rows=report.rows,
            units_created=report.units_created,
            units_updated=report.units_updated,
            positions_created=report.positions_created,
            employees_created=report.employees_created,
            employees_updated=report.employees_updated,
            sheet=report.sheet,
            encoding=report.encoding,
        )

    @classmethod
    def from_service_error(cls, exc: ServiceError) -> ImportOrgChartPayload:
        if not isinstance(exc, ImportFailed):
            return cls(errors=user_errors(exc))
        problems = [
            ImportRowError(
                row=e.row,
                column=e.column or None,
                letter=e.letter or None,
                message=e.message,
                message_zh=e.message_zh or None,
            )
            for e in exc.row_errors
        ]
        summary = ServiceError.one(
            ErrorCode.INVALID,
            f"{len(problems)} problem(s) in the file (see rowErrors); nothing was imported",
            ("file",),
        )
        return cls(row_errors=problems, errors=user_errors(summary))
