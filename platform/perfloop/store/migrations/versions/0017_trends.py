"""relative targets: the base a plan item's target was worked out from

A target given relative to an earlier period ("+8 % on last quarter's actual",
services/plans/relative.py) is resolved when the plan is assigned; the item keeps
the target and its base (the period, the actual it started from, the change) in
``scorecard_items.target_base`` (NULL for a target given as a number).

Revision ID: 0017_trends
Revises: 0016_awards
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0017_trends"
down_revision: str | Sequence[str] | None = "0016_awards"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("scorecard_items") as batch:
        batch.add_column(sa.Column("target_base", _JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("scorecard_items") as batch:
        batch.drop_column("target_base")
