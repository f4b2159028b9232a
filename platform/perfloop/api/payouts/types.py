"""Payout types: base amounts, budgets, a payout list with its unit totals and lines.

Money is a decimal written as a string (``"12000.00"``): JSON numbers are floats in
most clients, and a payout must not lose a cent.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.errors import UserError
from perfloop.api.core.inputs import as_id
from perfloop.api.core.pagination import Connection
from perfloop.api.core.scalars import I18nText
from perfloop.services import payouts


@strawberry.enum(description="What a base amount is set for.")
class PayoutBaseKind(Enum):
    EMPLOYEE = "employee"
    POSITION = "position"
    GRADE = "grade"


@strawberry.enum(description="A payout list's status.")
class PayoutListStatus(Enum):
    DRAFT = "draft"
    APPROVED = "approved"


@strawberry.type(description="A base amount: for a grade, a position or one employee.")
class PayoutBaseAmount:
    kind: PayoutBaseKind
    key: str = strawberry.field(
        description="The grade, the position's name, or the employee's number."
    )
    amount: str = strawberry.field(description="Decimal, as text.")

    @classmethod
    def from_view(cls, b: payouts.BaseAmount) -> PayoutBaseAmount:
        return cls(kind=PayoutBaseKind(b.kind), key=b.key, amount=str(b.amount))


@strawberry.type(description="An org unit's payouts over its subtree, against its budget.")
class PayoutUnitTotal:
    org_unit_id: strawberry.ID
    code: str
    name: str
    amount: str = strawberry.field(description="The total paid (decimal, as text).")
    people: int = strawberry.field(description="People on the list in the subtree.")
    unpaid: int = strawberry.field(description="Of them, lines without an amount (flags).")
    budget: str | None = strawberry.field(description="The cycle's budget for the unit.")
    over: bool = strawberry.field(description="The total exceeds the budget.")
    remaining: str | None = strawberry.field(description="Budget minus total (negative: over).")

    @classmethod
    def from_view(cls, u: payouts.UnitTotal) -> PayoutUnitTotal:
        return cls(
            org_unit_id=strawberry.ID(str(u.org_unit_id)), code=u.code, name=u.name,
            amount=str(u.amount), people=u.people, unpaid=u.unpaid,
            budget=str(u.budget) if u.budget is not None else None, over=u.over,
            remaining=str(u.remaining) if u.remaining is not None else None,
        )  # fmt: skip


@strawberry.type(description="One person's payout.")
class PayoutLine:
    employee_id: strawberry.ID
    employee_no: str
    employee_name: str
    org_unit_id: strawberry.ID
    org_unit_name: str
    position: str
    grade: str
    result_version: int = strawberry.field(description="The published result version used.")
    rating: str | None
    basis: str = strawberry.field(
        description="What the tier was chosen by: completion, total, kpi, review, or rating "
        "(no tiers in the template: the result's multiplier)."
    )
    basis_value: float | None
    tier: str | None = strawberry.field(description="The tier (or band) that applied.")
    tier_title: I18nText | None
    base: str | None = strawberry.field(description="The base amount (decimal, as text).")
    base_source: str = strawberry.field(description="employee, position, grade or none.")
    multiplier: str | None
    amount: str | None = strawberry.field(
        description="base × multiplier, rounded; null when flagged."
    )
    flags: list[str] = strawberry.field(description="NO_BASE, NO_TIER.")

    @classmethod
    def from_view(cls, v: payouts.LineView) -> PayoutLine:
        def text(value: object) -> str | None:
            return str(value) if value is not None else None

        return cls(
            employee_id=strawberry.ID(str(v.employee_id)), employee_no=v.employee_no,
            employee_name=v.employee_name, org_unit_id=strawberry.ID(str(v.org_unit_id)),
            org_unit_name=v.org_unit_name, position=v.position, grade=v.grade,
            result_version=v.result_version, rating=v.rating, basis=v.basis,
            basis_value=v.basis_value, tier=v.tier,
            tier_title=I18nText.from_dict(v.tier_title) if v.tier_title else None,
            base=text(v.base), base_source=v.base_source, multiplier=text(v.multiplier),
            amount=text(v.amount), flags=list(v.flags),
        )  # fmt: skip


@strawberry.type(description="A version of a payout list.")
class PayoutListVersion:
    version: int
    status: PayoutListStatus


@strawberry.type(description="A cycle's payout list at one version (named by cycle and version).")
class PayoutList:
    cycle_id: strawberry.ID
    version: int
    status: PayoutListStatus
    stale: bool = strawberry.field(
        description="Results were published since it was generated: generate it again."
    )
    created_at: dt.datetime
    approved_at: dt.datetime | None
    amount: str = strawberry.field(
        description="The total in your reach: the company's, or your subtree's."
    )
    people: int
    unpaid: int
    units: list[PayoutUnitTotal] = strawberry.field(
        description="Per org unit in your reach (with people on the list or a budget)."
    )
    over_budget: list[PayoutUnitTotal] = strawberry.field(
        description="The units whose total exceeds their budget."
    )
    versions: list[PayoutListVersion]

    @strawberry.field(
        description="The lines in your reach (`orgUnit`: its subtree), by employee number."
    )
    async def lines(
        self,
        info: Info,
        org_unit: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[PayoutLine]:
        ctx = info.context
        page = await payouts.line_page(
            ctx.session, ctx.caller, int(self.cycle_id), self.version, org_unit_id=as_id(org_unit),
            first=first, after=after, page_cap=ctx.settings.max_page_size,
        )  # fmt: skip
        return Connection[PayoutLine].from_page(page, PayoutLine.from_view)

    @classmethod
    def from_view(cls, v: payouts.PayoutListView) -> PayoutList:
        return cls(
            cycle_id=strawberry.ID(str(v.cycle_id)),
            version=v.version, status=PayoutListStatus(v.status), stale=v.stale,
            created_at=v.created_at, approved_at=v.approved_at, amount=str(v.amount),
            people=v.people, unpaid=v.unpaid,
            units=[PayoutUnitTotal.from_view(u) for u in v.units],
            over_budget=[PayoutUnitTotal.from_view(u) for u in v.over_budget],
            versions=[PayoutListVersion(version=n, status=PayoutListStatus(s))
                      for n, s in v.versions],
        )  # fmt: skip


@strawberry.type
class PayoutBaseAmountPayload:
    base_amount: PayoutBaseAmount | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PayoutBudgetPayload:
    budget: str | None = strawberry.field(default=None, description="The budget now set.")
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PayoutListPayload:
    payout_list: PayoutList | None = None
    warnings: list[str] = strawberry.field(
        default_factory=list, description="Units over their budget (nothing is cut)."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)
