"""Alembic environment: works on a connection handed in by perfloop.store.core.migrate,
or, for the ``alembic`` command line, on its own async engine."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection

from perfloop.settings import normalize_database_url
from perfloop.store.core.db import make_engine
from perfloop.store.core.migrate import ours
from perfloop.store.schema import metadata

config = context.config
target_metadata = metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=ours,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(_run)
    await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        from perfloop.settings import get_settings

        url = get_settings().database_url
    asyncio.run(_run_async(normalize_database_url(url)))


if context.is_offline_mode():
    raise SystemExit("perfloop migrations run online only: run `perfloop db upgrade`")
run_migrations_online()
