"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from perfloop.store.core.migrate import current_revision, head_revision, upgrade
from perfloop.store.schema import metadata


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def test_models_and_migrations_agree(engine: AsyncEngine) -> None:
    # given a database migrated to head (the session fixture)
    # when alembic compares it with the models
    async with engine.connect() as conn:
        diff = await conn.run_sync(_diff)
    # then there is nothing left to migrate
    assert diff == []


async def test_database_is_at_head_and_upgrade_is_idempotent(engine: AsyncEngine) -> None:
    assert await current_revision(engine) == head_revision()
    await upgrade(engine)
    assert await current_revision(engine) == head_revision()
