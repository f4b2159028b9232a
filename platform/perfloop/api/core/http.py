"""Refusing hostile HTTP requests early and cheaply, and saying why in JSON.

Before a request costs anything (a token check, a database session, JSON
parsing), ``read_body`` refuses a body larger than ``max_request_bytes``:
from its Content-Length header when it has one, else as soon as the
streamed bytes pass the limit. A JSON body nested past the interpreter's
recursion limit is a 400, not a crash; a query text longer than
``max_query_length`` characters is refused before it is parsed. Every refusal is a JSON
body of the GraphQL error shape with an ``extensions.code``, so a client
reads it like any other error.
"""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import Message, Receive, Scope

__all__ = [
    "CODES",
    "RequestTooLarge",
    "decode_json",
    "error_response",
    "read_body",
    "replay",
]

#: The ``extensions.code`` of each HTTP refusal.
CODES = {
    400: "BAD_REQUEST",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "TOO_LARGE",
}


class RequestTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the request body is larger than {limit:,} bytes")


def error_response(status: int, message: str) -> JSONResponse:
    code = CODES.get(status, "BAD_REQUEST")
    return JSONResponse(
        {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]},
        status_code=status,
    )


async def read_body(scope: Scope, receive: Receive, limit: int) -> bytes:
    """The whole request body, or RequestTooLarge past ``limit`` bytes."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length" and value.isdigit() and int(value) > limit:
            raise RequestTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break  # the client went away: what came is what there is
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise RequestTooLarge(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replay(body: bytes) -> Receive:
    """A ``receive`` that hands the body read once to the application."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def _no_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not JSON", name, 0)


def _finite(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise json.JSONDecodeError(f"{text[:20]} is past a double's range", text, 0)
    return number


def decode_json(data: str | bytes) -> Any:
    """``json.loads`` of what a database can store: ``NaN``, ``Infinity``,
    ``-Infinity`` (which Python accepts, PostgreSQL refuses and SQLite stores)
    and numbers past a double's range (``1e999``) are refused, and a document
    nested too deeply to decode is refused instead of crashing; the view
    answers each with 400."""
    try:
        return json.loads(data, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError:
        raise json.JSONDecodeError("the JSON body is nested too deeply", "", 0) from None
