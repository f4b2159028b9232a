"""Cycles mutations."""

from __future__ import annotations

import strawberry


@strawberry.type
class CyclesMutations:
    pass
