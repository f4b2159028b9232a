"""results: one person's scored result of a cycle, one row per version."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import DateTime, Float, ForeignKey, Index, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from perfloop.store.core.base import Base, JSONType, utcnow

__all__ = ["Result"]


class Result(Base):
    """A person's result of a cycle at one ``version`` (1, 2, …).

    ``status`` is draft (private to HR; a scoring run overwrites it) or published
    (read by the person and their managers; never changed again). A run after a
    publication writes version n+1 as a draft, so every published version stays
    readable as it was. The row keeps what was scored — the plan and its revision,
    the scoring template and the parameters (``templates``), the items and the
    ratings by relation (``inputs``) — next to what came out: the KPI part, the
    review part, the total, the rating band, the incentive multiplier and the
    explanation tree of the template's formulas.
    """

    __tablename__ = "results"
    __table_args__ = (
        UniqueConstraint("cycle_id", "employee_id", "version", name="uq_results_version"),
        Index("ix_results_tenant_cycle_status", "tenant_id", "cycle_id", "status"),
        Index("ix_results_employee", "employee_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="draft", server_default="draft")
    scorecard_id: Mapped[int | None] = mapped_column(
        ForeignKey("scorecards.id", ondelete="SET NULL")
    )
    scorecard_revision: Mapped[int] = mapped_column(Integer)
    scoring_ref: Mapped[str] = mapped_column(String(120))
    templates: Mapped[dict[str, Any]] = mapped_column(JSONType)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSONType)
    kpi_part: Mapped[float | None] = mapped_column(Float)
    review_part: Mapped[float | None] = mapped_column(Float)
    total: Mapped[float | None] = mapped_column(Float)
    rating: Mapped[str | None] = mapped_column(String(60))
    multiplier: Mapped[float | None] = mapped_column(Float)
    explanation: Mapped[dict[str, Any]] = mapped_column(JSONType)
    #: bumped by every write of this row (a run's rewrite of the draft, a calibration):
    #: a calibration states the revision it saw (optimistic check)
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    #: the calibrations of this version, oldest first: ``{from, to, reason, by, byName,
    #: at, multiplierFrom, multiplierTo}`` (a run's rewrite of the draft empties it)
    calibrations: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONType, default=list, server_default="[]"
    )
    computed_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_accounts.id", ondelete="SET NULL")
    )
