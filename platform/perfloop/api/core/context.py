"""The per-request GraphQL context: database session, caller, dataloaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from strawberry.types import Info as _Info

from perfloop.api.core.loaders import Loaders
from perfloop.services.core.errors import NotAuthenticated, ServiceError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from perfloop.services.core.caller import Caller
    from perfloop.settings import Settings


@dataclass
class Context:
    session: AsyncSession
    settings: Settings
    caller_or_none: Caller | None
    auth_error: ServiceError | None = None
    #: sessions of the same kind, for work that outlives a request (a subscription)
    sessions: async_sessionmaker[Any] | None = None
    #: a WebSocket's ``connection_init`` payload (strawberry sets it)
    connection_params: dict[str, Any] | None = None
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.session, self.caller_or_none)

    def authenticated(self, caller: Caller) -> None:
        """Take ``caller`` as the one asking (a WebSocket authenticated after it opened)."""
        self.caller_or_none, self.auth_error = caller, None
        self.loaders = Loaders(self.session, caller)

    def new_session(self) -> AsyncSession:
        """A session of its own, for one long operation (a subscription): a WebSocket's
        context, and its ``session``, serve every operation on the connection."""
        if self.sessions is None:
            raise RuntimeError("this context has no session factory")
        session: AsyncSession = self.sessions()
        return session

    @property
    def caller(self) -> Caller:
        if self.caller_or_none is None:
            raise self.auth_error or NotAuthenticated()
        return self.caller_or_none


Info = _Info[Context, None]
