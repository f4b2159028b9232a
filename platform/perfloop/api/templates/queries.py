"""Template queries."""

from __future__ import annotations

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.pagination import Connection
from perfloop.api.core.permissions import requires
from perfloop.api.core.scalars import JSON
from perfloop.api.templates.types import Template, TemplateProblem, TemplateValidation
from perfloop.authz import Permission
from perfloop.services import templates as service


@strawberry.type
class TemplateQueries:
    @strawberry.field(
        description="Templates visible to your tenant (built-in and your own), by key, version.",
        extensions=requires(Permission.TEMPLATE_READ),
    )
    async def templates(
        self,
        info: Info,
        kind: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Template]:
        ctx = info.context
        page = await service.list_templates(
            ctx.session,
            ctx.caller,
            kind=kind,
            first=first,
            after=after,
            page_cap=ctx.settings.max_page_size,
        )
        return Connection[Template].from_page(
            page, lambda row: Template.from_row(row, with_body=False)
        )

    @strawberry.field(
        description="One template version; the latest when version is omitted. Null when unknown.",
        extensions=requires(Permission.TEMPLATE_READ),
    )
    async def template(self, info: Info, key: str, version: int | None = None) -> Template | None:
        row = await service.get_template(
            info.context.session, info.context.caller, key, version, with_body=False
        )
        return Template.from_row(row, with_body=False) if row else None

    @strawberry.field(
        description=(
            "Check a template document without publishing it; TOO_LARGE past the size a "
            "stored document may have."
        ),
        extensions=requires(Permission.TEMPLATE_VALIDATE),
    )
    async def validate_template(self, info: Info, document: JSON) -> TemplateValidation:
        ctx = info.context
        errors = await service.validate_template(
            ctx.session, ctx.caller, document, max_bytes=ctx.settings.max_document_bytes
        )
        warnings = [] if errors else service.template_warnings(document)
        return TemplateValidation(
            valid=not errors,
            problems=[TemplateProblem.from_error(e) for e in errors],
            warnings=[TemplateProblem.from_error(w) for w in warnings],
        )
