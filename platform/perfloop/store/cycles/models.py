"""cycles, their stages (in template order, with due dates) and the stage log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Date,
    DateTime,
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

__all__ = ["Cycle", "CycleStage", "CycleTransition"]


class Cycle(Base):
    """One review period (``2026-Q4``) run from a cycle template of an installed app.

    ``period_kind`` is month, quarter, half-year or year. A summary cycle (the
    year of a quarterly template with an annual summary) is the ``parent`` of
    the cycles of its periods. The template version is pinned at open.
    """

    __tablename__ = "cycles"
    __table_args__ = (
        UniqueConstraint("tenant_id", "installed_app_id", "template_key", "period"),
        Index("ix_cycles_tenant_status", "tenant_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    installed_app_id: Mapped[int] = mapped_column(
        ForeignKey("installed_apps.id", ondelete="RESTRICT"), index=True
    )
    template_key: Mapped[str] = mapped_column(String(100))
    template_version: Mapped[int] = mapped_column(Integer)
    period_kind: Mapped[str] = mapped_column(String(20))
    period: Mapped[str] = mapped_column(String(20))
    is_summary: Mapped[bool] = mapped_column(default=False, server_default="0")
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    stage_key: Mapped[str] = mapped_column(String(63))
    status: Mapped[str] = mapped_column(String(20), default="open", server_default="open")
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("cycles.id", ondelete="SET NULL"), index=True
    )
    opened_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_accounts.id", ondelete="SET NULL")
    )
    opened_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class CycleStage(Base):
    """A stage of one cycle, in template order, with its due date.

    ``status`` is pending, active or done; a stage is overdue when its
    ``due_on`` has passed and it is not done.
    """

    __tablename__ = "cycle_stages"
    __table_args__ = (
        UniqueConstraint("cycle_id", "key"),
        Index("ix_cycle_stages_tenant_due", "tenant_id", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(63))
    phase: Mapped[str] = mapped_column(String(20))
    title: Mapped[dict[str, Any]] = mapped_column(JSONType)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="pending", server_default="pending")
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class CycleTransition(Base):
    """One move of a cycle between stages (``from_stage`` NULL when it opened).

    ``override_reason`` and ``overridden`` are set when failing guards were
    overridden: the reason given and the guards with what blocked them.
    """

    __tablename__ = "cycle_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    from_stage: Mapped[str | None] = mapped_column(String(63))
    to_stage: Mapped[str] = mapped_column(String(63))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_accounts.id", ondelete="SET NULL"))
    at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )
    override_reason: Mapped[str | None] = mapped_column(Text)
    overridden: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType)
