"""job parts: each part of a job as a row, so the parts run as separate queue tasks

A job's parts (``job_parts``: the part as JSON, its status, result, error, when and by
whom it ran) are written when the job starts; on PostgreSQL each part is a
procrastinate task of its own, so one job spreads over every worker and machine, and
a part handed out twice, or a job resumed after a crash (SQLite), runs again only the
parts not done. ``jobs.statistics`` keeps, per table, the rows the job's parts changed
since it last analyzed the table and before: the planner's statistics are refreshed
by whichever worker ends a part, without state in any process.

Revision ID: 0012_job_parts
Revises: 0011
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012_job_parts"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "job_parts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("part", _JSON, nullable=False),
        sa.Column("status", sa.String(length=20), server_default="queued", nullable=False),
        sa.Column("result", _JSON, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("worker", sa.String(length=200), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_job_parts_job_id_jobs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_parts")),
        sa.UniqueConstraint("job_id", "index", name=op.f("uq_job_parts_job_id_index")),
    )
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("statistics", _JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("statistics")
    op.drop_table("job_parts")
