"""Every table perfloop has: importing this registers all model modules on
``Base.metadata`` (Alembic's env and the migrations test use it)."""

from __future__ import annotations

from perfloop.store import cycle_models, dataset_models, models, plan_models

metadata = models.Base.metadata

__all__ = ["cycle_models", "dataset_models", "metadata", "models", "plan_models"]
