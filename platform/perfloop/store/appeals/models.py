"""appeals: a person's appeal (申诉) against a published result, and feedback
meetings (one-to-ones) recorded against a result."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from perfloop.store.core.base import Base, JSONType, utcnow

__all__ = ["Appeal", "FeedbackMeeting"]


class Appeal(Base):
    """One appeal against the published ``result_version`` of a person's result.

    ``status`` is open (filed and assigned) or decided; a decided appeal says how
    (``decision``: upheld or adjusted), by whom, when and why, with the result's
    numbers before and after and, when adjusted, the ``new_version`` it published.
    ``reviewer_id`` is the person assigned by the cycle template's rule (the manager's
    manager); NULL means HR decides. ``revision`` is bumped by every write: a
    decision states the revision it saw (optimistic check).
    """

    __tablename__ = "appeals"
    __table_args__ = (
        Index("ix_appeals_tenant_cycle_status", "tenant_id", "cycle_id", "status"),
        Index("ix_appeals_employee", "employee_id"),
        Index("ix_appeals_reviewer", "reviewer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"))
    result_version: Mapped[int] = mapped_column(Integer)
    form_ref: Mapped[str] = mapped_column(String(120))
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(20), default="open", server_default="open")
    #: the template's rule that chose the reviewer (manager-of-manager, hr)
    reviewer_rule: Mapped[str] = mapped_column(String(40))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    filed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_accounts.id", ondelete="SET NULL")
    )
    filed_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )
    decision: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_accounts.id", ondelete="SET NULL")
    )
    decided_by_name: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    #: the result's version, total, rating and multiplier before and after the decision,
    #: and what was adjusted (``changes``)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    new_version: Mapped[int | None] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class FeedbackMeeting(Base):
    """A feedback meeting (one-to-one) about a person's result of a cycle: when, notes,
    and the actions agreed (``actions``: ``{title, owner, due}``)."""

    __tablename__ = "feedback_meetings"
    __table_args__ = (Index("ix_feedback_meetings_employee", "employee_id", "cycle_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"))
    result_version: Mapped[int] = mapped_column(Integer)
    held_on: Mapped[dt.date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text)
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_accounts.id", ondelete="SET NULL")
    )
    recorded_by_name: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )
