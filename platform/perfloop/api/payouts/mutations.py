"""Payout mutations: base amounts, budgets, generating and approving a payout list."""

from __future__ import annotations

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.inputs import required_id
from perfloop.api.core.payloads import mutation
from perfloop.api.payouts.types import (
    PayoutBaseAmount,
    PayoutBaseAmountPayload,
    PayoutBaseKind,
    PayoutBudgetPayload,
    PayoutList,
    PayoutListPayload,
)
from perfloop.authz import Permission
from perfloop.services import payouts


@strawberry.type
class PayoutsMutations:
    @mutation(
        description=(
            "Set the base amount of a grade, a position (by name) or an employee (by employee "
            'number), as a decimal text ("12000", "8500.50"); null removes it. A person\'s '
            "own amount wins over their position's, which wins over their grade's. HR; audited."
        ),
        permission=Permission.PAYOUT_MANAGE,
    )
    async def set_payout_base_amount(
        self, info: Info, kind: PayoutBaseKind, key: str, amount: str | None
    ) -> PayoutBaseAmountPayload:
        ctx = info.context
        value = payouts.parse_amount(amount)
        row = await payouts.set_base_amount(ctx.session, ctx.caller, kind.value, key, value)
        return PayoutBaseAmountPayload(
            base_amount=PayoutBaseAmount.from_view(row) if row is not None else None
        )

    @mutation(
        description=(
            "Set the cycle's payout budget for an org unit's subtree (the root unit: the "
            "company's), as a decimal text; null removes it. HR; audited."
        ),
        permission=Permission.PAYOUT_MANAGE,
    )
    async def set_payout_budget(
        self, info: Info, cycle: strawberry.ID, org_unit: strawberry.ID, amount: str | None
    ) -> PayoutBudgetPayload:
        ctx = info.context
        value = payouts.parse_amount(amount)
        budget = await payouts.set_budget(
            ctx.session, ctx.caller, required_id(cycle), required_id(org_unit), value
        )
        return PayoutBudgetPayload(budget=str(budget.amount) if budget is not None else None)

    @mutation(
        description=(
            "Generate a new version of the cycle's payout list from its published results: "
            "per person the base amount, the scoring template's tier and multiplier, the "
            "amount; totals per unit; `warnings` name the units over budget. HR; audited."
        ),
        permission=Permission.PAYOUT_MANAGE,
    )
    async def generate_payout_list(self, info: Info, cycle: strawberry.ID) -> PayoutListPayload:
        ctx = info.context
        done = await payouts.generate(ctx.session, ctx.caller, required_id(cycle))
        return PayoutListPayload(
            payout_list=PayoutList.from_view(done.view), warnings=done.warnings
        )

    @mutation(
        description=(
            "Approve (lock) a version of the cycle's payout list; refused when it is stale "
            "or approved already. HR; audited."
        ),
        permission=Permission.PAYOUT_MANAGE,
    )
    async def approve_payout_list(
        self, info: Info, cycle: strawberry.ID, version: int
    ) -> PayoutListPayload:
        ctx = info.context
        view = await payouts.approve(ctx.session, ctx.caller, required_id(cycle), version)
        return PayoutListPayload(payout_list=PayoutList.from_view(view))
