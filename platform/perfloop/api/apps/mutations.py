"""Installing and upgrading apps."""

from __future__ import annotations

from typing import TYPE_CHECKING

import strawberry

from perfloop.api.apps.types import InstalledApp, InstalledAppPayload
from perfloop.api.core.context import Info
from perfloop.api.core.inputs import as_id
from perfloop.api.core.payloads import mutation
from perfloop.api.core.scalars import JSON
from perfloop.api.templates.types import TemplateProblem
from perfloop.authz import Permission
from perfloop.services import apps

if TYPE_CHECKING:
    from perfloop.store.apps import InstalledApp as InstalledAppRow


@strawberry.type
class AppsMutations:
    @mutation(
        description=(
            "Install an app template (key@version) with parameter overrides, for the tenant "
            "or one org unit's subtree. Everything is validated before anything is written; "
            "errors point at the offending parameter (path: parameters + JSON pointer parts)."
        ),
        permission=Permission.APP_INSTALL,
    )
    async def install_app(
        self,
        info: Info,
        app: str,
        parameters: JSON | None = None,
        org_unit: strawberry.ID | None = None,
    ) -> InstalledAppPayload:
        ctx = info.context
        row = await apps.install_app(
            ctx.session,
            ctx.caller,
            app,
            parameters,
            as_id(org_unit),
            max_bytes=ctx.settings.max_document_bytes,
        )
        return await _payload(info, row)

    @mutation(
        description=(
            "Move an installed app to a newer version of its template, re-checking its "
            "overrides against the new parameter schema. Never happens by itself."
        ),
        permission=Permission.APP_INSTALL,
    )
    async def upgrade_app(
        self, info: Info, id: strawberry.ID, to_version: int
    ) -> InstalledAppPayload:
        row = await apps.upgrade_app(
            info.context.session, info.context.caller, as_id(id) or -1, to_version
        )
        return await _payload(info, row)


async def _payload(info: Info, row: InstalledAppRow) -> InstalledAppPayload:
    warnings = await apps.install_warnings(info.context.session, info.context.caller, row)
    return InstalledAppPayload(
        installed_app=InstalledApp.from_row(row),
        warnings=[TemplateProblem.from_error(w) for w in warnings],
    )
