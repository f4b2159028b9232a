"""Every table perfloop has: importing this registers every domain's models on
``Base.metadata`` (Alembic's env and the migrations test use it)."""

from __future__ import annotations

from perfloop.store import (
    apps,
    cycles,
    datasets,
    goals,
    identity,
    improvement,
    jobs,
    org,
    plans,
    results,
    reviews,
    templates,
)
from perfloop.store.core import Base

metadata = Base.metadata

DOMAINS = (
    apps, cycles, datasets, goals, identity, improvement, jobs, org, plans, results, reviews,
    templates,
)  # fmt: skip

__all__ = ["DOMAINS", "metadata"]
