"""review_assignments: one form one rater fills in about one subject at a stage of a cycle."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from perfloop.store.core.base import Base, JSONType, utcnow

__all__ = ["ReviewAssignment"]


class ReviewAssignment(Base):
    """A form (``form_ref``, ``key@version``) that a rater fills in about ``subject_id``
    at stage ``stage_key`` of a cycle, in the rater's ``relation`` to the subject
    (self, manager, peer, subordinate, customer).

    ``rater_key`` names the rater in one non-null column (``employee:7``,
    ``external:<email>``), so that the unique constraint makes creating
    assignments idempotent. An external rater has no employee record: their
    link is a random token stored as its SHA-256 (``token_hash``), valid until
    ``token_expires_at`` and spent by the one submission it allows.

    ``status``: proposed (a peer the employee proposed, awaiting approval),
    rejected (a proposal turned down), pending, draft, submitted.
    ``revision`` grows with every write, so a stale draft save is refused.
    """

    __tablename__ = "review_assignments"
    __table_args__ = (
        UniqueConstraint(
            "cycle_id",
            "stage_key",
            "form_ref",
            "relation",
            "subject_id",
            "rater_key",
            name="uq_review_assignments_one_per_rater",
        ),
        Index("ix_review_assignments_tenant_cycle", "tenant_id", "cycle_id", "stage_key"),
        Index("ix_review_assignments_rater", "rater_id"),
        Index("ix_review_assignments_subject", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"))
    stage_key: Mapped[str] = mapped_column(String(63))
    form_ref: Mapped[str] = mapped_column(String(120))
    relation: Mapped[str] = mapped_column(String(20))
    required: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    subject_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"))
    rater_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"))
    rater_key: Mapped[str] = mapped_column(String(240))
    external_name: Mapped[str | None] = mapped_column(String(200))
    external_email: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="pending", server_default="pending")
    answers: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    score: Mapped[float | None] = mapped_column(Float)
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_accounts.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
