"""Mutations: their permission and their expected failures, declared once.

```
@mutation(description="…", permission=Permission.ORG_MANAGE)
async def create_org_unit(self, info: Info, input: CreateOrgUnitInput) -> OrgUnitPayload:
    row = await org.create_org_unit(info.context.session, info.context.caller, ...)
    return OrgUnitPayload(org_unit=OrgUnit.from_row(row))
```

A resolver holds its service call and its result mapping only. When the
service raises `ServiceError`, `ErrorsAsPayload` answers with the mutation's
payload type carrying the errors (`errors: [UserError!]!`): expected failures
are data, not GraphQL errors. A payload that says more about a failure (the
guards that blocked a cycle, say) defines ``from_service_error(exc)``.
Anything else a resolver raises is a bug, masked by `ErrorPolicy`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from sqlalchemy.exc import DBAPIError
from strawberry.extensions.field_extension import FieldExtension

from perfloop.api.core.errors import user_errors
from perfloop.api.core.permissions import requires
from perfloop.authz import Permission
from perfloop.services.core.errors import ServiceError, race_conflict

log = logging.getLogger("perfloop.api")

__all__ = ["ErrorsAsPayload", "mutation", "payload_for"]


def payload_for(payload: type[Any], exc: ServiceError) -> Any:
    """The payload `payload` answering `exc`: its own ``from_service_error``, or
    just the errors."""
    custom: Callable[[ServiceError], Any] | None = getattr(payload, "from_service_error", None)
    return custom(exc) if custom is not None else payload(errors=user_errors(exc))


class ErrorsAsPayload(FieldExtension):
    """`ServiceError` from the resolver → the field's payload type with `errors`; so is a
    database error that only says another writer raced this one (a CONFLICT to retry)."""

    def resolve(self, next_: Callable[..., Any], source: Any, info: Any, **kwargs: Any) -> Any:
        try:
            return next_(source, info, **kwargs)
        except ServiceError as exc:
            return payload_for(info.return_type, exc)

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Any, **kwargs: Any
    ) -> Any:
        try:
            return await next_(source, info, **kwargs)
        except ServiceError as exc:
            return payload_for(info.return_type, exc)
        except DBAPIError as exc:
            conflict = race_conflict(exc)
            if conflict is None:
                raise
            log.warning("write raced another in %s: %s", info.path, exc.orig)
            session = getattr(info.context, "session", None)
            if session is not None:
                await session.rollback()
            return payload_for(info.return_type, conflict)


def mutation(*, description: str, permission: Permission) -> Any:
    """``strawberry.mutation`` with its permission and its errors as payload data."""
    return strawberry.mutation(
        description=description, extensions=[*requires(permission), ErrorsAsPayload()]
    )
