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
    JOB_FAILED = "JOB_FAILED"  # a job stopped on an unexpected error (logged; see services.jobs)


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


#: PostgreSQL SQLSTATEs of a statement that lost a race with another transaction.
_RACE_STATES = {
    "40001": "serialization failure",
    "40P01": "deadlock",
    "55P03": "lock not available",
    "23505": "unique violation",
}
#: SQLite's messages for the same (the 5 s busy timeout ran out; a first insert raced).
_SQLITE_RACES = ("database is locked", "database table is locked", "UNIQUE constraint failed")


def race_conflict(exc: BaseException) -> ServiceError | None:
    """A database error that only says another writer got there first, as a typed CONFLICT
    the client retries; None for anything else (a bug stays a bug)."""
    from sqlalchemy.exc import DBAPIError

    if not isinstance(exc, DBAPIError):
        return None
    state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    what = _RACE_STATES.get(str(state)) if state else None
    if what is None and any(m in str(exc.orig) for m in _SQLITE_RACES):
        what = "busy database" if "locked" in str(exc.orig) else "unique violation"
    if what is None:
        return None
    return ServiceError.one(
        ErrorCode.CONFLICT,
        "another change to the same data was being written at the same time; retry",
        detail=f"race.{what.replace(' ', '-')}",
    )
