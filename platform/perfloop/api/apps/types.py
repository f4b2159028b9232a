"""Installed apps as GraphQL types."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.errors import UserError
from perfloop.api.core.scalars import JSON
from perfloop.api.identity.types import User, user_by_id
from perfloop.api.org.types import OrgUnit, org_unit_by_id
from perfloop.api.templates.types import TemplateProblem
from perfloop.store.apps import InstalledApp as InstalledAppRow

if TYPE_CHECKING:
    pass


@strawberry.type(description="An app template installed into the tenant.")
class InstalledApp:
    id: strawberry.ID
    app_key: str
    app_version: int
    status: str
    overrides: JSON = strawberry.field(description="The parameter values the installer changed.")
    parameters: JSON = strawberry.field(
        description="The app's default parameters with the overrides merged in."
    )
    installed_at: dt.datetime
    updated_at: dt.datetime
    org_unit_id: strawberry.Private[int | None]
    installed_by_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: InstalledAppRow) -> InstalledApp:
        return cls(
            id=strawberry.ID(str(row.id)),
            app_key=row.app_key,
            app_version=row.app_version,
            status=row.status,
            overrides=JSON(row.overrides),
            parameters=JSON(row.parameters),
            installed_at=row.installed_at,
            updated_at=row.updated_at,
            org_unit_id=row.org_unit_id,
            installed_by_id=row.installed_by_id,
        )

    @strawberry.field(description="key@version of the app template.")
    def app(self) -> str:
        return f"{self.app_key}@{self.app_version}"

    @strawberry.field(description="The subtree this install applies to; null: the whole tenant.")
    async def org_unit(self, info: Info) -> OrgUnit | None:
        return await org_unit_by_id(info, self.org_unit_id)

    @strawberry.field
    async def installed_by(self, info: Info) -> User | None:
        return await user_by_id(info, self.installed_by_id)


@strawberry.type
class InstalledAppPayload:
    installed_app: InstalledApp | None = None
    warnings: list[TemplateProblem] = strawberry.field(
        default_factory=list,
        description="Accepted with a warning: a plugin source of the app's KPI libraries "
        "whose metric plugin is not installed here (code plugin-missing, at the library's "
        "place in the app; the message names the library and the indicator). Its items "
        "are reported as errored by refreshActuals until the plugin is installed.",
    )
    errors: list[UserError] = strawberry.field(default_factory=list)
