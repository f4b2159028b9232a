"""Org units: a tree per tenant with a materialised path of ids (``/1/4/9/``), so
a subtree is one indexed prefix query. Moving a unit rewrites the paths of the
unit and all its descendants in one UPDATE; a move under the unit's own
subtree is refused. Reads are filtered by the caller's ``org.read`` scope in
SQL (``readable``): the tenant, the caller's subtree, or the units of the
employees they reach (team, self) — the same filter as ``orgUnit { parent }``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, literal, select, update

from perfloop.authz import Permission
from perfloop.services.core import audit
from perfloop.services.core.errors import ErrorCode, ServiceError
from perfloop.services.core.pagination import Page, keyset_page
from perfloop.services.core.scopes import readable
from perfloop.services.org.common import (
    PATH_LIMIT,
    UNIT_KINDS,
    check_code,
    check_text,
    code_taken,
    commit_or_conflict,
    invalid,
    unit_of_tenant,
)
from perfloop.store.core import column_length
from perfloop.store.org import OrgUnit

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller


async def list_org_units(
    session: AsyncSession, caller: Caller, *, first: int | None, after: str | None, page_cap: int
) -> Page[OrgUnit]:
    """The units the caller may see, parents before children (by path)."""
    caller.require(Permission.ORG_READ)
    return await keyset_page(
        session,
        select(OrgUnit).where(readable(caller, OrgUnit)),
        (OrgUnit.path, OrgUnit.id),
        first=first,
        after=after,
        cap=page_cap,
        what="org unit",
    )


async def get_org_unit(session: AsyncSession, caller: Caller, unit_id: int) -> OrgUnit | None:
    caller.require(Permission.ORG_READ)
    query = select(OrgUnit).where(OrgUnit.id == unit_id, readable(caller, OrgUnit))
    return (await session.execute(query)).scalars().first()


def _unit_snapshot(unit: OrgUnit) -> dict[str, Any]:
    return {
        "code": unit.code,
        "name": unit.name,
        "name_en": unit.name_en,
        "kind": unit.kind,
        "parent_id": unit.parent_id,
        "path": unit.path,
    }


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
    code = check_code(code)
    name = check_text(name, "name", column_length(OrgUnit, "name"))
    if kind not in UNIT_KINDS:
        raise invalid(f"kind is one of {', '.join(UNIT_KINDS)}", "kind")
    parent = (
        await unit_of_tenant(session, caller.tenant_id, parent_id, "parent") if parent_id else None
    )
    if await code_taken(session, OrgUnit, caller.tenant_id, code):
        raise ServiceError.one(
            ErrorCode.CONFLICT,
            f"org unit code {code!r} is taken",
            ("code",),
            zh=f"组织单元编码 {code!r} 已被使用",
        )
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
        raise invalid("the org tree is too deep here", "parent")
    audit.record(
        session, caller, "org.unit.create", "org_unit", unit.id, after=_unit_snapshot(unit)
    )
    await commit_or_conflict(session, f"org unit code {code!r} is taken", "code")
    return unit


async def update_org_unit(
    session: AsyncSession, caller: Caller, unit_id: int, changes: Mapping[str, Any]
) -> OrgUnit:
    """Change code, name, name_en or kind (only the keys present in ``changes``)."""
    caller.require(Permission.ORG_MANAGE)
    unit = await unit_of_tenant(session, caller.tenant_id, unit_id, "id")
    before = _unit_snapshot(unit)
    if changes.get("code") is not None:
        code = check_code(changes["code"])
        if code != unit.code and await code_taken(session, OrgUnit, caller.tenant_id, code):
            raise ServiceError.one(
                ErrorCode.CONFLICT,
                f"org unit code {code!r} is taken",
                ("code",),
                zh=f"组织单元编码 {code!r} 已被使用",
            )
        unit.code = code
    if changes.get("name") is not None:
        unit.name = check_text(changes["name"], "name", column_length(OrgUnit, "name"))
    if "name_en" in changes:
        unit.name_en = (changes["name_en"] or "").strip() or None
    if changes.get("kind") is not None:
        if changes["kind"] not in UNIT_KINDS:
            raise invalid(f"kind is one of {', '.join(UNIT_KINDS)}", "kind")
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
    await commit_or_conflict(session, "org unit code is taken", "code")
    return unit


async def move_org_unit(
    session: AsyncSession, caller: Caller, unit_id: int, parent_id: int | None
) -> OrgUnit:
    """Put a unit (with its subtree) under ``parent_id``, or make it a root when None."""
    caller.require(Permission.ORG_MANAGE)
    unit = await unit_of_tenant(session, caller.tenant_id, unit_id, "id")
    parent = (
        await unit_of_tenant(session, caller.tenant_id, parent_id, "parent") if parent_id else None
    )
    if parent is not None and parent.path.startswith(unit.path):
        raise invalid("a unit cannot move under itself or one of its own descendants", "parent")
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
        raise invalid("the org tree would be too deep", "parent")
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
