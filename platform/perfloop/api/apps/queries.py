"""Installed app queries."""

from __future__ import annotations

import strawberry

from perfloop.api.apps.types import InstalledApp
from perfloop.api.core.context import Info
from perfloop.api.core.inputs import as_id
from perfloop.api.core.permissions import requires
from perfloop.authz import Permission
from perfloop.services import apps


@strawberry.type
class AppsQueries:
    @strawberry.field(
        description="Apps installed in your tenant.", extensions=requires(Permission.APP_READ)
    )
    async def installed_apps(self, info: Info, status: str | None = None) -> list[InstalledApp]:
        rows = await apps.list_installed_apps(
            info.context.session, info.context.caller, status=status
        )
        return [InstalledApp.from_row(r) for r in rows]

    @strawberry.field(
        description="One installed app; null when unknown.",
        extensions=requires(Permission.APP_READ),
    )
    async def installed_app(self, info: Info, id: strawberry.ID) -> InstalledApp | None:
        row = await apps.get_installed_app(
            info.context.session, info.context.caller, as_id(id) or -1
        )
        return InstalledApp.from_row(row) if row else None
