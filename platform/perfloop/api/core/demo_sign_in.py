"""The web console's demo sign-in: ``GET /auth/demo-identities`` lists the demo
tenant's people with their roles, ``POST /auth/demo-token`` (``{"email": …}``)
answers a bearer token for one of them (``issue_token``). Both answer 404 unless
``Settings.demo_sign_in_enabled`` (``PERFLOOP_DEMO_SIGN_IN``, never in
production). docs/console.md, "Sign-in"."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from perfloop.api.core.auth import issue_token
from perfloop.api.core.http import error_response
from perfloop.services import identity
from perfloop.services.core.errors import ErrorCode, ServiceError

__all__ = ["demo_sign_in_routes"]

_DISABLED = "the demo sign-in is off here (PERFLOOP_DEMO_SIGN_IN, never in production)"


def _runtime(request: Request) -> Any:
    """The app's ``api.app.Runtime`` (settings, sessions)."""
    return request.app.state.runtime


async def demo_identities(request: Request) -> Response:
    rt = _runtime(request)
    if not rt.settings.demo_sign_in_enabled:
        return error_response(404, _DISABLED)
    async with rt.sessions() as session:
        people = await identity.sign_in_identities(session, rt.settings.demo_tenant)
    return JSONResponse(
        {
            "tenant": rt.settings.demo_tenant,
            "identities": [
                {"email": p.email, "name": p.name, "roles": list(p.roles), "position": p.position}
                for p in people
            ],
        }
    )


async def demo_token(request: Request) -> Response:
    rt = _runtime(request)
    settings = rt.settings
    if not settings.demo_sign_in_enabled:
        return error_response(404, _DISABLED)
    try:
        body = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    email = body.get("email") if isinstance(body, dict) else None
    if not isinstance(email, str) or not email.strip():
        return error_response(400, 'the body must be JSON {"email": "<a demo identity>"}')
    email = email.strip().lower()
    async with rt.sessions() as session:
        try:
            await identity.check_sign_in(session, settings.demo_tenant, email)
        except ServiceError as exc:
            status = 403 if exc.code is ErrorCode.FORBIDDEN else 400
            return error_response(status, f"email: {exc.errors[0].message}")
    token = issue_token(settings, settings.demo_tenant, email)
    return JSONResponse({"token": token, "tenant": settings.demo_tenant, "email": email})


def demo_sign_in_routes() -> list[Route]:
    return [
        Route("/auth/demo-identities", demo_identities, methods=["GET"]),
        Route("/auth/demo-token", demo_token, methods=["POST"]),
    ]
