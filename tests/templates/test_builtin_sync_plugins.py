"""``sync_builtin_templates`` at start-up: a template a metric plugin ships that
changed without a new version is left out and reported (perfloop starts), while a
changed template of perfloop's own still stops it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from perfloop.plugins import Plugin, discover
from perfloop.plugins.registry import use_registry
from perfloop.services.templates import sync_builtin_templates
from perfloop.store.templates import TemplateRecord
from perfloop.templates import load_builtin_templates
from perfloop.templates.registry import plugin_template_failures, template_plugin
from support.plugins import revenue

KEY = "drift-metrics"
LIBRARY = {
    "kind": "kpi-library", "key": KEY, "version": 1,
    "title": {"zh-CN": "漂移", "en": "Drift"},
    "indicators": [{
        "key": "revenue", "name": {"zh-CN": "回款额", "en": "Revenue"}, "unit": "CNY",
        "direction": "higher", "aggregation": "sum", "period": "quarter",
        "category": "financial",
        "source": {"type": "plugin", "plugin": "drift", "metric": "revenue",
                   "params": {"window": 3}},
    }],
}  # fmt: skip


def _ship(folder: Path, title: str) -> None:
    path = folder / "kpi-libraries" / f"{KEY}.v1.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {**LIBRARY, "title": {"zh-CN": title, "en": title}}
    path.write_text(json.dumps(document, ensure_ascii=False), "utf-8")
    load_builtin_templates.cache_clear()


@pytest.fixture
def shipped(tmp_path: Path) -> Iterator[Path]:
    """The plugin ``drift`` installed, with its templates folder."""
    registry = discover(found=[])
    registry.register(
        Plugin(name="drift", title="Drift", metrics=[revenue], templates=tmp_path),
        version="1.0.0",
        distribution="perfloop-drift",
    )
    _ship(tmp_path, "Drift")
    with use_registry(registry):
        try:
            yield tmp_path
        finally:
            load_builtin_templates.cache_clear()
    load_builtin_templates.cache_clear()


async def _stored_title(session: AsyncSession) -> object:
    return (
        await session.execute(
            select(TemplateRecord.title).where(
                TemplateRecord.tenant_id.is_(None), TemplateRecord.key == KEY
            )
        )
    ).scalar_one()


async def test_a_plugin_template_changed_without_a_new_version_is_left_out(
    shipped: Path, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session:
        try:
            # given the plugin's library stored by a first start
            assert await sync_builtin_templates(session) >= 1
            assert template_plugin(f"{KEY}@1") == "drift"
            assert await _stored_title(session) == {"zh-CN": "Drift", "en": "Drift"}
            # when a release of the plugin changes it without a new version
            _ship(shipped, "Drifted")
            # then perfloop starts: nothing added, the stored version kept, and the
            # plugin's template failure reported
            assert await sync_builtin_templates(session) == 0
            assert await _stored_title(session) == {"zh-CN": "Drift", "en": "Drift"}
            assert plugin_template_failures() == {
                "drift": f"built-in template {KEY}@1 changed after it was published; "
                "give the changed file a new version instead"
            }
        finally:
            await session.execute(
                delete(TemplateRecord).where(
                    TemplateRecord.tenant_id.is_(None), TemplateRecord.key == KEY
                )
            )
            await session.commit()


async def test_a_changed_template_of_perfloops_own_still_stops_it(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    own = next(t for t in load_builtin_templates() if template_plugin(t.ref) is None)
    mine = (TemplateRecord.tenant_id.is_(None), TemplateRecord.key == own.key,
            TemplateRecord.version == own.version)  # fmt: skip
    async with sessions() as session:
        await session.execute(update(TemplateRecord).where(*mine).values(checksum="0" * 64))
        await session.commit()
        try:
            with pytest.raises(RuntimeError, match=f"built-in template {own.ref} changed"):
                await sync_builtin_templates(session)
        finally:
            await session.rollback()
            await session.execute(update(TemplateRecord).where(*mine).values(checksum=own.checksum))
            await session.commit()
