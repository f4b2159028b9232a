"""Organisation, app and cycle mutations: thin wrappers over services, errors as data."""

from __future__ import annotations

from typing import Any

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.errors import user_errors
from perfloop.api.core.permissions import requires
from perfloop.api.core.scalars import JSON
from perfloop.api.cycles.queries import as_id
from perfloop.api.cycles.types import (
    AdvanceCyclePayload,
    CreateEmployeeInput,
    CreateOrgUnitInput,
    CreatePositionInput,
    Cycle,
    CyclePayload,
    EmployeePayload,
    GuardFailure,
    GuardOverrideInput,
    InstalledApp,
    InstalledAppPayload,
    OrgUnitPayload,
    Position,
    PositionPayload,
    UpdateEmployeeInput,
    UpdateOrgUnitInput,
    UpdatePositionInput,
)
from perfloop.api.identity.types import Employee, OrgUnit
from perfloop.authz import Permission
from perfloop.services import apps, cycles, org
from perfloop.services.core.errors import ServiceError


def _given(**fields: Any) -> dict[str, Any]:
    """The fields a client actually sent (UNSET ones are left out)."""
    return {k: v for k, v in fields.items() if v is not strawberry.UNSET}


def _id_or_none(value: Any) -> int | None:
    return None if value is None else as_id(value)


