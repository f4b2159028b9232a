"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

import json
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

from perfloop.authz.policies import DEFAULT_GRANTS, Role
from perfloop.store import make_engine
from perfloop.store.core.migrate import (
    alembic_config,
    current_revision,
    head_revision,
    ours,
    upgrade,
)
from perfloop.store.schema import metadata


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": ours}
    )
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


async def test_tenants_from_before_offboarding_get_hr_user_manage(tmp_path: Path) -> None:
    # given a database at 0006 with a tenant whose policy predates user.manage
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    await upgrade(engine, "0006")
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO tenants (slug, name) VALUES ('old', 'Old Co')"))
        await conn.execute(
            text(
                "INSERT INTO policy_rules (tenant_id, ptype, v0, v1, v2, v3, v4)"
                " SELECT id, 'p', 'hr', 'old', 'org', 'manage', 'tenant' FROM tenants"
            )
        )
    # when it is migrated past 0007
    await upgrade(engine, "0007")
    # then HR of that tenant may manage accounts, and every worker reloads its policy
    async with engine.connect() as conn:
        lines = (
            await conn.execute(text("SELECT v0, v1, v2, v3, v4 FROM policy_rules ORDER BY id"))
        ).all()
        version = (await conn.execute(text("SELECT policy_version FROM tenants"))).scalar_one()
    assert [tuple(line) for line in lines] == [
        ("hr", "old", "org", "manage", "tenant"),
        ("hr", "old", "user", "manage", "tenant"),
    ]
    assert version == 2
    await engine.dispose()


async def test_tenants_from_before_reviews_get_the_review_grants(tmp_path: Path) -> None:
    # given a database at 0008 with a tenant whose policy predates review.*
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    await upgrade(engine, "0008")
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO tenants (slug, name) VALUES ('old', 'Old Co')"))
    # when it is migrated to 0009, twice
    await upgrade(engine, "0009")
    await upgrade(engine, "0009")
    # then its roles hold the review permissions of the default policy, once each,
    # and every worker reloads its policy
    async with engine.connect() as conn:
        lines = (
            await conn.execute(
                text("SELECT v0, v3, v4 FROM policy_rules WHERE v2 = 'review' ORDER BY id")
            )
        ).all()
        version = (await conn.execute(text("SELECT policy_version FROM tenants"))).scalar_one()
    expected = {
        (role.value, action, scope.value)
        for role, resource, action, scope in DEFAULT_GRANTS
        if resource == "review" and role is not Role.ADMIN  # admin holds "*"
    }
    assert sorted(tuple(line) for line in lines) == sorted(expected)
    assert version == 2
    await engine.dispose()


async def test_tenants_from_before_results_get_the_result_grants(tmp_path: Path) -> None:
    # given a database at 0009 with a tenant whose policy predates result.*
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    await upgrade(engine, "0009")
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO tenants (slug, name) VALUES ('old', 'Old Co')"))
    # when it is migrated to 0011, twice (later revisions bump the version again)
    await upgrade(engine, "0011")
    await upgrade(engine, "0011")
    # then its roles hold the result permissions of the default policy, once each,
    # and every worker reloads its policy
    async with engine.connect() as conn:
        lines = (
            await conn.execute(
                text("SELECT v0, v3, v4 FROM policy_rules WHERE v2 = 'result' ORDER BY id")
            )
        ).all()
        version = (await conn.execute(text("SELECT policy_version FROM tenants"))).scalar_one()
    expected = {
        (role.value, action, scope.value)
        for role, resource, action, scope in DEFAULT_GRANTS
        if resource == "result" and role is not Role.ADMIN  # admin holds "*"
    }
    assert sorted(tuple(line) for line in lines) == sorted(expected)
    # 0010 (result.*) and 0011 (result.calibrate) bump it once each
    assert version == 3
    await engine.dispose()


async def test_tenants_from_before_calibration_get_result_calibrate(tmp_path: Path) -> None:
    # given a database at 0010 with a tenant and a result-less policy bumped by 0010
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    await upgrade(engine, "0010")
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO tenants (slug, name) VALUES ('old', 'Old Co')"))
    # when it is migrated to 0011, twice (later revisions bump the version again)
    await upgrade(engine, "0011")
    await upgrade(engine, "0011")
    # then HR may calibrate, once, and every worker reloads its policy
    async with engine.connect() as conn:
        lines = (
            await conn.execute(
                text("SELECT v0, v4 FROM policy_rules WHERE v2 = 'result' AND v3 = 'calibrate'")
            )
        ).all()
        version = (await conn.execute(text("SELECT policy_version FROM tenants"))).scalar_one()
    assert [tuple(line) for line in lines] == [("hr", "tenant")]
    assert version == 2  # 0011's bump
    await engine.dispose()


