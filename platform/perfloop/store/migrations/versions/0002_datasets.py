"""business records and ingest batches

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dataset_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("dataset_key", sa.String(length=100), nullable=False),
        sa.Column("dataset_version", sa.Integer(), nullable=False),
        sa.Column("batch_key", sa.String(length=200), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_accounts.id"],
            name=op.f("fk_dataset_batches_created_by_id_user_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_dataset_batches_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataset_batches")),
        sa.UniqueConstraint(
            "tenant_id",
            "dataset_key",
            "batch_key",
            name=op.f("uq_dataset_batches_tenant_id_dataset_key_batch_key"),
        ),
    )
    op.create_table(
        "dataset_records",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("dataset_key", sa.String(length=100), nullable=False),
        sa.Column("dataset_version", sa.Integer(), nullable=False),
        sa.Column("record_key", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=254), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataset_records")),
        sa.UniqueConstraint(
            "tenant_id",
            "dataset_key",
            "record_key",
            name=op.f("uq_dataset_records_tenant_id_dataset_key_record_key"),
        ),
    )
    with op.batch_alter_table("dataset_records", schema=None) as batch_op:
        batch_op.create_index(
            "ix_dataset_records_subject_date",
            ["tenant_id", "dataset_key", "subject", "date"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("dataset_records", schema=None) as batch_op:
        batch_op.drop_index("ix_dataset_records_subject_date")
    op.drop_table("dataset_records")
    op.drop_table("dataset_batches")
