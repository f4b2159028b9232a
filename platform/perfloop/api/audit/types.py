"""The audit log's events as GraphQL types."""

from __future__ import annotations

import datetime as dt

import strawberry

from perfloop.api.core.scalars import JSON
from perfloop.services import audit


@strawberry.type(description="One event of the audit log: who did what to which object, when.")
class AuditEvent:
    id: strawberry.ID
    action: str = strawberry.field(description="resource.action, e.g. appeal.decide.")
    object_type: str
    object_id: str
    actor_id: strawberry.ID | None = strawberry.field(description="The user account.")
    actor_name: str | None
    before: JSON | None
    after: JSON | None
    note: str | None = strawberry.field(description="A reason given, when there was one.")
    at: dt.datetime

    @classmethod
    def from_view(cls, e: audit.AuditEntry) -> AuditEvent:
        return cls(
            id=strawberry.ID(str(e.id)), action=e.action, object_type=e.object_type,
            object_id=e.object_id,
            actor_id=strawberry.ID(str(e.actor_id)) if e.actor_id is not None else None,
            actor_name=e.actor_name,
            before=JSON(dict(e.before)) if e.before is not None else None,
            after=JSON(dict(e.after)) if e.after is not None else None,
            note=e.note, at=e.at,
        )  # fmt: skip
