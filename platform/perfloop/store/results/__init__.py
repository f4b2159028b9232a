"""The results tables: each person's scored result of a cycle, version by version."""

from __future__ import annotations

from perfloop.store.results.models import Result

__all__ = ["Result"]
