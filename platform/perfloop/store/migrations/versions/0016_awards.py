"""awards: the announced winners; award.read and award.manage for the tenants created
before them

New tenants get the award grants from the default policy; tenants created before get
the same lines here (each only where it is missing), and their policy version is
bumped so every worker's cached enforcer reloads.

Revision ID: 0016_awards
Revises: 0015
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from perfloop.store.core.grants import grant_to_existing_tenants

revision: str = "0016_awards"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

#: (role, action, scope) of the resource ``award``, as the default policy grants them
#: when this revision was written.
_GRANTS = (
    *((role, "read", "tenant") for role in ("hr", "executive", "head", "manager", "employee")),
    ("hr", "manage", "tenant"),
)


def upgrade() -> None:
    op.create_table(
        "award_winners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("award_key", sa.String(length=63), nullable=False),
        sa.Column("scoring_ref", sa.String(length=120), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("result_version", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("decided_by", sa.String(length=63), nullable=False),
        sa.Column("details", _JSON, nullable=False),
        sa.Column(
            "announced_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("announced_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["announced_by_id"],
            ["user_accounts.id"],
            name=op.f("fk_award_winners_announced_by_id_user_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["cycles.id"],
            name=op.f("fk_award_winners_cycle_id_cycles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_award_winners_employee_id_employees"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_award_winners_org_unit_id_org_units"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_award_winners_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_award_winners")),
        sa.UniqueConstraint("cycle_id", "award_key", "org_unit_id", name="uq_award_winners_unit"),
    )
    op.create_index("ix_award_winners_tenant_cycle", "award_winners", ["tenant_id", "cycle_id"])
    grant_to_existing_tenants(op.execute, ((r, "award", a, s) for r, a, s in _GRANTS))


def downgrade() -> None:
    op.execute(
        "UPDATE tenants SET policy_version = policy_version + 1 WHERE id IN (SELECT tenant_id"
        " FROM policy_rules WHERE ptype = 'p' AND v2 = 'award')"
    )
    op.execute("DELETE FROM policy_rules WHERE ptype = 'p' AND v2 = 'award'")
    op.drop_index("ix_award_winners_tenant_cycle", table_name="award_winners")
    op.drop_table("award_winners")
