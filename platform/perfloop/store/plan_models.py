"""Goals, scorecards (performance plans), signatures, check-ins and actuals."""

from __future__ import annotations

from perfloop.store.models import Base

__all__ = ["Base"]
