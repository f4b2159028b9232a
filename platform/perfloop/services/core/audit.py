"""The audit log: every mutation records who did what to which object."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from perfloop.store.core import AuditEvent

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller


def record(
    session: AsyncSession,
    caller: Caller | None,
    action: str,
    object_type: str,
    object_id: object,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str | None = None,
    tenant_id: int | None = None,
) -> AuditEvent:
    """Add an audit event to the session; it commits with the change it describes."""
    event = AuditEvent(
        tenant_id=caller.tenant_id if caller is not None else tenant_id,
        actor_id=caller.user_id if caller is not None else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=before,
        after=after,
        note=note,
    )
    session.add(event)
    return event
