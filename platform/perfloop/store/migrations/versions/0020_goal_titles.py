"""goal and action-task titles in both product languages

A goal and a plan item's action task kept one ``title``; the demo joined both languages
into it (``"收入 · Revenue"``) so that every reader saw both. ``goals.titles`` and
``action_tasks.titles`` hold ``{"zh-CN": …, "en": …}``, as ``scorecard_items.titles``
does (0018), and ``title`` keeps the zh-CN one.

Existing rows get their ``title`` in both languages. A title in the old demo's joined
form (``"zh · en"``) is not split: which part is which language cannot be told for
sure from the text, so it stands for both, as any other title does; set ``titles``
with ``updateGoal`` (or send the plan's tasks again with ``titles``) to separate them.

Revision ID: 0020_goal_titles
Revises: 0019_plugins
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0020_goal_titles"
down_revision: str | Sequence[str] | None = "0019_plugins"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_TABLES = ("goals", "action_tasks")
_ZH: sa.ColumnClause[str] = sa.literal_column("'zh-CN'", sa.String)
_EN: sa.ColumnClause[str] = sa.literal_column("'en'", sa.String)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    both = sa.func.jsonb_build_object if postgres else sa.func.json_object
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("titles", _JSON, nullable=True))
        rows = sa.table(table, sa.column("title", sa.String), sa.column("titles", _JSON))
        # one statement for every row: the title stands for both languages
        op.execute(
            rows.update()
            .where(rows.c.titles.is_(None))
            .values(titles=both(_ZH, rows.c.title, _EN, rows.c.title))
        )


def downgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("titles")
