"""results; the result.* permissions for the tenants created before them

New tenants get the result grants from the default policy; tenants created before
get the same lines here (each one only where it is missing), and their policy
version is bumped so every worker's cached enforcer reloads.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from perfloop.store.core.grants import grant_to_existing_tenants

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

#: (role, action, scope) of the resource ``result``, as the default policy grants them
#: when this revision was written.
_GRANTS = (
    ("hr", "read", "tenant"),
    ("executive", "read", "tenant"),
    ("head", "read", "subtree"),
    ("manager", "read", "team"),
    ("employee", "read", "self"),
    ("hr", "manage", "tenant"),
)


def upgrade() -> None:
    op.create_table(
        "results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="draft", nullable=False),
        sa.Column("scorecard_id", sa.Integer(), nullable=True),
        sa.Column("scorecard_revision", sa.Integer(), nullable=False),
        sa.Column("scoring_ref", sa.String(length=120), nullable=False),
        sa.Column("templates", _JSON, nullable=False),
        sa.Column("inputs", _JSON, nullable=False),
        sa.Column("kpi_part", sa.Float(), nullable=True),
        sa.Column("review_part", sa.Float(), nullable=True),
        sa.Column("total", sa.Float(), nullable=True),
        sa.Column("rating", sa.String(length=60), nullable=True),
        sa.Column("multiplier", sa.Float(), nullable=True),
        sa.Column("explanation", _JSON, nullable=False),
        sa.Column(
            "computed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["cycles.id"],
            name=op.f("fk_results_cycle_id_cycles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_results_employee_id_employees"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["user_accounts.id"],
            name=op.f("fk_results_published_by_id_user_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["scorecard_id"],
            ["scorecards.id"],
            name=op.f("fk_results_scorecard_id_scorecards"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_results_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_results")),
        sa.UniqueConstraint("cycle_id", "employee_id", "version", name="uq_results_version"),
    )
    op.create_index("ix_results_employee", "results", ["employee_id"])
    op.create_index(
        "ix_results_tenant_cycle_status", "results", ["tenant_id", "cycle_id", "status"]
    )
    grant_to_existing_tenants(op.execute, ((r, "result", a, s) for r, a, s in _GRANTS))


def downgrade() -> None:
    op.execute("DELETE FROM policy_rules WHERE ptype = 'p' AND v2 = 'result'")
    op.drop_index("ix_results_tenant_cycle_status", table_name="results")
    op.drop_index("ix_results_employee", table_name="results")
    op.drop_table("results")
