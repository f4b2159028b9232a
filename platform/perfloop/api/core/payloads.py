"""Mutations: their permission and their expected failures, declared once.

```
@mutation(description="…", permission=Permission.ORG_MANAGE)
async def create_org_unit(self, info: Info, input: CreateOrgUnitInput) -> OrgUnitPayload:
    row = await org.create_org_unit(info.context.session, info.context.caller, ...)
    return OrgUnitPayload(org_unit=OrgUnit.from_row(row))
```

A resolver holds its service call and its result mapping only. When the
service raises `ServiceError` (or the store refuses a text longer than its
column, `TextTooLong`: INVALID naming the field), `ErrorsAsPayload` answers
with the mutation's payload type carrying the errors (`errors: [UserError!]!`): expected failures
are data, not GraphQL errors. A payload that says more about a failure (the
guards that blocked a cycle, say) defines ``from_service_error(exc)``.
Anything else a resolver raises is a bug, masked by `ErrorPolicy`.

An argument declared without a default (``parent: strawberry.ID | None``)
must be sent, null or not: omitted, it is refused with INVALID naming it,
before the resolver runs. (Strawberry would pass ``UNSET``, which no service
takes.) Declare ``= strawberry.UNSET`` where "not sent" means "unchanged",
``= None`` where it means null.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import strawberry
from sqlalchemy.exc import DBAPIError
from strawberry.extensions.field_extension import FieldExtension
from strawberry.utils.str_converters import to_camel_case

from perfloop.api.core.errors import too_long, user_errors
from perfloop.api.core.permissions import requires
from perfloop.authz import Permission
from perfloop.services.core.errors import ErrorCode, ServiceError, race_conflict
from perfloop.store.core import TextTooLong

if TYPE_CHECKING:
    from strawberry.types.field import StrawberryField

log = logging.getLogger("perfloop.api")

__all__ = ["ErrorsAsPayload", "mutation", "payload_for"]


def payload_for(payload: type[Any], exc: ServiceError) -> Any:
    """The payload `payload` answering `exc`: its own ``from_service_error``, or
    just the errors."""
    custom: Callable[[ServiceError], Any] | None = getattr(payload, "from_service_error", None)
    return custom(exc) if custom is not None else payload(errors=user_errors(exc))


class ErrorsAsPayload(FieldExtension):
    """`ServiceError` from the resolver → the field's payload type with `errors`; so is a
    database error that only says another writer raced this one (a CONFLICT to retry);
    an argument without a default that was not sent → INVALID, in the payload."""

    def __init__(self) -> None:
        self._must_send: dict[str, str] = {}  # python name -> GraphQL name

    def apply(self, field: StrawberryField) -> None:
        resolver = field.base_resolver
        if resolver is None:
            return
        parameters = resolver.signature.parameters
        for argument in field.arguments:
            parameter = parameters.get(argument.python_name)
            if parameter is not None and parameter.default is inspect.Parameter.empty:
                name = argument.graphql_name or to_camel_case(argument.python_name)
                self._must_send[argument.python_name] = name

    def _check_sent(self, kwargs: dict[str, Any]) -> None:
        for python_name, name in self._must_send.items():
            if kwargs.get(python_name, strawberry.UNSET) is strawberry.UNSET:
                raise ServiceError.one(
                    ErrorCode.INVALID, f"{name} must be given (null where it may be null)", (name,)
                )

    def resolve(self, next_: Callable[..., Any], source: Any, info: Any, **kwargs: Any) -> Any:
        try:
            self._check_sent(kwargs)
            return next_(source, info, **kwargs)
        except ServiceError as exc:
            return payload_for(info.return_type, exc)

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Any, **kwargs: Any
    ) -> Any:
        try:
            self._check_sent(kwargs)
            return await next_(source, info, **kwargs)
        except ServiceError as exc:
            return payload_for(info.return_type, exc)
        except TextTooLong as exc:
            await _discard_changes(info)
            return payload_for(info.return_type, too_long(exc))
        except DBAPIError as exc:
            conflict = race_conflict(exc)
            if conflict is None:
                raise
            log.warning("write raced another in %s: %s", info.path, exc.orig)
            await _discard_changes(info)
            return payload_for(info.return_type, conflict)


async def _discard_changes(info: Any) -> None:
    """Drop what the failed mutation half made (assigned or added), so a later mutation
    of the same request cannot commit it."""
    session = info.context.session
    session.expunge_all()
    await session.rollback()


def mutation(*, description: str, permission: Permission | None) -> Any:
    """``strawberry.mutation`` with its permission and its errors as payload data.

    ``permission=None`` declares a public mutation, one that needs no account: it
    authorizes by what it is given (an external rater's link token), in its service."""
    checks = requires(permission) if permission is not None else []
    return strawberry.mutation(description=description, extensions=[*checks, ErrorsAsPayload()])
