"""Template mutations."""

from __future__ import annotations

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.errors import user_errors
from perfloop.api.core.permissions import requires
from perfloop.api.core.scalars import JSON
from perfloop.api.templates.types import PublishTemplatePayload, Template
from perfloop.authz import Permission
from perfloop.services import templates as service
from perfloop.services.core.errors import ServiceError


@strawberry.type
class TemplateMutations:
    @strawberry.mutation(
        description=(
            "Publish a template in your tenant. Publishing an existing key creates its "
            "next version; "
            "the document's own version field is replaced by the version assigned."
        ),
        extensions=requires(Permission.TEMPLATE_PUBLISH),
    )
    async def publish_template(self, info: Info, document: JSON) -> PublishTemplatePayload:
        try:
            result = await service.publish_template(
                info.context.session, info.context.caller, document
            )
        except ServiceError as exc:
            return PublishTemplatePayload(errors=user_errors(exc))
        return PublishTemplatePayload(
            template=Template.from_row(result.template), created=result.created
        )
