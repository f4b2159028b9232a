"""Fixtures for dataset tests: a private copy of sales-orders per test."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Awaitable, Callable

import pytest
from dataset_helpers import HR, caller_for
from sqlalchemy.ext.asyncio import AsyncSession

from perfloop.services.templates import publish_template
from perfloop.templates import load_builtin_templates

_keys = itertools.count()


@pytest.fixture
def publish_dataset(session: AsyncSession) -> Callable[[], Awaitable[str]]:
    """Publish a copy of the built-in sales-orders dataset under a fresh key, so
    a test's records and aggregates are its own."""

    async def publish() -> str:
        builtin = load_builtin_templates().resolve("sales-orders", 1)
        assert builtin is not None
        document = dict(builtin) | {
            "key": f"test-orders-{next(_keys)}-{dt.datetime.now():%H%M%S%f}"
        }
        hr = await caller_for(session, HR)
        result = await publish_template(session, hr, document)
        return f"{result.template.key}@{result.template.version}"

    return publish
