"""GraphQL error handling: typed user errors in payloads, masked bugs."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import strawberry
from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import SchemaExtension
from strawberry.utils.str_converters import to_camel_case

from perfloop.services.core.errors import ErrorCode as _ErrorCode
from perfloop.services.core.errors import ServiceError, generic_zh, race_conflict
from perfloop.services.core.errors import UserError as _UserError
from perfloop.store.core import TextTooLong

log = logging.getLogger("perfloop.api")

# Registers the service layer's enum with GraphQL (strawberry.enum returns the same class).
ErrorCode = strawberry.enum(_ErrorCode, name="ErrorCode", description="What kind of failure.")


@strawberry.type(description="An expected failure, returned as data in a mutation payload.")
class UserError:
    code: _ErrorCode
    message: str
    path: list[str] = strawberry.field(description="Where in the input the problem is.")
    detail: str | None = strawberry.field(default=None, description="A finer, stable sub-code.")
    message_zh: str = strawberry.field(
        description=(
            "The message in Chinese: the service's own text, or else a generic sentence "
            "for the code followed by the English message."
        ),
    )

    @classmethod
    def from_service(cls, error: _UserError) -> UserError:
        return cls(
            code=ErrorCode[error.code.name],
            message=error.message,
            path=list(error.path),
            detail=error.detail,
            message_zh=error.zh,
        )


def too_long(exc: TextTooLong) -> ServiceError:
    """INVALID naming the field (the column's attribute, as GraphQL spells it)."""
    field = to_camel_case(exc.attribute)
    return ServiceError.one(
        _ErrorCode.INVALID,
        f"{field} is longer than {exc.limit} characters",
        (field,),
        zh=f"{field} 不能超过 {exc.limit} 个字符",
    )


def user_errors(exc: ServiceError) -> list[UserError]:
    return [UserError.from_service(e) for e in exc.errors]


class ErrorPolicy(SchemaExtension):
    """Expected errors keep their message and get ``extensions.code`` and
    ``extensions.messageZh`` (every error the API answers has both); any other
    exception from a resolver is logged and masked as "Unexpected error.".

    A document that does not parse (or has too many tokens) is answered with
    ``GRAPHQL_PARSE_FAILED``; one that does not validate (an unknown field, a
    bad variable, too deep, too many aliases) with ``GRAPHQL_VALIDATION_FAILED``,
    so every refusal carries a code a client can branch on."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not getattr(result, "errors", None):
            return
        result.errors = [with_message_zh(self._process(e)) for e in result.errors or []]

    @staticmethod
    def _process(error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if isinstance(original, TextTooLong):
            original = too_long(original)
        if original is not None:  # a read that raced a writer
            original = race_conflict(original) or original
        if isinstance(original, ServiceError):
            first = original.errors[0]
            return GraphQLError(
                first.message,
                nodes=error.nodes,
                path=error.path,
                extensions={"code": original.code.value, "messageZh": first.zh},
            )
        if error.path is None:
            # Before execution: the document or the variables do not fit the
            # schema (a syntax error, an unknown field, a value of the wrong
            # type or shape, a missing argument, a limit): the client's mistake.
            if "code" in (error.extensions or {}):
                return error
            code = (
                "GRAPHQL_PARSE_FAILED"
                if isinstance(error, GraphQLSyntaxError)
                else "GRAPHQL_VALIDATION_FAILED"
            )
            return GraphQLError(
                error.message,
                error.nodes,
                error.source,
                error.positions,
                original_error=original,
                extensions={**(error.extensions or {}), "code": code},
            )
        if (original is None or isinstance(original, GraphQLError)) and (
            error.extensions or {}
        ).get("code"):
            return error  # permission errors and the like: already public and typed
        # anything else during execution (a resolver's exception, a null where the
        # schema promises a value) is a bug: logged, masked, typed
        log.error("unexpected error in %s: %s", error.path, error.message, exc_info=original)
        return GraphQLError(
            "Unexpected error.", nodes=error.nodes, path=error.path, extensions={"code": "INTERNAL"}
        )


def with_message_zh(error: GraphQLError) -> GraphQLError:
    """``extensions.messageZh`` on an error that has none yet: the generic Chinese
    sentence of its code followed by the English message."""
    extensions = error.extensions or {}
    if "messageZh" not in extensions:
        code = str(extensions.get("code", ""))
        error.extensions = {**extensions, "messageZh": generic_zh(code, error.message)}
    return error
