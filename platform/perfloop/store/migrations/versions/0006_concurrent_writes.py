"""goal_proposals.owner_key (one proposal per owner, also when columns are NULL);
actuals.error (why a computed actual could not be computed)

A unique constraint over (goal_id, org_unit_id, position, employee_id) does not
hold when some of them are NULL, as they are for every proposal: NULLs are
distinct to both databases. The owner is now one non-null text key. Duplicate
proposals made before are folded into the latest one per owner.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OWNER = (
    "CASE WHEN employee_id IS NOT NULL THEN 'employee:' || employee_id "
    "WHEN position IS NOT NULL THEN 'position:' || org_unit_id || ':' || position "
    "ELSE 'unit:' || org_unit_id END"
)


def upgrade() -> None:
    with op.batch_alter_table("goal_proposals") as batch:
        batch.add_column(sa.Column("owner_key", sa.String(length=130), nullable=True))
    op.execute(f"UPDATE goal_proposals SET owner_key = {_OWNER}")  # noqa: S608 - constant SQL
    op.execute(
        "DELETE FROM goal_proposals WHERE id NOT IN ("
        " SELECT MAX(id) FROM goal_proposals GROUP BY goal_id, owner_key)"
    )
    with op.batch_alter_table("goal_proposals") as batch:
        batch.alter_column("owner_key", existing_type=sa.String(length=130), nullable=False)
        batch.drop_constraint(
            "uq_goal_proposals_goal_id_org_unit_id_position_employee_id", type_="unique"
        )
        batch.create_unique_constraint(
            "uq_goal_proposals_goal_id_owner_key", ["goal_id", "owner_key"]
        )
    with op.batch_alter_table("actuals") as batch:
        batch.add_column(sa.Column("error", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("actuals") as batch:
        batch.drop_column("error")
    with op.batch_alter_table("goal_proposals") as batch:
        batch.drop_constraint("uq_goal_proposals_goal_id_owner_key", type_="unique")
        batch.create_unique_constraint(
            "uq_goal_proposals_goal_id_org_unit_id_position_employee_id",
            ["goal_id", "org_unit_id", "position", "employee_id"],
        )
        batch.drop_column("owner_key")
