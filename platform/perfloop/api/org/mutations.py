"""Org chart mutations: units, positions and employees."""

from __future__ import annotations

import strawberry
from strawberry.file_uploads import Upload

from perfloop.api.core.context import Info
from perfloop.api.core.inputs import as_id, given
from perfloop.api.core.payloads import mutation
from perfloop.api.core.uploads import saved_upload
from perfloop.api.org.types import (
    CreateEmployeeInput,
    CreateOrgUnitInput,
    CreatePositionInput,
    Employee,
    EmployeePayload,
    ImportOrgChartPayload,
    OrgUnit,
    OrgUnitPayload,
    Position,
    PositionPayload,
    UpdateEmployeeInput,
    UpdateOrgUnitInput,
    UpdatePositionInput,
)
from perfloop.authz import Permission
from perfloop.services import org


@strawberry.type
class OrgMutations:
    @mutation(
        description=(
            "Create or update org units, positions and employees from a .csv or .xlsx file "
            "sent as a multipart upload (one row per employee; the columns of `perfloop "
            "import org`, English or Chinese headers). Every row is checked first: on any "
            "problem `rowErrors` lists them all and nothing is stored; otherwise the whole "
            "file is stored in one transaction. dryRun: check and count, store nothing. "
            "sheet: a workbook's sheet, by name or position from 1 (default: the first "
            "whose header names known columns); encoding: a CSV file's (default: detected)."
        ),
        permission=Permission.ORG_MANAGE,
    )
    async def import_org_chart(
        self,
        info: Info,
        file: Upload,
        sheet: str | None = None,
        encoding: str | None = None,
        dry_run: bool = False,
    ) -> ImportOrgChartPayload:
        async with saved_upload(file) as path:
            report = await org.import_org_file(
                info.context.session,
                info.context.caller,
                path,
                encoding=(encoding or "").strip() or None,
                sheet=(sheet or "").strip() or None,
                dry_run=dry_run,
            )
        return ImportOrgChartPayload.from_report(report, dry_run=dry_run)

    @mutation(
        description="Create an org unit (under parent, or as a root).",
        permission=Permission.ORG_MANAGE,
    )
    async def create_org_unit(self, info: Info, input: CreateOrgUnitInput) -> OrgUnitPayload:
        row = await org.create_org_unit(
            info.context.session,
            info.context.caller,
            code=input.code,
            name=input.name,
            kind=input.kind,
            parent_id=as_id(input.parent),
            name_en=input.name_en,
        )
        return OrgUnitPayload(org_unit=OrgUnit.from_row(row))

    @mutation(description="Rename or re-code an org unit.", permission=Permission.ORG_MANAGE)
    async def update_org_unit(
        self, info: Info, id: strawberry.ID, input: UpdateOrgUnitInput
    ) -> OrgUnitPayload:
        changes = given(code=input.code, name=input.name, kind=input.kind, name_en=input.name_en)
        row = await org.update_org_unit(
            info.context.session, info.context.caller, as_id(id) or -1, changes
        )
        return OrgUnitPayload(org_unit=OrgUnit.from_row(row))

    @mutation(
        description=(
            "Move an org unit with its subtree under another parent (null: make it a root). "
            "A move under its own subtree is refused."
        ),
        permission=Permission.ORG_MANAGE,
    )
    async def move_org_unit(
        self, info: Info, id: strawberry.ID, parent: strawberry.ID | None
    ) -> OrgUnitPayload:
        row = await org.move_org_unit(
            info.context.session, info.context.caller, as_id(id) or -1, as_id(parent)
        )
        return OrgUnitPayload(org_unit=OrgUnit.from_row(row))

    @mutation(description="Add a position to the catalogue.", permission=Permission.ORG_MANAGE)
    async def create_position(self, info: Info, input: CreatePositionInput) -> PositionPayload:
        row = await org.create_position(
            info.context.session,
            info.context.caller,
            code=input.code,
            name=input.name,
            name_en=input.name_en,
            org_unit_id=as_id(input.org_unit),
            grade=input.grade,
        )
        return PositionPayload(position=Position.from_row(row))

    @mutation(
        description="Change a position; a new name is carried to everyone holding it.",
        permission=Permission.ORG_MANAGE,
    )
    async def update_position(
        self, info: Info, id: strawberry.ID, input: UpdatePositionInput
    ) -> PositionPayload:
        changes = given(
            code=input.code,
            name=input.name,
            name_en=input.name_en,
            org_unit_id=input.org_unit
            if input.org_unit is strawberry.UNSET
            else as_id(input.org_unit),
            grade=input.grade,
        )
        row = await org.update_position(
            info.context.session, info.context.caller, as_id(id) or -1, changes
        )
        return PositionPayload(position=Position.from_row(row))

    @mutation(description="Add an employee.", permission=Permission.ORG_MANAGE)
    async def create_employee(self, info: Info, input: CreateEmployeeInput) -> EmployeePayload:
        row = await org.create_employee(
            info.context.session,
            info.context.caller,
            employee_no=input.employee_no,
            name=input.name,
            email=input.email,
            org_unit_id=as_id(input.org_unit) or -1,
            position=input.position,
            grade=input.grade,
            hire_date=input.hire_date,
            manager_id=as_id(input.manager),
        )
        return EmployeePayload(employee=Employee.from_row(row))

    @mutation(
        description="Change an employee; a manager that would close a loop is refused.",
        permission=Permission.ORG_MANAGE,
    )
    async def update_employee(
        self, info: Info, id: strawberry.ID, input: UpdateEmployeeInput
    ) -> EmployeePayload:
        changes = given(
            employee_no=input.employee_no,
            name=input.name,
            email=input.email,
            org_unit_id=as_id(input.org_unit),
            position=input.position,
            grade=input.grade,
            hire_date=input.hire_date,
            status=input.status,
            manager_id=input.manager if input.manager is strawberry.UNSET else as_id(input.manager),
        )
        row = await org.update_employee(
            info.context.session, info.context.caller, as_id(id) or -1, changes
        )
        return EmployeePayload(employee=Employee.from_row(row))
