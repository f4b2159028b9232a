"""Business records (datasets) and ingest batches."""

from __future__ import annotations

from perfloop.store.models import Base

__all__ = ["Base"]