async def test_tenants_from_before_awards_get_the_award_grants(tmp_path: Path) -> None:
    # given a database just before 0016 with a tenant whose policy predates award.*
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    await upgrade(engine, "0016_awards-1")
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO tenants (slug, name) VALUES ('old', 'Old Co')"))
    # when it is migrated to 0016_awards, twice
    await upgrade(engine, "0016_awards")
    await upgrade(engine, "0016_awards")
    # then its roles hold the award permissions of the default policy, once each
    async with engine.connect() as conn:
        lines = (
            await conn.execute(
                text("SELECT v0, v3, v4 FROM policy_rules WHERE v2 = 'award' ORDER BY id")
            )
        ).all()
        version = (await conn.execute(text("SELECT policy_version FROM tenants"))).scalar_one()
    expected = {
        (role.value, action, scope.value)
        for role, resource, action, scope in DEFAULT_GRANTS
        if resource == "award" and role is not Role.ADMIN  # admin holds "*"
    }
    assert sorted(tuple(line) for line in lines) == sorted(expected)
    assert version == 2
    await engine.dispose()


async def test_tenants_from_before_appeals_get_the_appeal_and_feedback_grants(
    tmp_path: Path,
) -> None:
    # given a database just before 0013 with a tenant whose policy predates appeal.* and
    # feedback.*
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    await upgrade(engine, "0013_appeals-1")
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO tenants (slug, name) VALUES ('old', 'Old Co')"))
    # when it is migrated to 0013_appeals, twice
    await upgrade(engine, "0013_appeals")
    await upgrade(engine, "0013_appeals")
    # then its roles hold the default policy's appeal and feedback grants, once each, and
    # every worker reloads its policy
    async with engine.connect() as conn:
        lines = (
            await conn.execute(
                text(
                    "SELECT v0, v2, v3, v4 FROM policy_rules"
                    " WHERE v2 IN ('appeal', 'feedback') ORDER BY id"
                )
            )
        ).all()
        version = (await conn.execute(text("SELECT policy_version FROM tenants"))).scalar_one()
    expected = {
        (role.value, resource, action, scope.value)
        for role, resource, action, scope in DEFAULT_GRANTS
        if resource in ("appeal", "feedback") and role is not Role.ADMIN  # admin holds "*"
    }
    assert sorted(tuple(line) for line in lines) == sorted(expected)
    assert version == 2
    await engine.dispose()


async def test_tenants_from_before_payouts_get_the_payout_grants(tmp_path: Path) -> None:
    # given a database just before 0015 with a tenant whose policy predates payout.*
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    await upgrade(engine, "0015-1")
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO tenants (slug, name) VALUES ('old', 'Old Co')"))
    # when it is migrated to 0015, twice
    await upgrade(engine, "0015")
    await upgrade(engine, "0015")
    # then its roles hold the payout permissions of the default policy, once each
    async with engine.connect() as conn:
        lines = (
            await conn.execute(
                text("SELECT v0, v3, v4 FROM policy_rules WHERE v2 = 'payout' ORDER BY id")
            )
        ).all()
        version = (await conn.execute(text("SELECT policy_version FROM tenants"))).scalar_one()
    expected = {
        (role.value, action, scope.value)
        for role, resource, action, scope in DEFAULT_GRANTS
        if resource == "payout" and role is not Role.ADMIN  # admin holds "*"
    }
    assert sorted(tuple(line) for line in lines) == sorted(expected)
    assert version == 2  # bumped once, by 0015
    await engine.dispose()


async def test_tenants_from_before_improvement_get_its_grants(tmp_path: Path) -> None:
    # given a database just before 0014 with a tenant whose policy predates improvement.*
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    await upgrade(engine, "0014_improvement-1")
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO tenants (slug, name) VALUES ('old', 'Old Co')"))
    # when it is migrated to 0014_improvement, twice
    await upgrade(engine, "0014_improvement")
    await upgrade(engine, "0014_improvement")
    # then its roles hold the improvement and candidate permissions of the default
    # policy, once each, and every worker reloads its policy (bumped once)
    async with engine.connect() as conn:
        lines = (
            await conn.execute(
                text(
                    "SELECT v0, v2, v3, v4 FROM policy_rules"
                    " WHERE v2 IN ('improvement', 'candidate') ORDER BY id"
                )
            )
        ).all()
        version = (await conn.execute(text("SELECT policy_version FROM tenants"))).scalar_one()
    expected = {
        (role.value, resource, action, scope.value)
        for role, resource, action, scope in DEFAULT_GRANTS
        if resource in ("improvement", "candidate") and role is not Role.ADMIN
    }
    assert sorted(tuple(line) for line in lines) == sorted(expected)
    assert version == 2
    await engine.dispose()


