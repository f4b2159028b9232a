"""Expected failures of use-cases, as data.

    ServiceError                 raised by a service, carries UserErrors
    ├── NotAuthenticated         no or bad credentials
    └── Forbidden                the caller lacks the permission; also used for
                                 objects outside the caller's scope, so a
                                 forbidden and a missing object answer alike

A resolver turns a ServiceError into ``errors: [UserError!]!`` of its payload
(mutations) or into a GraphQL error with ``extensions.code`` (queries).
Anything else that escapes a service is a bug and is masked by the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ErrorCode(StrEnum):
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"
    TEMPLATE_INVALID = "TEMPLATE_INVALID"
    FORMULA_INVALID = "FORMULA_INVALID"
    CONFLICT = "CONFLICT"
    TOO_LARGE = "TOO_LARGE"


@dataclass(frozen=True)
class UserError:
    code: ErrorCode
    message: str
    path: tuple[str, ...] = ()
    detail: str | None = None  # machine-readable sub-code, e.g. a template error code


class ServiceError(Exception):
    def __init__(self, errors: list[UserError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors

    @classmethod
    def one(
        cls, code: ErrorCode, message: str, path: tuple[str, ...] = (), detail: str | None = None
    ) -> ServiceError:
        return cls([UserError(code, message, path, detail)])

    @property
    def code(self) -> ErrorCode:
        return self.errors[0].code


class NotAuthenticated(ServiceError):
    def __init__(self, message: str = "authentication required: send a bearer token") -> None:
        super().__init__([UserError(ErrorCode.UNAUTHENTICATED, message)])


class Forbidden(ServiceError):
    def __init__(self, message: str = "not found or not allowed") -> None:
        super().__init__([UserError(ErrorCode.FORBIDDEN, message)])
