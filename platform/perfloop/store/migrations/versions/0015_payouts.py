"""payouts: base amounts, budgets, payout lists and their lines; payout.read and
payout.manage for the tenants created before it

A payout list (services/payouts) is generated from a cycle's published results: per
person a base amount (HR's table: grade, position, or the person's own), the
multiplier of the scoring template's tier (or the result's multiplier) and the
amount. Money is stored as a BIGINT of 10^-4 units (exact on SQLite and
PostgreSQL). New tenants get the permissions from the default policy; tenants
created before get them here (only where missing), and their policy version is
bumped so every worker's cached enforcer reloads.

Revision ID: 0015
Revises: 0014_improvement
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from perfloop.store.core.grants import grant_to_existing_tenants

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014_improvement"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

#: (role, action, scope) of the resource ``payout``, as the default policy grants them
#: when this revision was written.
_GRANTS = (
    ("hr", "read", "tenant"),
    ("executive", "read", "tenant"),
    ("head", "read", "subtree"),
    ("hr", "manage", "tenant"),
)


def upgrade() -> None:
    op.create_table(
        "payout_bases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_payout_bases_employee_id_employees"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_payout_bases_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_accounts.id"],
            name=op.f("fk_payout_bases_updated_by_id_user_accounts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_bases")),
        sa.UniqueConstraint("tenant_id", "kind", "key", name="uq_payout_bases_key"),
    )
    with op.batch_alter_table("payout_bases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payout_bases_employee_id"), ["employee_id"], unique=False
        )

    op.create_table(
        "payout_budgets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["cycles.id"],
            name=op.f("fk_payout_budgets_cycle_id_cycles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_payout_budgets_org_unit_id_org_units"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_payout_budgets_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_budgets")),
        sa.UniqueConstraint("cycle_id", "org_unit_id", name="uq_payout_budgets_unit"),
    )
    with op.batch_alter_table("payout_budgets", schema=None) as batch_op:
        batch_op.create_index(
            "ix_payout_budgets_tenant_cycle", ["tenant_id", "cycle_id"], unique=False
        )

    op.create_table(
        "payout_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="draft", nullable=False),
        sa.Column("results_count", sa.Integer(), nullable=False),
        sa.Column("results_mark", sa.DateTime(timezone=True), nullable=True),
        sa.Column("totals", _JSON, nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["approved_by_id"],
            ["user_accounts.id"],
            name=op.f("fk_payout_lists_approved_by_id_user_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_accounts.id"],
            name=op.f("fk_payout_lists_created_by_id_user_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["cycles.id"],
            name=op.f("fk_payout_lists_cycle_id_cycles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_payout_lists_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_lists")),
        sa.UniqueConstraint("cycle_id", "version", name="uq_payout_lists_version"),
    )
    with op.batch_alter_table("payout_lists", schema=None) as batch_op:
        batch_op.create_index(
            "ix_payout_lists_tenant_cycle", ["tenant_id", "cycle_id"], unique=False
        )

    op.create_table(
        "payout_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("unit_path", sa.String(length=500), nullable=False),
        sa.Column("result_version", sa.Integer(), nullable=False),
        sa.Column("rating", sa.String(length=60), nullable=True),
        sa.Column("basis", sa.String(length=20), nullable=False),
        sa.Column("basis_value", sa.Float(), nullable=True),
        sa.Column("tier", sa.String(length=100), nullable=True),
        sa.Column("tier_title", _JSON, nullable=False),
        sa.Column("base", sa.BigInteger(), nullable=True),
        sa.Column("base_source", sa.String(length=20), nullable=False),
        sa.Column("multiplier", sa.BigInteger(), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=True),
        sa.Column("flags", _JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_payout_lines_employee_id_employees"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["payout_lists.id"],
            name=op.f("fk_payout_lines_list_id_payout_lists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_payout_lines_org_unit_id_org_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_payout_lines_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_lines")),
        sa.UniqueConstraint("list_id", "employee_id", name="uq_payout_lines_person"),
    )
    with op.batch_alter_table("payout_lines", schema=None) as batch_op:
        batch_op.create_index("ix_payout_lines_employee", ["employee_id"], unique=False)

    grant_to_existing_tenants(op.execute, ((r, "payout", a, s) for r, a, s in _GRANTS))


def downgrade() -> None:
    op.execute(
        "UPDATE tenants SET policy_version = policy_version + 1 WHERE id IN (SELECT tenant_id"
        " FROM policy_rules WHERE ptype = 'p' AND v2 = 'payout')"
    )
    op.execute("DELETE FROM policy_rules WHERE ptype = 'p' AND v2 = 'payout'")
    with op.batch_alter_table("payout_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_payout_lines_employee")

    op.drop_table("payout_lines")
    with op.batch_alter_table("payout_lists", schema=None) as batch_op:
        batch_op.drop_index("ix_payout_lists_tenant_cycle")

    op.drop_table("payout_lists")
    with op.batch_alter_table("payout_budgets", schema=None) as batch_op:
        batch_op.drop_index("ix_payout_budgets_tenant_cycle")

    op.drop_table("payout_budgets")
    with op.batch_alter_table("payout_bases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payout_bases_employee_id"))

    op.drop_table("payout_bases")
