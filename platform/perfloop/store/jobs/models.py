"""jobs: long work (a company-wide refresh, later scoring runs) that clients follow."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from perfloop.store.core.base import Base, JSONType, utcnow

__all__ = ["Job", "JobPart"]


class Job(Base):
    """One piece of long work and where it stands.

    ``status`` is queued, running, succeeded or failed; ``done`` of ``total`` parts
    is its progress. ``active_key`` holds the job's key while it is queued or
    running and is cleared when it ends: the unique constraint on (tenant, kind,
    active_key) makes a second request for the same work find the first job
    (NULLs never collide, so finished jobs do not block a new one)."""

    __tablename__ = "jobs"
    __table_args__ = (
        UniqueConstraint("tenant_id", "kind", "active_key"),
        Index("ix_jobs_tenant_created", "tenant_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(60))
    key: Mapped[str] = mapped_column(String(200))
    active_key: Mapped[str | None] = mapped_column(String(200))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(20), default="queued", server_default="queued")
    done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    total: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    error_code: Mapped[str | None] = mapped_column(String(40))
    error: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_accounts.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    #: the planner's statistics over the job's parts: per table, rows changed since the
    #: job last analyzed it and before (``store.core.statistics.due``)
    statistics: Mapped[dict[str, Any] | None] = mapped_column(JSONType)


class JobPart(Base):
    """One part of a job (a group of departments) and where it stands.

    ``part`` is what the job's kind cut (JSON: e.g. the org unit ids); ``status`` is
    queued, running, succeeded, failed or skipped (a part not started when the job
    failed); ``result`` is the part's own result, merged in part order into the job's;
    ``worker`` names who ran it last (``host:pid``, or a worker's name)."""

    __tablename__ = "job_parts"
    __table_args__ = (UniqueConstraint("job_id", "index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    index: Mapped[int] = mapped_column(Integer)
    part: Mapped[Any] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(20), default="queued", server_default="queued")
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    error: Mapped[str | None] = mapped_column(Text)
    worker: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
