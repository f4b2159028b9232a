"""The awards tables: the winners HR announced."""

from __future__ import annotations

from perfloop.store.awards.models import AwardWinner

__all__ = ["AwardWinner"]
