"""Payout queries: a cycle's payout list, the base amounts, the export lists."""

from __future__ import annotations

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.inputs import as_id
from perfloop.api.core.permissions import requires
from perfloop.api.payouts.types import PayoutBaseAmount, PayoutList
from perfloop.authz import Permission
from perfloop.services import payouts


@strawberry.type
class PayoutsQueries:
    @strawberry.field(
        description=(
            "The cycle's payout list (`version`, or the latest) as far as you reach with "
            "payout.read: HR and executives the company's, a head their subtree's; null when "
            "there is none or without payout.read (as for an object out of reach)."
        ),
        extensions=requires(Permission.CYCLE_READ),
    )
    async def payout_list(
        self, info: Info, cycle: strawberry.ID, version: int | None = None
    ) -> PayoutList | None:
        cycle_id = as_id(cycle)
        if cycle_id is None:
            return None
        view = await payouts.get_list(info.context.session, info.context.caller, cycle_id, version)
        return PayoutList.from_view(view) if view is not None else None

    @strawberry.field(
        description=(
            "Every base amount (by employee, position, grade): HR and executives (payout.read "
            "for the company); empty for anyone else."
        ),
        extensions=requires(Permission.CYCLE_READ),
    )
    async def payout_base_amounts(self, info: Info) -> list[PayoutBaseAmount]:
        rows = await payouts.base_amounts(info.context.session, info.context.caller)
        return [PayoutBaseAmount.from_view(b) for b in rows]
