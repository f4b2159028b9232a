"""review_assignments; the review.* permissions for the tenants created before them

New tenants get the review grants from the default policy; tenants created before
get the same lines here (each one only where it is missing), and their policy
version is bumped so every worker's cached enforcer reloads.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from perfloop.store.core.grants import grant_to_existing_tenants

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

#: (role, action, scope) of the resource ``review``, as the default policy grants them
#: when this revision was written.
_GRANTS = (
    *((role, "write", "self") for role in ("hr", "executive", "head", "manager", "employee")),
    ("employee", "propose", "self"),
    ("hr", "read", "tenant"),
    ("executive", "read", "tenant"),
    ("head", "read", "subtree"),
    ("manager", "read", "team"),
    ("employee", "read", "self"),
    ("hr", "assign", "tenant"),
    ("head", "assign", "subtree"),
    ("manager", "assign", "team"),
    ("hr", "manage", "tenant"),
)


def upgrade() -> None:
    op.create_table(
        "review_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("stage_key", sa.String(length=63), nullable=False),
        sa.Column("form_ref", sa.String(length=120), nullable=False),
        sa.Column("relation", sa.String(length=20), nullable=False),
        sa.Column("required", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("rater_id", sa.Integer(), nullable=True),
        sa.Column("rater_key", sa.String(length=240), nullable=False),
        sa.Column("external_name", sa.String(length=200), nullable=True),
        sa.Column("external_email", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=20), server_default="pending", nullable=False),
        sa.Column("answers", _JSON, nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("revision", sa.Integer(), server_default="1", nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("token_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_accounts.id"],
            name=op.f("fk_review_assignments_created_by_id_user_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["cycles.id"],
            name=op.f("fk_review_assignments_cycle_id_cycles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rater_id"],
            ["employees.id"],
            name=op.f("fk_review_assignments_rater_id_employees"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["employees.id"],
            name=op.f("fk_review_assignments_subject_id_employees"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_review_assignments_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_assignments")),
        sa.UniqueConstraint(
            "cycle_id",
            "stage_key",
            "form_ref",
            "relation",
            "subject_id",
            "rater_key",
            name="uq_review_assignments_one_per_rater",
        ),
        sa.UniqueConstraint("token_hash", name=op.f("uq_review_assignments_token_hash")),
    )
    op.create_index("ix_review_assignments_rater", "review_assignments", ["rater_id"])
    op.create_index("ix_review_assignments_subject", "review_assignments", ["subject_id"])
    op.create_index(
        "ix_review_assignments_tenant_cycle",
        "review_assignments",
        ["tenant_id", "cycle_id", "stage_key"],
    )
    grant_to_existing_tenants(op.execute, ((r, "review", a, s) for r, a, s in _GRANTS))


def downgrade() -> None:
    op.execute("DELETE FROM policy_rules WHERE ptype = 'p' AND v2 = 'review'")
    op.drop_index("ix_review_assignments_tenant_cycle", table_name="review_assignments")
    op.drop_index("ix_review_assignments_subject", table_name="review_assignments")
    op.drop_index("ix_review_assignments_rater", table_name="review_assignments")
    op.drop_table("review_assignments")
