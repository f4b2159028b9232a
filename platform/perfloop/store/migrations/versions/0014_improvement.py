"""improvement plans, their check-ins and candidate lists; the improvement.* and
candidate.* permissions for the tenants created before them

New tenants get the grants from the default policy; tenants created before get the
same lines here (each one only where it is missing), and their policy version is
bumped so every worker's cached enforcer reloads.

Revision ID: 0014_improvement
Revises: 0013_appeals
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from perfloop.store.core.grants import grant_to_existing_tenants

revision: str = "0014_improvement"
down_revision: str | Sequence[str] | None = "0013_appeals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

#: (role, resource, action, scope) as the default policy grants them when this
#: revision was written.
_GRANTS = (
    ("hr", "improvement", "read", "tenant"),
    ("executive", "improvement", "read", "tenant"),
    ("head", "improvement", "read", "subtree"),
    ("manager", "improvement", "read", "team"),
    ("employee", "improvement", "read", "self"),
    ("hr", "improvement", "write", "tenant"),
    ("head", "improvement", "write", "subtree"),
    ("manager", "improvement", "write", "team"),
    ("hr", "improvement", "checkin", "tenant"),
    ("head", "improvement", "checkin", "subtree"),
    ("manager", "improvement", "checkin", "team"),
    ("employee", "improvement", "checkin", "self"),
    ("hr", "improvement", "manage", "tenant"),
    ("hr", "candidate", "read", "tenant"),
    ("executive", "candidate", "read", "tenant"),
    ("hr", "candidate", "manage", "tenant"),
)


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), nullable=False)


def _at(name: str, *, nullable: bool = False) -> sa.Column[object]:
    if nullable:
        return sa.Column(name, sa.DateTime(timezone=True), nullable=True)
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "improvement_plans",
        _id(),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("result_version", sa.Integer(), nullable=False),
        sa.Column("form_ref", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="open", nullable=False),
        sa.Column("reason", _JSON, nullable=False),
        sa.Column("gaps", _JSON, nullable=False),
        sa.Column("carry", _JSON, nullable=False),
        sa.Column("answers", _JSON, nullable=False),
        sa.Column("topics", _JSON, nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("carried_cycle_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("outcome_note", sa.Text(), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("outcome_by_rule", sa.Boolean(), server_default="0", nullable=False),
        _at("closed_at", nullable=True),
        sa.Column("revision", sa.Integer(), server_default="1", nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        _at("opened_at"),
        _at("updated_at"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["employee_id"], ["employees.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["owner_id"], ["employees.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["carried_cycle_id"], ["cycles.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["closed_by_id"], ["user_accounts.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["opened_by_id"], ["user_accounts.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cycle_id", "employee_id", name="uq_improvement_plans_cycle_employee"),
    )
    op.create_index(
        "ix_improvement_plans_tenant_status", "improvement_plans", ["tenant_id", "status"]
    )
    op.create_index("ix_improvement_plans_employee", "improvement_plans", ["employee_id"])
    op.create_table(
        "improvement_checkins",
        _id(),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("progress", sa.Float(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        _at("at"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["plan_id"], ["improvement_plans.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_id"], ["user_accounts.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_improvement_checkins_plan_id"), "improvement_checkins", ["plan_id"])
    op.create_table(
        "candidate_entries",
        _id(),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("list_key", sa.String(length=64), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("result_version", sa.Integer(), nullable=False),
        sa.Column("reason", _JSON, nullable=False),
        sa.Column("topics", _JSON, nullable=False),
        sa.Column("status", sa.String(length=20), server_default="proposed", nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        _at("decided_at", nullable=True),
        _at("listed_at"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["employee_id"], ["employees.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["user_accounts.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "cycle_id", "list_key", "employee_id", name="uq_candidate_entries_list_employee"
        ),
    )
    op.create_index(
        "ix_candidate_entries_tenant_cycle", "candidate_entries",
        ["tenant_id", "cycle_id", "list_key"],
    )  # fmt: skip
    grant_to_existing_tenants(op.execute, _GRANTS)


def downgrade() -> None:
    for resource in ("improvement", "candidate"):
        op.execute(
            "UPDATE tenants SET policy_version = policy_version + 1 WHERE id IN (SELECT"  # noqa: S608
            f" tenant_id FROM policy_rules WHERE ptype = 'p' AND v2 = '{resource}')"
        )
        op.execute(f"DELETE FROM policy_rules WHERE ptype = 'p' AND v2 = '{resource}'")  # noqa: S608
    op.drop_table("candidate_entries")
    op.drop_table("improvement_checkins")
    op.drop_table("improvement_plans")