async def test_plan_items_from_before_0018_get_their_titles_in_both_languages(
    tmp_path: Path,
) -> None:
    # given a database just before 0018 with plan items: one from a tenant's KPI library
    # still carrying the indicator's title, one renamed by its assigner, one whose
    # library is gone and one typed by hand
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    await upgrade(engine, "0018_item_titles-1")
    library = (
        '{"indicators": [{"key": "revenue", "name": {"zh-CN": "销售收入", "en": "Sales revenue"}},'
        ' {"key": "calls", "name": {"zh-CN": "客户拜访"}}]}'
    )
    rows = [
        (1, "mine@1", "revenue", "销售收入"),
        (2, "mine@1", "revenue", "大客户收入"),
        (3, "gone@1", "revenue", "销售收入"),
        (4, "mine@1", "calls", "客户拜访"),
        (5, None, None, "Handbook"),
    ]
    async with engine.connect() as conn:
        await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # no plans, people, cycles
        await conn.execute(text("INSERT INTO tenants (id, slug, name) VALUES (1, 'old', 'Old')"))
        await conn.execute(
            text(
                "INSERT INTO templates (tenant_id, kind, key, version, status, title, body,"
                " checksum) VALUES (1, 'kpi-library', 'mine', 1, 'published', '{}', :body, 'x')"
            ),
            {"body": library},
        )
        for item_id, ref, indicator, title in rows:
            await conn.execute(
                text(
                    "INSERT INTO scorecard_items (id, tenant_id, scorecard_id, position, key,"
                    " title, library_ref, indicator_key, direction, source, weight)"
                    " VALUES (:id, 1, 1, :id, :key, :title, :ref, :ind, 'higher', '{}', 20)"
                ),
                {"id": item_id, "key": f"k{item_id}", "title": title, "ref": ref, "ind": indicator},
            )
        await conn.commit()
    # when it is migrated to 0018, twice
    await upgrade(engine, "0018_item_titles")
    await upgrade(engine, "0018_item_titles")
    # then each item has its titles: the library's where the item still carries them,
    # else its own title in both languages
    async with engine.connect() as conn:
        read = text("SELECT id, titles FROM scorecard_items ORDER BY id")
        found = (await conn.execute(read)).all()
    assert [(i, json.loads(t)) for i, t in found] == [
        (1, {"zh-CN": "销售收入", "en": "Sales revenue"}),
        (2, {"zh-CN": "大客户收入", "en": "大客户收入"}),
        (3, {"zh-CN": "销售收入", "en": "销售收入"}),
        (4, {"zh-CN": "客户拜访", "en": "客户拜访"}),
        (5, {"zh-CN": "Handbook", "en": "Handbook"}),
    ]
    await engine.dispose()


def _downgrade_on(connection: Connection, revision: str) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    command.downgrade(cfg, revision)


async def test_goals_and_tasks_from_before_0020_get_their_title_in_both_languages(
    tmp_path: Path,
) -> None:
    # given a database just before 0020 with goals and action tasks: a plain title and
    # the old demo's joined "zh · en" form
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    await upgrade(engine, "0020_goal_titles-1")
    rows = [(1, "年度收入"), (2, "2026 Q1 收入 · Company Revenue")]
    async with engine.connect() as conn:
        await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # no tenant, cycle, units
        for goal_id, title in rows:
            await conn.execute(
                text(
                    "INSERT INTO goals (id, tenant_id, cycle_id, level, title, direction,"
                    " additive) VALUES (:id, 1, 1, 'company', :title, 'higher', 1)"
                ),
                {"id": goal_id, "title": title},
            )
            await conn.execute(
                text(
                    "INSERT INTO action_tasks (id, tenant_id, item_id, title, status)"
                    " VALUES (:id, 1, 1, :title, 'open')"
                ),
                {"id": goal_id, "title": title},
            )
        await conn.commit()
    # when it is migrated to 0020, twice
    await upgrade(engine, "0020_goal_titles")
    await upgrade(engine, "0020_goal_titles")
    # then each goal and task has its title in both languages (the joined form is not
    # split)
    for table in ("goals", "action_tasks"):
        read = text(f"SELECT id, title, titles FROM {table} ORDER BY id")  # noqa: S608
        async with engine.connect() as conn:
            found = (await conn.execute(read)).all()
        assert [(i, t, json.loads(ts)) for i, t, ts in found] == [
            (1, "年度收入", {"zh-CN": "年度收入", "en": "年度收入"}),
            (2, rows[1][1], {"zh-CN": rows[1][1], "en": rows[1][1]}),
        ], table
    # and downgrading drops the columns and keeps the rows and their titles
    async with engine.begin() as conn:
        await conn.run_sync(_downgrade_on, "0020_goal_titles-1")
    for table in ("goals", "action_tasks"):
        async with engine.connect() as conn:
            info = await conn.exec_driver_sql(f"PRAGMA table_info({table})")
            columns = [r[1] for r in info.all()]
            read = text(f"SELECT id, title FROM {table} ORDER BY id")  # noqa: S608
            kept = (await conn.execute(read)).all()
        assert "titles" not in columns
        assert [tuple(r) for r in kept] == rows
    await engine.dispose()
