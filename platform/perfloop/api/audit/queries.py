"""The audit log, read per object and per person."""

from __future__ import annotations

import strawberry

from perfloop.api.audit.types import AuditEvent
from perfloop.api.core.context import Info
from perfloop.api.core.inputs import as_id
from perfloop.api.core.pagination import Connection
from perfloop.api.core.permissions import requires
from perfloop.authz import Permission
from perfloop.services import audit


@strawberry.type
class AuditQueries:
    @strawberry.field(
        description=(
            "The company's audit events, newest first: who (`actor`, a user account, or "
            "`person`, an employee's account) did what (`action`) to which object "
            "(`objectType`, `objectId`), when, with before and after. For HR (audit.read "
            "at the company)."
        ),
        extensions=requires(Permission.AUDIT_READ),
    )
    async def audit_log(
        self,
        info: Info,
        object_type: str | None = None,
        object_id: str | None = None,
        actor: strawberry.ID | None = None,
        person: strawberry.ID | None = None,
        action: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AuditEvent]:
        ctx = info.context
        where = audit.AuditFilter(
            object_type=object_type, object_id=object_id, actor_id=as_id(actor),
            employee_id=as_id(person), action=action,
        )  # fmt: skip
        page = await audit.audit_page(
            ctx.session, ctx.caller, where, first=first, after=after,
            page_cap=ctx.settings.max_page_size,
        )  # fmt: skip
        return Connection[AuditEvent].from_page(page, AuditEvent.from_view)
