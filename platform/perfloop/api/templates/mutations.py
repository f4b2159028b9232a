"""Template mutations."""

from __future__ import annotations

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.payloads import mutation
from perfloop.api.core.scalars import JSON
from perfloop.api.templates.types import PublishTemplatePayload, Template, TemplateProblem
from perfloop.authz import Permission
from perfloop.services import templates as service


@strawberry.type
class TemplateMutations:
    @mutation(
        description=(
            "Publish a template in your tenant. Publishing an existing key creates its "
            "next version; "
            "the document's own version field is replaced by the version assigned."
        ),
        permission=Permission.TEMPLATE_PUBLISH,
    )
    async def publish_template(self, info: Info, document: JSON) -> PublishTemplatePayload:
        ctx = info.context
        result = await service.publish_template(
            ctx.session, ctx.caller, document, max_bytes=ctx.settings.max_document_bytes
        )
        return PublishTemplatePayload(
            template=Template.from_row(result.template),
            created=result.created,
            warnings=[TemplateProblem.from_error(w) for w in service.template_warnings(document)],
        )
