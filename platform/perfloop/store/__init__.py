"""Persistence: SQLAlchemy models, engine/session factory and Alembic migrations."""

from __future__ import annotations

from perfloop.store.core.db import make_engine, make_sessionmaker
from perfloop.store.core.migrate import (
    current_revision,
    head_revision,
    is_known_revision,
    upgrade,
)

__all__ = [
    "current_revision",
    "head_revision",
    "is_known_revision",
    "make_engine",
    "make_sessionmaker",
    "upgrade",
]
