"""Fixtures of the improvement tests: a second worker for concurrent clients."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from perfloop.api.app import create_app
from perfloop.settings import Settings
from perfloop.store import make_engine
from support import GraphQLClient
from support.jobs import a_department_a_part

__all__ = ["a_department_a_part"]


@pytest.fixture
async def worker2(engine: AsyncEngine, settings: Settings) -> AsyncIterator[GraphQLClient]:
    """A second worker: its own app and engine (pool) on the same database."""
    own = make_engine(engine.url.render_as_string(hide_password=False))
    app = create_app(settings, engine=own)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://perfloop.test") as http:
        yield GraphQLClient(http, settings)
    await own.dispose()
