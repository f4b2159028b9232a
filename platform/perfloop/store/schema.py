"""Every table perfloop has: importing this registers every domain's models on
``Base.metadata`` (Alembic's env and the migrations test use it)."""

from __future__ import annotations

from perfloop.store import (
    appeals,
    apps,
    awards,
    cycles,
    datasets,
    goals,
    identity,
    improvement,
    jobs,
    org,
    payouts,
    plans,
    results,
    reviews,
    templates,
)
from perfloop.store.core import Base

metadata = Base.metadata

DOMAINS = (
    appeals,
    apps,
    awards,
    cycles,
    datasets,
    goals,
    identity,
    improvement,
    jobs,
    org,
    payouts,
    plans,
    results,
    reviews,
    templates,
)

__all__ = ["DOMAINS", "metadata"]
