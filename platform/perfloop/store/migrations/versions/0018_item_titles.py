"""plan item titles in both product languages

A plan item kept one ``title`` (the Chinese one of the KPI library indicator it came
from, or what the assigner typed), so an English reader saw Chinese titles.
``scorecard_items.titles`` holds ``{"zh-CN": …, "en": …}``, the shape of every
bilingual text in templates (``title``, ``x-title``, an indicator's ``name``).

Existing rows are filled from the KPI library indicator they came from when it is
found and the item still carries that indicator's title; otherwise (a title the
assigner typed, a library gone) the existing title stands for both languages.

Revision ID: 0018_item_titles
Revises: 0017_trends
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0018_item_titles"
down_revision: str | Sequence[str] | None = "0017_trends"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_CHUNK = 500


def _body(value: Any) -> Mapping[str, Any]:
    if isinstance(value, str):  # a JSON column read without its type
        value = json.loads(value)
    return value if isinstance(value, Mapping) else {}


def _names(bind: sa.Connection) -> dict[tuple[int | None, str], dict[str, dict[str, str]]]:
    """Each KPI library's indicator titles, by (tenant or None for built-ins, ref)."""
    templates = sa.table(
        "templates",
        sa.column("tenant_id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("key", sa.String),
        sa.column("version", sa.Integer),
        sa.column("body", _JSON),
    )
    out: dict[tuple[int | None, str], dict[str, dict[str, str]]] = {}
    rows = bind.execute(
        sa.select(
            templates.c.tenant_id, templates.c.key, templates.c.version, templates.c.body
        ).where(templates.c.kind == "kpi-library")
    )
    for tenant_id, key, version, body in rows:
        names: dict[str, dict[str, str]] = {}
        for indicator in _body(body).get("indicators") or []:
            name = indicator.get("name") if isinstance(indicator, Mapping) else None
            if "key" in indicator and isinstance(name, Mapping):
                zh, en = str(name.get("zh-CN") or ""), str(name.get("en") or "")
                if zh or en:
                    names[str(indicator["key"])] = {"zh-CN": zh or en, "en": en or zh}
        out[(tenant_id, f"{key}@{version}")] = names
    return out


def _titles(
    names: Mapping[tuple[int | None, str], Mapping[str, Mapping[str, str]]],
    tenant_id: int, ref: str | None, indicator: str | None, title: str,
) -> dict[str, str]:  # fmt: skip
    if ref and indicator:
        library = names.get((tenant_id, ref)) or names.get((None, ref)) or {}
        found = library.get(indicator)
        if found and title in (found["zh-CN"], found["en"]):
            return dict(found)
    return {"zh-CN": title, "en": title}


def upgrade() -> None:
    with op.batch_alter_table("scorecard_items") as batch:
        batch.add_column(sa.Column("titles", _JSON, nullable=True))
    bind = op.get_bind()
    items = sa.table(
        "scorecard_items",
        sa.column("id", sa.Integer),
        sa.column("tenant_id", sa.Integer),
        sa.column("library_ref", sa.String),
        sa.column("indicator_key", sa.String),
        sa.column("title", sa.String),
        sa.column("titles", _JSON),
    )
    names = _names(bind)
    groups: dict[str, list[int]] = {}  # the titles (JSON text) -> the items taking them
    rows = bind.execute(
        sa.select(
            items.c.id, items.c.tenant_id, items.c.library_ref, items.c.indicator_key,
            items.c.title,
        ).order_by(items.c.id)
    )  # fmt: skip
    for item_id, tenant_id, ref, indicator, title in rows:
        titles = _titles(names, tenant_id, ref, indicator, title or "")
        groups.setdefault(json.dumps(titles, ensure_ascii=False, sort_keys=True), []).append(
            item_id
        )
    for text, ids in groups.items():  # one statement per distinct title and chunk
        for start in range(0, len(ids), _CHUNK):
            bind.execute(
                items.update()
                .where(items.c.id.in_(ids[start : start + _CHUNK]))
                .values(titles=json.loads(text))
            )


def downgrade() -> None:
    with op.batch_alter_table("scorecard_items") as batch:
        batch.drop_column("titles")
