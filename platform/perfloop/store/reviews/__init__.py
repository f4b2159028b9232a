"""The reviews tables: who fills in which form about whom in a cycle, and the answers."""

from __future__ import annotations

from perfloop.store.reviews.models import ReviewAssignment

__all__ = ["ReviewAssignment"]
