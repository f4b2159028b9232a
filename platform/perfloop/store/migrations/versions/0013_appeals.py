"""appeals and feedback meetings; the audit log indexed per object and per actor; the
appeal.* and feedback.* permissions for the tenants created before them

An appeal is filed against a published result and decided by the reviewer the cycle
template's rule assigns (services/appeals). New tenants get the grants from the
default policy; tenants created before get the same lines here (each one only where
it is missing), and their policy version is bumped so every worker's cached enforcer
reloads.

Revision ID: 0013_appeals
Revises: 0012_job_parts
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from perfloop.store.core.grants import grant_to_existing_tenants

revision: str = "0013_appeals"
down_revision: str | Sequence[str] | None = "0012_job_parts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

#: (role, resource, action, scope) as the default policy grants them when this
#: revision was written.
_GRANTS = (
    *(
        (role, "appeal", "file", "self")
        for role in ("hr", "executive", "head", "manager", "employee")
    ),
    ("hr", "appeal", "read", "tenant"),
    ("head", "appeal", "read", "subtree"),
    ("manager", "appeal", "read", "team"),
    ("executive", "appeal", "read", "self"),
    ("employee", "appeal", "read", "self"),
    ("hr", "appeal", "decide", "tenant"),
    *((role, "appeal", "decide", "self") for role in ("executive", "head", "manager", "employee")),
    ("hr", "feedback", "write", "tenant"),
    ("head", "feedback", "write", "subtree"),
    ("manager", "feedback", "write", "team"),
    ("hr", "feedback", "read", "tenant"),
    ("head", "feedback", "read", "subtree"),
    ("manager", "feedback", "read", "team"),
    ("employee", "feedback", "read", "self"),
)


def upgrade() -> None:
    op.create_table(
        "appeals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tenant_id", sa.Integer(), sa.ForeignKey("tenants.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("cycle_id", sa.Integer(), sa.ForeignKey("cycles.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("employee_id", sa.Integer(),
                  sa.ForeignKey("employees.id", ondelete="CASCADE"), nullable=False),
        sa.Column("result_version", sa.Integer(), nullable=False),
        sa.Column("form_ref", sa.String(120), nullable=False),
        sa.Column("answers", _JSON, nullable=False),
        sa.Column("status", sa.String(20), server_default="open", nullable=False),
        sa.Column("reviewer_rule", sa.String(40), nullable=False),
        sa.Column("reviewer_id", sa.Integer(),
                  sa.ForeignKey("employees.id", ondelete="SET NULL"), nullable=True),
        sa.Column("filed_by_id", sa.Integer(),
                  sa.ForeignKey("user_accounts.id", ondelete="SET NULL"), nullable=True),
        sa.Column("filed_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("decision", sa.String(20), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(),
                  sa.ForeignKey("user_accounts.id", ondelete="SET NULL"), nullable=True),
        sa.Column("decided_by_name", sa.String(200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("before", _JSON, nullable=True),
        sa.Column("after", _JSON, nullable=True),
        sa.Column("new_version", sa.Integer(), nullable=True),
        sa.Column("revision", sa.Integer(), server_default="1", nullable=False),
    )  # fmt: skip
    op.create_index(
        "ix_appeals_tenant_cycle_status", "appeals", ["tenant_id", "cycle_id", "status"]
    )
    op.create_index("ix_appeals_employee", "appeals", ["employee_id"])
    op.create_index("ix_appeals_reviewer", "appeals", ["reviewer_id"])
    op.create_table(
        "feedback_meetings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tenant_id", sa.Integer(), sa.ForeignKey("tenants.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("cycle_id", sa.Integer(), sa.ForeignKey("cycles.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("employee_id", sa.Integer(),
                  sa.ForeignKey("employees.id", ondelete="CASCADE"), nullable=False),
        sa.Column("result_version", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("actions", _JSON, nullable=False),
        sa.Column("recorded_by_id", sa.Integer(),
                  sa.ForeignKey("user_accounts.id", ondelete="SET NULL"), nullable=True),
        sa.Column("recorded_by_name", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
    )  # fmt: skip
    op.create_index(
        "ix_feedback_meetings_employee", "feedback_meetings", ["employee_id", "cycle_id"]
    )
    op.create_index(
        "ix_audit_log_object", "audit_log", ["tenant_id", "object_type", "object_id", "id"]
    )
    op.create_index("ix_audit_log_actor", "audit_log", ["tenant_id", "actor_id", "id"])
    grant_to_existing_tenants(op.execute, _GRANTS)


def downgrade() -> None:
    op.execute(
        "UPDATE tenants SET policy_version = policy_version + 1 WHERE id IN (SELECT tenant_id"
        " FROM policy_rules WHERE ptype = 'p' AND v2 IN ('appeal', 'feedback'))"
    )
    op.execute("DELETE FROM policy_rules WHERE ptype = 'p' AND v2 IN ('appeal', 'feedback')")
    op.drop_index("ix_audit_log_actor", table_name="audit_log")
    op.drop_index("ix_audit_log_object", table_name="audit_log")
    op.drop_index("ix_feedback_meetings_employee", table_name="feedback_meetings")
    op.drop_table("feedback_meetings")
    op.drop_index("ix_appeals_reviewer", table_name="appeals")
    op.drop_index("ix_appeals_employee", table_name="appeals")
    op.drop_index("ix_appeals_tenant_cycle_status", table_name="appeals")
    op.drop_table("appeals")
