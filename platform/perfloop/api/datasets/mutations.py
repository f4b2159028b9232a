"""Datasets mutations."""

from __future__ import annotations

import strawberry


@strawberry.type
class DatasetsMutations:
    pass
