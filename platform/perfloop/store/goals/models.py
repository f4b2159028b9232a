"""goals (company → department → team/position → employee) and bottom-up proposals."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    DateTime,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from perfloop.store.core.base import Base, JSONType, utcnow

__all__ = ["Goal", "GoalProposal"]


class Goal(Base):
    """A node of a cycle's goal tree.

    ``level`` is company, department, team, position or employee. The owner is
    an org unit (``org_unit_id``), a position within a unit (``org_unit_id`` and
    ``position``) or an employee (``employee_id``). ``additive`` indicators
    (revenue, counts) are split among children whose targets should add up.
    """

    __tablename__ = "goals"
    __table_args__ = (Index("ix_goals_tenant_cycle", "tenant_id", "cycle_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("goals.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[str] = mapped_column(String(20))
    org_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("org_units.id", ondelete="RESTRICT"), index=True
    )
    position: Mapped[str | None] = mapped_column(String(100))
    employee_id: Mapped[int | None] = mapped_column(
        ForeignKey("employees.id", ondelete="CASCADE"), index=True
    )
    #: the zh-CN title (what the one title always held)
    title: Mapped[str] = mapped_column(String(200))
    #: the title in each product language, ``{"zh-CN": …, "en": …}`` as plan items'
    #: (both filled: a language not given reads as the other one); NULL only on rows
    #: written by older code, which then read ``title`` in both languages
    titles: Mapped[dict[str, str] | None] = mapped_column(JSONType)
    indicator_key: Mapped[str | None] = mapped_column(String(100))
    library_ref: Mapped[str | None] = mapped_column(String(120))
    target: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(40))
    direction: Mapped[str] = mapped_column(String(10), default="higher", server_default="higher")
    additive: Mapped[bool] = mapped_column(default=True, server_default="1")
    weight: Mapped[float | None] = mapped_column(Float)
    actual: Mapped[float | None] = mapped_column(Float)  # measured on the goal itself, if at all
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_accounts.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )


class GoalProposal(Base):
    """What a unit or person proposes to take on under a parent goal (bottom-up).

    One proposal per owner and goal: ``owner_key`` names the owner in one non-null
    column (``unit:12``, ``position:12:Sales rep``, ``employee:7``), so the unique
    constraint holds where the nullable owner columns could not."""

    __tablename__ = "goal_proposals"
    __table_args__ = (UniqueConstraint("goal_id", "owner_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id", ondelete="CASCADE"))
    position: Mapped[str | None] = mapped_column(String(100))
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"))
    owner_key: Mapped[str] = mapped_column(String(130))
    amount: Mapped[float] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
    proposed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_accounts.id", ondelete="SET NULL")
    )
    proposed_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )
