"""Payout tables: base amounts (HR's), budgets per cycle and unit, and the payout lists
of a cycle, version by version, with one line per person."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from perfloop.store.core import JSONType
from perfloop.store.core.base import Base, utcnow

__all__ = ["MONEY_PLACES", "Money", "PayoutBase", "PayoutBudget", "PayoutLine", "PayoutList"]

#: Money is stored exactly, as an integer count of 1/10,000 of the currency unit (a
#: template's rounding keeps at most 4 places): no float and no NUMERIC, which SQLite
#: would store as a float.
MONEY_PLACES = 4


class Money(TypeDecorator[Decimal]):
    """A decimal amount stored as a BIGINT of 10^-4 units."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        return int(value.scaleb(MONEY_PLACES).to_integral_exact())

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-MONEY_PLACES).normalize() + Decimal("0.00")


class PayoutBase(Base):
    """A base amount: for a ``grade``, a ``position`` (by name) or one ``employee``
    (``key`` is then the employee's id). The person's own wins over the position's,
    which wins over the grade's (services/payouts)."""

    __tablename__ = "payout_bases"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "key", name="uq_payout_bases_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # grade | position | employee
    key: Mapped[str] = mapped_column(String(100))
    employee_id: Mapped[int | None] = mapped_column(
        ForeignKey("employees.id", ondelete="CASCADE"), index=True
    )
    amount: Mapped[Decimal] = mapped_column(Money)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_accounts.id", ondelete="SET NULL")
    )


class PayoutBudget(Base):
    """The budget of a cycle's payouts for an org unit's subtree (the company's: its
    root unit's)."""

    __tablename__ = "payout_budgets"
    __table_args__ = (
        UniqueConstraint("cycle_id", "org_unit_id", name="uq_payout_budgets_unit"),
        Index("ix_payout_budgets_tenant_cycle", "tenant_id", "cycle_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="CASCADE"))
    amount: Mapped[Decimal] = mapped_column(Money)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )


class PayoutList(Base):
    """A cycle's payout list at one ``version``: generated from the published results
    (draft), then approved (locked). ``results_count`` and ``results_mark`` (the
    latest publication it saw) tell when a later publication made it stale."""

    __tablename__ = "payout_lists"
    __table_args__ = (
        UniqueConstraint("cycle_id", "version", name="uq_payout_lists_version"),
        Index("ix_payout_lists_tenant_cycle", "tenant_id", "cycle_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="draft", server_default="draft")
    results_count: Mapped[int] = mapped_column(Integer)
    results_mark: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    #: per org unit id (as text): {"amount": "…", "people": n, "unpaid": n}, over the
    #: unit's subtree as it was placed when generated
    totals: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_accounts.id", ondelete="SET NULL")
    )
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_accounts.id", ondelete="SET NULL")
    )


class PayoutLine(Base):
    """One person's payout in a list: what it was computed from, as it was then."""

    __tablename__ = "payout_lines"
    __table_args__ = (
        UniqueConstraint("list_id", "employee_id", name="uq_payout_lines_person"),
        Index("ix_payout_lines_employee", "employee_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    list_id: Mapped[int] = mapped_column(ForeignKey("payout_lists.id", ondelete="CASCADE"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="RESTRICT"))
    unit_path: Mapped[str] = mapped_column(String(500))
    result_version: Mapped[int] = mapped_column(Integer)
    rating: Mapped[str | None] = mapped_column(String(60))
    basis: Mapped[str] = mapped_column(String(20))  # completion | total | kpi | review | rating
    basis_value: Mapped[float | None] = mapped_column(Float)
    tier: Mapped[str | None] = mapped_column(String(100))
    tier_title: Mapped[dict[str, Any]] = mapped_column(JSONType)
    base: Mapped[Decimal | None] = mapped_column(Money)
    base_source: Mapped[str] = mapped_column(String(20))  # employee | position | grade | none
    multiplier: Mapped[Decimal | None] = mapped_column(Money)
    amount: Mapped[Decimal | None] = mapped_column(Money)
    flags: Mapped[list[str]] = mapped_column(JSONType)
