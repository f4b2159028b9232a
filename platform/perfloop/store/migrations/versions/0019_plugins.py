"""metric plugins: provenance on actuals and a cache of plugin answers

``actuals.provenance`` says where a computed actual came from (the provider
``plugin.metric``, its version, the parameters and the data range it read), so a
scorecard's explanation can show it. ``metric_cache`` keeps a plugin's answer per
provider, version, parameters, subject and period with a fingerprint of the data it
read; a refresh recomputes only what changed.

Revision ID: 0019_plugins
Revises: 0018_item_titles
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0019_plugins"
down_revision: str | Sequence[str] | None = "0018_item_titles"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("actuals") as batch:
        batch.add_column(sa.Column("provenance", _JSON, nullable=True))
    op.create_table(
        "metric_cache",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=130), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("params_key", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=254), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("data_stamp", sa.String(length=200), nullable=False),
        sa.Column(
            "computed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_metric_cache_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metric_cache")),
        sa.UniqueConstraint(
            "tenant_id", "provider", "version", "params_key", "subject", "period_start",
            "period_end", name="uq_metric_cache_key",
        ),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_table("metric_cache")
    with op.batch_alter_table("actuals") as batch:
        batch.drop_column("provenance")
