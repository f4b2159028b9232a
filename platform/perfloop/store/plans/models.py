"""scorecards (signed plans), their items, action tasks, actuals and check-ins."""

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

__all__ = ["ActionTask", "Actual", "Checkin", "MetricCacheEntry", "Scorecard", "ScorecardItem"]


class Scorecard(Base):
    """An employee's performance plan for a cycle.

    ``status``: draft (no signature), signing (one side signed) or signed
    (locked). Changing a signed plan clears both signatures and bumps
    ``revision``.
    """

    __tablename__ = "scorecards"
    __table_args__ = (
        UniqueConstraint("cycle_id", "employee_id"),
        Index("ix_scorecards_tenant_cycle_status", "tenant_id", "cycle_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"))
    employee_id: Mapped[int] = mapped_column(
        ForeignKey("employees.id", ondelete="CASCADE"), index=True
    )
    scoring_ref: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20), default="draft", server_default="draft")
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    employee_signed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    employee_signed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_accounts.id", ondelete="SET NULL")
    )
    manager_signed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    manager_signed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_accounts.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )


class ScorecardItem(Base):
    """One weighted item of a plan; indicator details are copied in when assigned,
    so the plan keeps what was agreed even if the library gets a new version."""

    __tablename__ = "scorecard_items"
    __table_args__ = (UniqueConstraint("scorecard_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(100))
    #: the zh-CN title (the other language's when only that one was given): what
    #: ``title`` always read, kept for clients and audit records that read one string
    title: Mapped[str] = mapped_column(String(200))
    #: the title in each product language, ``{"zh-CN": …, "en": …}`` like a template's
    #: ``title`` (both filled: a language not given reads as the other one); NULL only
    #: on rows written by older code, which then read ``title`` in both languages
    titles: Mapped[dict[str, str] | None] = mapped_column(JSONType)
    library_ref: Mapped[str | None] = mapped_column(String(120))
    indicator_key: Mapped[str | None] = mapped_column(String(100))
    goal_id: Mapped[int | None] = mapped_column(
        ForeignKey("goals.id", ondelete="SET NULL"), index=True
    )
    unit: Mapped[str | None] = mapped_column(String(40))
    direction: Mapped[str] = mapped_column(String(10))
    aggregation: Mapped[str | None] = mapped_column(String(10))
    source: Mapped[dict[str, Any]] = mapped_column(JSONType)
    target: Mapped[float | None] = mapped_column(Float)
    #: a target resolved from an earlier period's actual: ``{relativeTo, cycleId,
    #: period, periodStart, periodEnd, actual, change}`` (None: a target given as a number)
    target_base: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    weight: Mapped[float] = mapped_column(Float)
    thresholds: Mapped[dict[str, Any] | None] = mapped_column(JSONType)


class ActionTask(Base):
    """A task of an item's action plan. Status: open, doing, done or dropped."""

    __tablename__ = "action_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(
        ForeignKey("scorecard_items.id", ondelete="CASCADE"), index=True
    )
    #: the zh-CN title (what the one title always held)
    title: Mapped[str] = mapped_column(String(200))
    #: the title in each product language, as an item's ``titles``; NULL only on rows
    #: written by older code, which then read ``title`` in both languages
    titles: Mapped[dict[str, str] | None] = mapped_column(JSONType)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open", server_default="open")


class Actual(Base):
    """An item's actual for a period; ``source`` says where it came from
    (dataset, formula, manual, override). Manual entries and overrides keep who
    entered them and when; a refresh never replaces an override. ``error`` says why
    a computed actual could not be computed (its value is then empty)."""

    __tablename__ = "actuals"
    __table_args__ = (UniqueConstraint("item_id", "period_start", "period_end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("scorecard_items.id", ondelete="CASCADE"))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    value: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(20))
    entered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_accounts.id", ondelete="SET NULL")
    )
    note: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    #: where a computed value came from: the provider (``plugin.metric``), its
    #: version, the parameters and the data range read (None for manual entries)
    provenance: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )


class MetricCacheEntry(Base):
    """A metric plugin's answer for one subject, period and set of parameters, kept
    while the data it read is unchanged: ``data_stamp`` fingerprints that data (the
    datasets' latest batches), so new or replaced records make the entry stale."""

    __tablename__ = "metric_cache"
    __table_args__ = (
        UniqueConstraint(
            "tenant_id", "provider", "version", "params_key", "subject", "period_start",
            "period_end", name="uq_metric_cache_key",
        ),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    #: ``plugin.metric``
    provider: Mapped[str] = mapped_column(String(130))
    version: Mapped[str] = mapped_column(String(64))
    #: sha256 of the parameters as canonical JSON
    params_key: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(254))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    value: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)
    data_stamp: Mapped[str] = mapped_column(String(200))
    computed_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )


class Checkin(Base):
    """A progress note on a plan (or one of its items) with a confidence from 0 to 1."""

    __tablename__ = "checkins"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    scorecard_id: Mapped[int] = mapped_column(
        ForeignKey("scorecards.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int | None] = mapped_column(
        ForeignKey("scorecard_items.id", ondelete="CASCADE")
    )
    progress: Mapped[float | None] = mapped_column(Float)
    confidence: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_accounts.id", ondelete="SET NULL")
    )
    at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )
