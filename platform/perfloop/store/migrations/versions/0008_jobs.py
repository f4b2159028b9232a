"""jobs: long work clients follow; on PostgreSQL, the procrastinate queue's own schema

The ``jobs`` table is ours (status, progress, result). On PostgreSQL the task queue
(procrastinate) keeps its own tables, functions and triggers (``procrastinate_*``);
its documented way to create them is to apply the SQL it ships
(``procrastinate.schema.SchemaManager.get_schema()``, what ``procrastinate schema
--apply`` runs), so this revision applies that SQL. A later procrastinate release
that ships migration scripts gets its own revision here, applying them in order.
SQLite runs jobs in-process and has no queue tables.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _apply_queue_schema() -> None:
    from procrastinate.schema import SchemaManager
    from sqlalchemy.util import await_only

    # several statements and $$-quoted functions: the driver's simple query protocol
    # (asyncpg's execute without arguments) runs them as one script
    driver = op.get_bind().connection.driver_connection
    await_only(driver.execute(SchemaManager.get_schema()))  # type: ignore[union-attr]


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("active_key", sa.String(length=200), nullable=True),
        sa.Column("parameters", _JSON, nullable=False),
        sa.Column("status", sa.String(length=20), server_default="queued", nullable=False),
        sa.Column("done", sa.Integer(), server_default="0", nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("result", _JSON, nullable=True),
        sa.Column("error_code", sa.String(length=40), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_accounts.id"],
            name=op.f("fk_jobs_created_by_id_user_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_jobs_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        sa.UniqueConstraint(
            "tenant_id", "kind", "active_key", name=op.f("uq_jobs_tenant_id_kind_active_key")
        ),
    )
    op.create_index("ix_jobs_tenant_created", "jobs", ["tenant_id", "created_at"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        _apply_queue_schema()


def downgrade() -> None:
    op.drop_index("ix_jobs_tenant_created", table_name="jobs")
    op.drop_table("jobs")
