"""positions, installed apps, cycles and stages

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "positions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=63), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=True),
        sa.Column("org_unit_id", sa.Integer(), nullable=True),
        sa.Column("grade", sa.String(length=20), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_positions_org_unit_id_org_units"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_positions_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_positions")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_positions_tenant_id_code")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_positions_tenant_id_name")),
    )
    op.create_index(op.f("ix_positions_org_unit_id"), "positions", ["org_unit_id"], unique=False)
    op.create_index(op.f("ix_positions_tenant_id"), "positions", ["tenant_id"], unique=False)
    op.create_table(
        "installed_apps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("app_key", sa.String(length=100), nullable=False),
        sa.Column("app_version", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=True),
        sa.Column(
            "overrides",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "parameters",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=20), server_default="active", nullable=False),
        sa.Column("installed_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "installed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["installed_by_id"],
            ["user_accounts.id"],
            name=op.f("fk_installed_apps_installed_by_id_user_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_installed_apps_org_unit_id_org_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_installed_apps_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_installed_apps")),
    )
    op.create_index(
        op.f("ix_installed_apps_org_unit_id"), "installed_apps", ["org_unit_id"], unique=False
    )
    op.create_index(
        "ix_installed_apps_tenant_key", "installed_apps", ["tenant_id", "app_key"], unique=False
    )
    op.create_table(
        "cycles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("installed_app_id", sa.Integer(), nullable=False),
        sa.Column("template_key", sa.String(length=100), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=False),
        sa.Column("period_kind", sa.String(length=20), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("is_summary", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("stage_key", sa.String(length=63), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="open", nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "opened_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["installed_app_id"],
            ["installed_apps.id"],
            name=op.f("fk_cycles_installed_app_id_installed_apps"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["opened_by_id"],
            ["user_accounts.id"],
            name=op.f("fk_cycles_opened_by_id_user_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["cycles.id"],
            name=op.f("fk_cycles_parent_id_cycles"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_cycles_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cycles")),
        sa.UniqueConstraint(
            "tenant_id",
            "installed_app_id",
            "template_key",
            "period",
            name=op.f("uq_cycles_tenant_id_installed_app_id_template_key_period"),
        ),
    )
    op.create_index(
        op.f("ix_cycles_installed_app_id"), "cycles", ["installed_app_id"], unique=False
    )
    op.create_index(op.f("ix_cycles_parent_id"), "cycles", ["parent_id"], unique=False)
    op.create_index("ix_cycles_tenant_status", "cycles", ["tenant_id", "status"], unique=False)
    op.create_table(
        "cycle_stages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=63), nullable=False),
        sa.Column("phase", sa.String(length=20), nullable=False),
        sa.Column(
            "title",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), server_default="pending", nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["cycles.id"],
            name=op.f("fk_cycle_stages_cycle_id_cycles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_cycle_stages_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cycle_stages")),
        sa.UniqueConstraint("cycle_id", "key", name=op.f("uq_cycle_stages_cycle_id_key")),
    )
    op.create_index(
        "ix_cycle_stages_tenant_due",
        "cycle_stages",
        ["tenant_id", "status", "due_on"],
        unique=False,
    )
    op.create_table(
        "cycle_transitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("from_stage", sa.String(length=63), nullable=True),
        sa.Column("to_stage", sa.String(length=63), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column(
            "at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column(
            "overridden",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["by_id"],
            ["user_accounts.id"],
            name=op.f("fk_cycle_transitions_by_id_user_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["cycles.id"],
            name=op.f("fk_cycle_transitions_cycle_id_cycles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_cycle_transitions_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cycle_transitions")),
    )
    op.create_index(
        op.f("ix_cycle_transitions_cycle_id"), "cycle_transitions", ["cycle_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_cycle_transitions_cycle_id"), table_name="cycle_transitions")
    op.drop_table("cycle_transitions")
    op.drop_index("ix_cycle_stages_tenant_due", table_name="cycle_stages")
    op.drop_table("cycle_stages")
    op.drop_index("ix_cycles_tenant_status", table_name="cycles")
    op.drop_index(op.f("ix_cycles_parent_id"), table_name="cycles")
    op.drop_index(op.f("ix_cycles_installed_app_id"), table_name="cycles")
    op.drop_table("cycles")
    op.drop_index("ix_installed_apps_tenant_key", table_name="installed_apps")
    op.drop_index(op.f("ix_installed_apps_org_unit_id"), table_name="installed_apps")
    op.drop_table("installed_apps")
    op.drop_index(op.f("ix_positions_tenant_id"), table_name="positions")
    op.drop_index(op.f("ix_positions_org_unit_id"), table_name="positions")
    op.drop_table("positions")
