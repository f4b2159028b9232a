"""Positions: the tenant's job catalogue; an employee's ``position`` holds a
position's name, and renaming a position carries the new name to its holders.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select, update

from perfloop.authz import Permission
from perfloop.services.core import audit
from perfloop.services.core.errors import ErrorCode, ServiceError
from perfloop.services.org.common import (
    check_code,
    check_text,
    code_taken,
    commit_or_conflict,
    flush_or_conflict,
    not_found,
    unit_of_tenant,
)
from perfloop.store.core import column_length
from perfloop.store.org import Employee, Position

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller


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
    code = check_code(code)
    name = check_text(name, "name", column_length(Position, "name"))
    if org_unit_id is not None:
        await unit_of_tenant(session, caller.tenant_id, org_unit_id, "orgUnit")
    if await code_taken(session, Position, caller.tenant_id, code):
        raise ServiceError.one(
            ErrorCode.CONFLICT,
            f"position code {code!r} is taken",
            ("code",),
            zh=f"岗位编码 {code!r} 已被使用",
        )
    if await _name_taken(session, caller.tenant_id, name):
        raise ServiceError.one(
            ErrorCode.CONFLICT, f"a position named {name!r} exists already", ("name",)
        )
    position = Position(
        tenant_id=caller.tenant_id,
        code=code,
        name=name,
        name_en=(name_en or "").strip() or None,
        org_unit_id=org_unit_id,
        grade=(grade or "").strip() or None,
    )
    session.add(position)
    await flush_or_conflict(session, "another position has that code or name", "name")
    audit.record(
        session,
        caller,
        "org.position.create",
        "position",
        position.id,
        after=_position_snapshot(position),
    )
    await commit_or_conflict(session, f"a position named {name!r} exists already", "name")
    return position


async def update_position(
    session: AsyncSession, caller: Caller, position_id: int, changes: Mapping[str, Any]
) -> Position:
    """Change a position; a new name is carried over to every employee holding it."""
    caller.require(Permission.ORG_MANAGE)
    position = await session.get(Position, position_id)
    if position is None or position.tenant_id != caller.tenant_id:
        raise not_found("position", "id")
    before = _position_snapshot(position)
    if changes.get("code") is not None:
        code = check_code(changes["code"])
        if code != position.code and await code_taken(session, Position, caller.tenant_id, code):
            raise ServiceError.one(
                ErrorCode.CONFLICT,
                f"position code {code!r} is taken",
                ("code",),
                zh=f"岗位编码 {code!r} 已被使用",
            )
        position.code = code
    if "org_unit_id" in changes:
        if changes["org_unit_id"] is not None:
            await unit_of_tenant(session, caller.tenant_id, changes["org_unit_id"], "orgUnit")
        position.org_unit_id = changes["org_unit_id"]
    if "name_en" in changes:
        position.name_en = (changes["name_en"] or "").strip() or None
    if "grade" in changes:
        position.grade = (changes["grade"] or "").strip() or None
    if changes.get("name") is not None:
        name = check_text(changes["name"], "name", column_length(Position, "name"))
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
    await commit_or_conflict(session, "another position has that code or name", "name")
    return position


async def _name_taken(session: AsyncSession, tenant_id: int, name: str) -> bool:
    query = select(Position.id).where(Position.tenant_id == tenant_id, Position.name == name)
    return (await session.execute(query)).first() is not None


async def position_named(session: AsyncSession, tenant_id: int, value: str) -> Position:
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
