"""What the org chart's modules share: limits, checks of codes and texts, and
looking a unit up within the tenant.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from perfloop.services.core.errors import ErrorCode, ServiceError
from perfloop.store.org import OrgUnit, Position

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


UNIT_KINDS: Final = ("company", "department", "team")
EMPLOYEE_STATUSES: Final = ("active", "inactive", "left")
PATH_LIMIT: Final = 500  # org_units.path is String(500)
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def invalid(message: str, *path: str, zh: str | None = None) -> ServiceError:
    return ServiceError.one(ErrorCode.INVALID, message, tuple(path), zh=zh)


def not_found(what: str, *path: str, zh: str | None = None) -> ServiceError:
    return ServiceError.one(ErrorCode.NOT_FOUND, f"no such {what}", tuple(path), zh=zh)


def check_code(code: str, field: str = "code") -> str:
    code = code.strip()
    if not CODE_PATTERN.match(code):
        raise invalid(
            "a code is 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit",
            field,
        )
    return code


def check_text(value: str, field: str, limit: int) -> str:
    value = value.strip()
    if not value or len(value) > limit:
        raise invalid(
            f"{field} must be 1-{limit} characters", field, zh=f"{field} 须为 1 到 {limit} 个字符"
        )
    return value


async def unit_of_tenant(
    session: AsyncSession, tenant_id: int, unit_id: int, *path: str
) -> OrgUnit:
    unit = await session.get(OrgUnit, unit_id)
    if unit is None or unit.tenant_id != tenant_id:
        raise not_found("org unit", *path)
    return unit


async def commit_or_conflict(session: AsyncSession, conflict: str, *path: str) -> None:
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise ServiceError.one(ErrorCode.CONFLICT, conflict, tuple(path)) from None


async def flush_or_conflict(session: AsyncSession, conflict: str, *path: str) -> None:
    """``flush`` answering a unique key taken (by a concurrent writer, after the
    service's own check) as CONFLICT, like ``commit_or_conflict``."""
    try:
        await session.flush()
    except IntegrityError:
        await session.rollback()
        raise ServiceError.one(ErrorCode.CONFLICT, conflict, tuple(path)) from None


async def code_taken(
    session: AsyncSession, model: type[OrgUnit] | type[Position], tenant_id: int, code: str
) -> bool:
    query = select(model.id).where(model.tenant_id == tenant_id, model.code == code)
    return (await session.execute(query)).first() is not None
