"""result calibration: each result's revision and calibrations; result.calibrate for
the tenants created before it

A calibration moves a result's rating with a reason (services/results/calibration.py):
the row keeps its calibrations and a revision that every write bumps, which a
calibration checks (optimistic). New tenants get ``result.calibrate`` from the
default policy; tenants created before get it here (only where it is missing), and
their policy version is bumped so every worker's cached enforcer reloads.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from perfloop.store.core.grants import grant_to_existing_tenants

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

#: (role, action, scope) of the resource ``result`` this revision grants, as the
#: default policy grants them when it was written.
_GRANTS = (("hr", "calibrate", "tenant"),)


def upgrade() -> None:
    with op.batch_alter_table("results") as batch:
        batch.add_column(sa.Column("revision", sa.Integer(), server_default="1", nullable=False))
        batch.add_column(sa.Column("calibrations", _JSON, server_default="[]", nullable=False))
    grant_to_existing_tenants(op.execute, ((r, "result", a, s) for r, a, s in _GRANTS))


def downgrade() -> None:
    op.execute(
        "UPDATE tenants SET policy_version = policy_version + 1 WHERE id IN (SELECT tenant_id"
        " FROM policy_rules WHERE ptype = 'p' AND v2 = 'result' AND v3 = 'calibrate')"
    )
    op.execute("DELETE FROM policy_rules WHERE ptype = 'p' AND v2 = 'result' AND v3 = 'calibrate'")
    with op.batch_alter_table("results") as batch:
        batch.drop_column("calibrations")
        batch.drop_column("revision")
