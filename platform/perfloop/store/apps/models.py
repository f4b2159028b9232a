"""installed_apps: an `app` template (key@version) installed into a tenant, with parameters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from perfloop.store.core.base import Base, JSONType, utcnow

__all__ = ["InstalledApp"]


class InstalledApp(Base):
    """An app template installed into a tenant.

    ``overrides`` is what the installer changed; ``parameters`` is the app's
    defaults with the overrides merged in, validated when written. An install
    with ``org_unit_id`` applies to that unit's subtree (department-specific
    weights or bands); the nearest one up the tree wins, then the tenant-wide one.
    """

    __tablename__ = "installed_apps"
    __table_args__ = (Index("ix_installed_apps_tenant_key", "tenant_id", "app_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    app_key: Mapped[str] = mapped_column(String(100))
    app_version: Mapped[int] = mapped_column(Integer)
    org_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("org_units.id", ondelete="RESTRICT"), index=True
    )
    overrides: Mapped[dict[str, Any]] = mapped_column(JSONType)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(20), default="active", server_default="active")
    installed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_accounts.id", ondelete="SET NULL")
    )
    installed_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )
