"""``GET /exports/{list}?cycle=N&format=xlsx|csv[&orgUnit=U][&version=V][&lang=en]``,
and the list's own arguments by name (``&list=promotion`` for ``candidates``); a
parameter whose name starts with ``_`` (a cache buster such as ``&_=1712…``) is ignored.

Why a plain HTTP route and not a GraphQL field: a file is bytes, and a GraphQL answer
is JSON. The route authenticates exactly as ``/graphql`` does (the same bearer token,
the same caller resolution: a deactivated account is refused at once) and the export
service authorizes with the list's own read permission and scope. A signed short-lived
link would be a second credential to issue, expire and revoke; a client that can call
GraphQL can send the same header here (``curl -H "Authorization: Bearer …"``).

Errors answer as JSON in GraphQL's shape (``errors[].extensions.code`` and ``path``):
401 without a valid token, 400 for a bad argument (unknown list, format, language, a
cycle that is not a number), 404 for a cycle missing or out of reach, 403 without the
list's permission. The file is written to a spooled temporary file (memory up to
8 MB, then disk) while the session is open, then streamed; nothing is half-sent.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import strawberry
from starlette.responses import JSONResponse, Response, StreamingResponse

from perfloop.api.core.inputs import as_id
from perfloop.services import exports
from perfloop.services.core.caller import resolve_caller
from perfloop.services.core.errors import ErrorCode, NotAuthenticated, ServiceError

if TYPE_CHECKING:
    from starlette.requests import Request

_STATUS = {
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
}
#: the parameters of every list; any other one is an argument of the list's own
_COMMON = frozenset({"cycle", "format", "orgUnit", "version", "lang"})
_SPOOL = 8 * 1024 * 1024
_CHUNK = 64 * 1024


def _errors(exc: ServiceError) -> JSONResponse:
    body = {
        "data": None,
        "errors": [
            {"message": e.message, "path": list(e.path), "extensions": {"code": e.code.value}}
            for e in exc.errors
        ],
    }
    return JSONResponse(body, status_code=_STATUS.get(exc.code, 400))


def _query(request: Request) -> tuple[exports.ExportQuery, str, str]:
    params = request.query_params
    cycle = params.get("cycle")
    if not cycle:
        raise ServiceError.one(ErrorCode.INVALID, "say which cycle: ?cycle=N", ("cycle",))
    cycle_id = as_id(strawberry.ID(cycle))
    unit = params.get("orgUnit")
    version_text = params.get("version")
    version = None
    if version_text is not None:
        if not version_text.isascii() or not version_text.isdigit() or len(version_text) > 9:
            raise ServiceError.one(ErrorCode.INVALID, "version must be a number", ("version",))
        version = int(version_text)
    query = exports.ExportQuery(
        cycle_id=cycle_id if cycle_id is not None else -1,
        org_unit_id=(as_id(strawberry.ID(unit)) or -1) if unit is not None else None,
        version=version,
        # a parameter starting with "_" (a client's cache buster, ``&_=1712…``) is ignored
        options={k: v for k, v in params.items() if k not in _COMMON and not k.startswith("_")},
    )
    return query, params.get("format", "xlsx"), params.get("lang", "zh-CN")


async def download(request: Request) -> Response:
    runtime: Any = request.app.state.runtime
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL)  # noqa: SIM115 (closed by the stream)
    try:
        key = request.path_params["list"]
        query, fmt, lang = _query(request)
        async with runtime.sessions() as session:
            claims = await runtime.verifier.verify(request.headers.get("authorization"))
            if claims is None:
                raise NotAuthenticated()
            caller = await resolve_caller(session, runtime.enforcers, claims.tenant, claims.user)
            done = await exports.export(session, caller, key, query, fmt, spool, lang=lang)
    except ServiceError as exc:
        spool.close()
        return _errors(exc)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)

    async def chunks() -> AsyncIterator[bytes]:
        try:
            while chunk := spool.read(_CHUNK):
                yield chunk
        finally:
            spool.close()

    headers = {  # the file name is ASCII (list key, cycle, unit, version)
        "Content-Disposition": f'attachment; filename="{done.filename}"',
        "X-Export-Rows": str(done.rows),
    }
    return StreamingResponse(chunks(), media_type=done.media_type, headers=headers)
