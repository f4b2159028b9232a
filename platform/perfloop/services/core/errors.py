"""Expected failures of use-cases, as data.

    ServiceError                 raised by a service, carries UserErrors
    ├── NotAuthenticated         no or bad credentials
    └── Forbidden                the caller lacks the permission; also used for
                                 objects outside the caller's scope, so a
                                 forbidden and a missing object answer alike

A resolver turns a ServiceError into ``errors: [UserError!]!`` of its payload
(mutations) or into a GraphQL error with ``extensions.code`` (queries).

Every error reads in Chinese too: ``UserError.zh`` is the site's own Chinese text
(``message_zh``, given as ``zh=``) or else a generic one per code followed by the
English message (``generic_zh``).
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


#: What each code means to a Chinese reader, put before the English message when a
#: site gives no Chinese text of its own.
_ZH_LEADS: dict[str, str] = {
    "UNAUTHENTICATED": "需要登录",
    "FORBIDDEN": "无权执行此操作",
    "NOT_FOUND": "未找到或无权查看",
    "INVALID": "输入无效",
    "TEMPLATE_INVALID": "模板无效",
    "FORMULA_INVALID": "公式无效",
    "CONFLICT": "与当前数据冲突，请刷新后重试",
    "TOO_LARGE": "数据量超出上限",
    "JOB_FAILED": "任务意外中止",
    "INTERNAL": "系统内部错误",
    "GRAPHQL_PARSE_FAILED": "请求无法解析",
    "GRAPHQL_VALIDATION_FAILED": "请求不符合接口定义",
}


def generic_zh(code: str, message: str) -> str:
    """The Chinese text of an error whose site gave none: what the code means, then
    the English message (which may name values and fields)."""
    return f"{_ZH_LEADS.get(code, '操作失败')}：{message}"


@dataclass(frozen=True)
class UserError:
    code: ErrorCode
    message: str
    path: tuple[str, ...] = ()
    detail: str | None = None  # machine-readable sub-code, e.g. a template error code
    message_zh: str | None = None  # the site's own Chinese text; see ``zh``

    @property
    def zh(self) -> str:
        """The message in Chinese: the site's own, else the generic one of the code."""
        return self.message_zh or generic_zh(self.code.value, self.message)


class ServiceError(Exception):
    def __init__(self, errors: list[UserError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors

    @classmethod
    def one(
        cls,
        code: ErrorCode,
        message: str,
        path: tuple[str, ...] = (),
        detail: str | None = None,
        *,
        zh: str | None = None,
    ) -> ServiceError:
        return cls([UserError(code, message, path, detail, zh)])

    @property
    def code(self) -> ErrorCode:
        return self.errors[0].code


class NotAuthenticated(ServiceError):
    def __init__(
        self, message: str = "authentication required: send a bearer token", zh: str | None = None
    ) -> None:
        if zh is None and message == "authentication required: send a bearer token":
            zh = "需要登录：请先登录（发送 bearer 令牌）"
        super().__init__([UserError(ErrorCode.UNAUTHENTICATED, message, message_zh=zh)])


class Forbidden(ServiceError):
    def __init__(self, message: str = "not found or not allowed", zh: str | None = None) -> None:
        if zh is None and message == "not found or not allowed":
            zh = "未找到，或无权执行此操作"
        super().__init__([UserError(ErrorCode.FORBIDDEN, message, message_zh=zh)])


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
        zh="另一项修改正在同时写入相同的数据，请重试",
    )
