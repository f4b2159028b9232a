"""Persistence: SQLAlchemy models, engine/session factory and Alembic migrations."""

from __future__ import annotations

from perfloop.store.core.db import make_engine, make_sessionmaker
from perfloop.store.core.migrate import upgrade

__all__ = ["make_engine", "make_sessionmaker", "upgrade"]
