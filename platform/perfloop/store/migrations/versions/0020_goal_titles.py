"""goal titles in both product languages

A goal kept one ``title``; the demo joined both languages into it (``"收入 · Revenue"``)
so that every reader saw both. ``goals.titles`` holds ``{"zh-CN": …, "en": …}``, as
``scorecard_items.titles`` does (0018), and ``title`` keeps the zh-CN one.

Existing rows get their ``title`` in both languages. A title in the old demo's joined
form (``"zh · en"``) is not split: which part is which language cannot be told for
sure from the text, so it stands for both, as any other title does; set ``titles``
with ``updateGoal`` to separate them.

Revision ID: 0020_goal_titles
Revises: 0018_item_titles
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0020_goal_titles"
down_revision: str | Sequence[str] | None = "0018_item_titles"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("goals") as batch:
        batch.add_column(sa.Column("titles", _JSON, nullable=True))
    bind = op.get_bind()
    # one statement for every row: the title stands for both languages
    if bind.dialect.name == "postgresql":
        op.execute(
            "UPDATE goals SET titles = jsonb_build_object('zh-CN', title, 'en', title)"
            " WHERE titles IS NULL"
        )
    else:
        op.execute(
            "UPDATE goals SET titles = json_object('zh-CN', title, 'en', title)"
            " WHERE titles IS NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("goals") as batch:
        batch.drop_column("titles")
