"""policy_rules: HR of every existing tenant may deactivate and reactivate accounts

New tenants get ``(hr, user, manage, tenant)`` from the default grants; tenants
created before the permission existed get the same line here, and their policy
version is bumped so every worker's cached enforcer reloads.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MISSING = (
    "FROM tenants t WHERE NOT EXISTS (SELECT 1 FROM policy_rules p WHERE p.tenant_id = t.id"
    " AND p.ptype = 'p' AND p.v0 = 'hr' AND p.v2 = 'user' AND p.v3 = 'manage')"
)


def upgrade() -> None:
    stale = f"SELECT t.id {_MISSING}"
    op.execute(f"UPDATE tenants SET policy_version = policy_version + 1 WHERE id IN ({stale})")  # noqa: S608
    op.execute(
        "INSERT INTO policy_rules (tenant_id, ptype, v0, v1, v2, v3, v4) "
        f"SELECT t.id, 'p', 'hr', t.slug, 'user', 'manage', 'tenant' {_MISSING}"
    )


def downgrade() -> None:
    op.execute(
        "DELETE FROM policy_rules WHERE ptype = 'p' AND v0 = 'hr' AND v2 = 'user' AND v3 = 'manage'"
    )
