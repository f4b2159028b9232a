"""Cycles queries."""

from __future__ import annotations

import strawberry


@strawberry.type
class CyclesQueries:
    pass
