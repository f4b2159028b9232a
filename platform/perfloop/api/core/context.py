"""The per-request GraphQL context: database session, caller, dataloaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from strawberry.types import Info as _Info

from perfloop.api.core.loaders import Loaders
from perfloop.services.core.errors import NotAuthenticated, ServiceError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller
    from perfloop.settings import Settings


@dataclass
class Context:
    session: AsyncSession
    settings: Settings
    caller_or_none: Caller | None
    auth_error: ServiceError | None = None
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.session, self.caller_or_none)

    @property
    def caller(self) -> Caller:
        if self.caller_or_none is None:
            raise self.auth_error or NotAuthenticated()
        return self.caller_or_none


Info = _Info[Context, None]