@strawberry.type
class CyclesMutations:
    # ------------------------------------------------------------ organisation

    @strawberry.mutation(
        description="Create an org unit (under parent, or as a root).",
        extensions=requires(Permission.ORG_MANAGE),
    )
    async def create_org_unit(self, info: Info, input: CreateOrgUnitInput) -> OrgUnitPayload:
        try:
            row = await org.create_org_unit(
                info.context.session,
                info.context.caller,
                code=input.code,
                name=input.name,
                kind=input.kind,
                parent_id=as_id(input.parent),
                name_en=input.name_en,
            )
        except ServiceError as exc:
            return OrgUnitPayload(errors=user_errors(exc))
        return OrgUnitPayload(org_unit=OrgUnit.from_row(row))

    @strawberry.mutation(
        description="Rename or re-code an org unit.", extensions=requires(Permission.ORG_MANAGE)
    )
    async def update_org_unit(
        self, info: Info, id: strawberry.ID, input: UpdateOrgUnitInput
    ) -> OrgUnitPayload:
        changes = _given(code=input.code, name=input.name, kind=input.kind, name_en=input.name_en)
        try:
            row = await org.update_org_unit(
                info.context.session, info.context.caller, as_id(id) or -1, changes
            )
        except ServiceError as exc:
            return OrgUnitPayload(errors=user_errors(exc))
        return OrgUnitPayload(org_unit=OrgUnit.from_row(row))

    @strawberry.mutation(
        description=(
            "Move an org unit with its subtree under another parent (null: make it a root). "
            "A move under its own subtree is refused."
        ),
        extensions=requires(Permission.ORG_MANAGE),
    )
    async def move_org_unit(
        self, info: Info, id: strawberry.ID, parent: strawberry.ID | None
    ) -> OrgUnitPayload:
        try:
            row = await org.move_org_unit(
                info.context.session, info.context.caller, as_id(id) or -1, as_id(parent)
            )
        except ServiceError as exc:
            return OrgUnitPayload(errors=user_errors(exc))
        return OrgUnitPayload(org_unit=OrgUnit.from_row(row))

    @strawberry.mutation(
        description="Add a position to the catalogue.", extensions=requires(Permission.ORG_MANAGE)
    )
    async def create_position(self, info: Info, input: CreatePositionInput) -> PositionPayload:
        try:
            row = await org.create_position(
                info.context.session,
                info.context.caller,
                code=input.code,
                name=input.name,
                name_en=input.name_en,
                org_unit_id=as_id(input.org_unit),
                grade=input.grade,
            )
        except ServiceError as exc:
            return PositionPayload(errors=user_errors(exc))
        return PositionPayload(position=Position.from_row(row))

    @strawberry.mutation(
        description="Change a position; a new name is carried to everyone holding it.",
        extensions=requires(Permission.ORG_MANAGE),
    )
    async def update_position(
        self, info: Info, id: strawberry.ID, input: UpdatePositionInput
    ) -> PositionPayload:
        changes = _given(
            code=input.code,
            name=input.name,
            name_en=input.name_en,
            org_unit_id=input.org_unit
            if input.org_unit is strawberry.UNSET
            else _id_or_none(input.org_unit),
            grade=input.grade,
        )
        try:
            row = await org.update_position(
                info.context.session, info.context.caller, as_id(id) or -1, changes
            )
        except ServiceError as exc:
            return PositionPayload(errors=user_errors(exc))
        return PositionPayload(position=Position.from_row(row))

    @strawberry.mutation(description="Add an employee.", extensions=requires(Permission.ORG_MANAGE))
    async def create_employee(self, info: Info, input: CreateEmployeeInput) -> EmployeePayload:
        try:
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
        except ServiceError as exc:
            return EmployeePayload(errors=user_errors(exc))
        return EmployeePayload(employee=Employee.from_row(row))

    @strawberry.mutation(
        description="Change an employee; a manager that would close a loop is refused.",
        extensions=requires(Permission.ORG_MANAGE),
    )
    async def update_employee(
        self, info: Info, id: strawberry.ID, input: UpdateEmployeeInput
    ) -> EmployeePayload:
        changes = _given(
            employee_no=input.employee_no,
            name=input.name,
            email=input.email,
            org_unit_id=as_id(input.org_unit),
            position=input.position,
            grade=input.grade,
            hire_date=input.hire_date,
            status=input.status,
            manager_id=input.manager
            if input.manager is strawberry.UNSET
            else _id_or_none(input.manager),
        )
        try:
            row = await org.update_employee(
                info.context.session, info.context.caller, as_id(id) or -1, changes
            )
        except ServiceError as exc:
            return EmployeePayload(errors=user_errors(exc))
        return EmployeePayload(employee=Employee.from_row(row))

    # ------------------------------------------------------------ apps

    @strawberry.mutation(
        description=(
            "Install an app template (key@version) with parameter overrides, for the tenant "
            "or one org unit's subtree. Everything is validated before anything is written; "
            "errors point at the offending parameter (path: parameters + JSON pointer parts)."
        ),
        extensions=requires(Permission.APP_INSTALL),
    )
    async def install_app(
        self,
        info: Info,
        app: str,
        parameters: JSON | None = None,
        org_unit: strawberry.ID | None = None,
    ) -> InstalledAppPayload:
        try:
            row = await apps.install_app(
                info.context.session, info.context.caller, app, parameters, as_id(org_unit)
            )
        except ServiceError as exc:
            return InstalledAppPayload(errors=user_errors(exc))
        return InstalledAppPayload(installed_app=InstalledApp.from_row(row))

    @strawberry.mutation(
        description=(
            "Move an installed app to a newer version of its template, re-checking its "
            "overrides against the new parameter schema. Never happens by itself."
        ),
        extensions=requires(Permission.APP_INSTALL),
    )
    async def upgrade_app(
        self, info: Info, id: strawberry.ID, to_version: int
    ) -> InstalledAppPayload:
        try:
            row = await apps.upgrade_app(
                info.context.session, info.context.caller, as_id(id) or -1, to_version
            )
        except ServiceError as exc:
            return InstalledAppPayload(errors=user_errors(exc))
        return InstalledAppPayload(installed_app=InstalledApp.from_row(row))

    # ------------------------------------------------------------ cycles

    @strawberry.mutation(
        description=(
            "Open a cycle of an installed app for a period (2026-11, 2026-Q4, 2026-H2, 2026). "
            "cycle is key@version or a key the app bundles. A year of a quarterly template "
            "with an annual summary opens the summary cycle, linked to its quarters."
        ),
        extensions=requires(Permission.CYCLE_MANAGE),
    )
    async def open_cycle(
        self, info: Info, app: strawberry.ID, cycle: str, period: str
    ) -> CyclePayload:
        try:
            view = await cycles.open_cycle(
                info.context.session, info.context.caller, as_id(app) or -1, cycle, period
            )
        except ServiceError as exc:
            return CyclePayload(errors=user_errors(exc))
        return CyclePayload(cycle=Cycle.from_view(view))

    @strawberry.mutation(
        description=(
            "Move a cycle to its next stage. The next stage's guards must hold; with "
            "override, failing guards that allow it are overridden by an HR user with a "
            "reason (audited)."
        ),
        extensions=requires(Permission.CYCLE_MANAGE),
    )
    async def advance_cycle(
        self, info: Info, id: strawberry.ID, override: GuardOverrideInput | None = None
    ) -> AdvanceCyclePayload:
        try:
            result = await cycles.advance_cycle(
                info.context.session,
                info.context.caller,
                as_id(id) or -1,
                None if override is None else override.reason,
            )
        except cycles.GuardsFailed as exc:
            return AdvanceCyclePayload(
                blocked_by=[GuardFailure.from_failure(f) for f in exc.failures],
                errors=user_errors(exc),
            )
        except ServiceError as exc:
            return AdvanceCyclePayload(errors=user_errors(exc))
        return AdvanceCyclePayload(
            cycle=Cycle.from_view(result.view),
            overridden=[GuardFailure.from_failure(f) for f in result.overridden],
        )
