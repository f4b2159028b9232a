"""awards: the winners HR announced, one row per award, cycle and unit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import DateTime, Float, ForeignKey, Index, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from perfloop.store.core.base import Base, JSONType, utcnow

__all__ = ["AwardWinner"]


class AwardWinner(Base):
    """An announced winner of an award (a scoring template's ``awards`` entry) for a
    cycle's period and one org unit.

    Written once, when HR announces the award; never updated by later data (a run that
    changes the results leaves it as announced). ``details`` keeps what decided it:
    the ranked values (``keys``), ``decidedBy``, the runner-up, the counts, and the
    result version the winner was ranked on.
    """

    __tablename__ = "award_winners"
    __table_args__ = (
        UniqueConstraint("cycle_id", "award_key", "org_unit_id", name="uq_award_winners_unit"),
        Index("ix_award_winners_tenant_cycle", "tenant_id", "cycle_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"))
    award_key: Mapped[str] = mapped_column(String(63))
    scoring_ref: Mapped[str] = mapped_column(String(120))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="CASCADE"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"))
    result_version: Mapped[int] = mapped_column(Integer)
    value: Mapped[float | None] = mapped_column(Float)
    decided_by: Mapped[str] = mapped_column(String(63))
    details: Mapped[dict[str, Any]] = mapped_column(JSONType)
    announced_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )
    announced_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_accounts.id", ondelete="SET NULL")
    )
