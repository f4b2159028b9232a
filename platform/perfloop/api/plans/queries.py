"""Plans queries."""

from __future__ import annotations

import strawberry


@strawberry.type
class PlansQueries:
    pass
