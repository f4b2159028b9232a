"""The Starlette application: /graphql (HTTP and WebSocket), /exports/{list} (file
downloads, docs/exports.md), /healthz, and the web console (docs/console.md): its
page at /, its files at /console/…, and the demo sign-in at /auth/…."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import configure_mappers
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLRequestData
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType

from perfloop.api.core.auth import TokenVerifier
from perfloop.api.core.context import Context
from perfloop.api.core.demo_sign_in import demo_sign_in_routes
from perfloop.api.core.graphiql import graphiql_assets, graphiql_page
from perfloop.api.core.http import RequestTooLarge, decode_json, error_response, read_body, replay
from perfloop.api.core.session import RequestSession, request_sessions
from perfloop.api.exports.download import download
from perfloop.api.schema import build_schema
from perfloop.authz import EnforcerCache
from perfloop.console import ASSETS_PATH as CONSOLE_PATH
from perfloop.console import STATIC_DIR as CONSOLE_DIR
from perfloop.console import index_page
from perfloop.services import jobs
from perfloop.services.core.caller import Caller, resolve_caller
from perfloop.services.core.errors import NotAuthenticated, ServiceError
from perfloop.settings import Settings, get_settings
from perfloop.store import make_engine
from perfloop.templates import load_builtin_templates

#: what ``on_ws_connect`` answers to accept a connection (an ack without payload)
_ACCEPT: UnsetType = UNSET


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[RequestSession]
    verifier: TokenVerifier
    enforcers: EnforcerCache


class PerfloopGraphQL(GraphQL[Context, None]):
    def __init__(self, runtime: Runtime) -> None:
        settings = runtime.settings
        super().__init__(
            build_schema(settings),
            graphql_ide="graphiql" if settings.graphiql else None,
            # the protocol that checks connection_init before any operation; the
            # legacy graphql-ws one is refused
            subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
            # file imports (api/core/uploads.py): the GraphQL multipart request spec;
            # a bearer token, never a cookie, authenticates, so a cross-site form
            # cannot post one for a signed-in user (no CSRF)
            multipart_uploads_enabled=True,
        )
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Strawberry's HTTP handling, with the body limit first, refusals as
        JSON errors, and the request's session closed whatever happened."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            body = await read_body(scope, receive, self.runtime.settings.max_request_bytes)
        except RequestTooLarge as exc:
            await error_response(413, str(exc))(scope, receive, send)
            return
        request = Request(scope=scope, receive=replay(body))
        try:
            response = await self.run(request)
        except HTTPException as exc:
            response = error_response(exc.status_code, exc.reason)
        finally:
            session = getattr(request.state, "session", None)
            if session is not None:  # a refusal before execution left it open
                await session.close()
            await request.close()  # a multipart body's files
        await response(scope, receive, send)

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL with its scripts and styles from this server, not a CDN."""
        return HTMLResponse(graphiql_page())

    def parse_json(self, data: str | bytes) -> Any:
        try:
            return decode_json(data)
        except json.JSONDecodeError as exc:
            raise HTTPException(400, f"the request body is not usable JSON: {exc.msg}") from None

    async def parse_multipart(self, request: AsyncHTTPRequestAdapter) -> dict[str, str]:
        """Strawberry's reading of a multipart body, with a ``map`` that does not fit
        ``operations`` (or is no map) refused as a bad request, not a crash."""
        try:
            return await super().parse_multipart(request)
        except (AttributeError, IndexError, KeyError, TypeError, ValueError):
            raise HTTPException(
                400,
                "the multipart body does not follow the GraphQL multipart request spec: "
                "`map` must name each file part and the variables it goes to",
            ) from None

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        data = await super().parse_http_body(request)
        limit = self.runtime.settings.max_query_length
        for item in data if isinstance(data, list) else [data]:
            if item.query is not None and len(item.query) > limit:
                raise HTTPException(
                    413, f"the GraphQL document is longer than {limit:,} characters"
                )
        return data

    async def get_context(self, request: Request | WebSocket, response: Any = None) -> Context:
        rt = self.runtime
        session = rt.sessions()
        request.state.session = session
        # a WebSocket without the header authenticates with its connection_init payload
        # (``on_ws_connect``)
        header = request.headers.get("authorization")
        try:
            caller = await self._caller(session, header)
        except ServiceError as exc:
            return Context(
                session=session, settings=rt.settings, caller_or_none=None, auth_error=exc,
                sessions=rt.sessions,
            )  # fmt: skip
        return Context(
            session=session, settings=rt.settings, caller_or_none=caller, sessions=rt.sessions
        )

    async def _caller(self, session: AsyncSession, header: str | None) -> Caller | None:
        rt = self.runtime
        claims = await rt.verifier.verify(header)
        if claims is None:
            return None
        return await resolve_caller(session, rt.enforcers, claims.tenant, claims.user)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """A WebSocket (graphql-transport-ws) authenticates as a request does, with
        ``{"Authorization": "Bearer <token>"}`` in its ``connection_init`` payload
        (browsers cannot set a WebSocket's headers). A bad token is answered, as over
        HTTP, by each operation's error; without one, operations are anonymous."""
        params = context.connection_params or {}
        header = params.get("Authorization", params.get("authorization"))
        if context.caller_or_none is not None or header is None:
            return _ACCEPT
        if not isinstance(header, str):
            context.auth_error = NotAuthenticated("Authorization must be `Bearer <token>`")
            return _ACCEPT
        try:
            async with self.runtime.sessions() as session:
                caller = await self._caller(session, header)
        except ServiceError as exc:
            context.auth_error = exc
            return _ACCEPT
        if caller is not None:
            context.authenticated(caller)
        return _ACCEPT


def create_app(settings: Settings | None = None, engine: AsyncEngine | None = None) -> Starlette:
    settings = settings or get_settings()
    engine = engine or make_engine(settings.database_url)
    load_builtin_templates()  # fail loudly at start-up on a broken built-in
    # SQLAlchemy configures the models' mappers on first use: ~25 ms that the first
    # request of every worker paid (bench/scale.py, "first request")
    configure_mappers()
    runtime = Runtime(
        settings, engine, request_sessions(engine), TokenVerifier(settings), EnforcerCache()
    )
    graphql = PerfloopGraphQL(runtime)

    async def healthz(_: Request) -> Response:
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as exc:  # a health check reports, it does not raise
            return JSONResponse({"status": "error", "database": str(exc)}, status_code=503)
        return JSONResponse({"status": "ok"})

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await jobs.resume_in_process(engine)  # SQLite: jobs run here (services.jobs)
        yield
        await jobs.wait_in_process()
        await engine.dispose()

    async def console(_: Request) -> Response:
        # the page is small and names its files relative to itself: always revalidated
        return HTMLResponse(index_page(), headers={"Cache-Control": "no-cache"})

    routes: list[BaseRoute] = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Route("/exports/{list}", download, methods=["GET"]),
        Route("/healthz", healthz),
        Route("/", console, methods=["GET"]),
        Mount(CONSOLE_PATH, app=StaticFiles(directory=CONSOLE_DIR), name="console"),
        *demo_sign_in_routes(),
    ]
    if settings.graphiql:
        routes.append(graphiql_assets())
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.runtime = runtime
    return app
