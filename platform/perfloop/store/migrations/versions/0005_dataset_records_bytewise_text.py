"""dataset_records: keys and subjects compared bytewise (COLLATE "C") on PostgreSQL

Ingest inserts into two B-tree indexes over these text columns; under the
database's locale every comparison goes through strcoll, with "C" through
memcmp. Equality is the same. SQLite compares bytes already: nothing to do.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (("dataset_key", 100), ("record_key", 200), ("subject", 254))


def _collate(collation: str | None) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # changing the collation keeps the rows and rebuilds the indexes on the columns
    for name, length in _COLUMNS:
        op.alter_column(
            "dataset_records",
            name,
            type_=sa.String(length, collation=collation),
            existing_type=sa.String(length),
            existing_nullable=False,
        )


def upgrade() -> None:
    _collate("C")


def downgrade() -> None:
    _collate("default")
