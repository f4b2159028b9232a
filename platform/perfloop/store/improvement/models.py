"""improvement_plans, improvement_checkins, candidate_entries: what a cycle's published
results lead to (绩效改进, 结果应用)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from perfloop.store.core.base import Base, JSONType, utcnow

__all__ = ["CandidateEntry", "ImprovementCheckin", "ImprovementPlan"]


class ImprovementPlan(Base):
    """One person's improvement plan opened by a cycle's result (one per cycle and person).

    ``gaps`` are the result's items the app's rule named (key, title, unit, direction,
    target, actual, completion); ``carry`` the items the plan adds to the person's plan
    of the next cycle of the app (key, title, unit, direction, target), worked out from
    the rule when the plan was opened; ``answers`` follow the app's improvement form.
    ``carried_cycle_id`` is the cycle the items were carried into; ``outcome`` (met /
    not_met) is recorded when the plan is closed, by a person or by the rule.
    """

    __tablename__ = "improvement_plans"
    __table_args__ = (
        UniqueConstraint("cycle_id", "employee_id", name="uq_improvement_plans_cycle_employee"),
        Index("ix_improvement_plans_tenant_status", "tenant_id", "status"),
        Index("ix_improvement_plans_employee", "employee_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"))
    #: the person's manager when the plan was opened
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    result_version: Mapped[int] = mapped_column(Integer)
    form_ref: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20), default="open", server_default="open")
    reason: Mapped[dict[str, Any]] = mapped_column(JSONType)
    gaps: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    carry: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType)
    topics: Mapped[list[str]] = mapped_column(JSONType)
    starts_on: Mapped[dt.date | None] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)
    carried_cycle_id: Mapped[int | None] = mapped_column(
        ForeignKey("cycles.id", ondelete="SET NULL")
    )
    outcome: Mapped[str | None] = mapped_column(String(20))
    outcome_note: Mapped[str | None] = mapped_column(Text)
    #: who closed it (null with ``outcome_by_rule``: the app's rule on the next result)
    closed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_accounts.id", ondelete="SET NULL")
    )
    outcome_by_rule: Mapped[bool] = mapped_column(default=False, server_default="0")
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    opened_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_accounts.id", ondelete="SET NULL")
    )
    opened_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )


class ImprovementCheckin(Base):
    """A follow-up note on an improvement plan, with the progress (0 to 1) it reports."""

    __tablename__ = "improvement_checkins"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("improvement_plans.id", ondelete="CASCADE"), index=True
    )
    note: Mapped[str] = mapped_column(Text)
    progress: Mapped[float | None] = mapped_column(Float)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_accounts.id", ondelete="SET NULL")
    )
    at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )


class CandidateEntry(Base):
    """A person on a candidate list of a cycle (promotion, reward, training, …), with the
    reason the app's rule gives (zh-CN and en) and HR's decision: proposed, confirmed
    or removed, with a note."""

    __tablename__ = "candidate_entries"
    __table_args__ = (
        UniqueConstraint(
            "cycle_id", "list_key", "employee_id", name="uq_candidate_entries_list_employee"
        ),
        Index("ix_candidate_entries_tenant_cycle", "tenant_id", "cycle_id", "list_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"))
    list_key: Mapped[str] = mapped_column(String(64))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"))
    result_version: Mapped[int] = mapped_column(Integer)
    reason: Mapped[dict[str, Any]] = mapped_column(JSONType)
    topics: Mapped[list[str]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(20), default="proposed", server_default="proposed")
    note: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_accounts.id", ondelete="SET NULL")
    )
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    listed_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )
