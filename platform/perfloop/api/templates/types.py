"""Template GraphQL types."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.errors import UserError
from perfloop.api.core.scalars import JSON, I18nText
from perfloop.api.identity.types import User

if TYPE_CHECKING:
    from perfloop.store.templates import TemplateRecord
    from perfloop.templates import TemplateError, TemplateWarning


async def _document(root: Template, info: Info) -> JSON:
    """The template's document, read once per request however often it is asked for."""
    body = root.body
    if body is None:
        body = await info.context.loaders.template_body.load(int(root.id))
    if body is None:  # published templates are never deleted
        raise LookupError(f"template {root.id} has no body")
    return JSON(body)


@strawberry.type(description="A published template version. Published versions never change.")
class Template:
    id: strawberry.ID
    kind: str
    key: str
    version: int
    status: str
    title: I18nText
    checksum: str = strawberry.field(description="sha256 of the canonical JSON document.")
    built_in: bool = strawberry.field(description="Shipped with perfloop, visible to every tenant.")
    document: JSON = strawberry.field(resolver=_document)
    created_at: dt.datetime
    created_by_id: strawberry.Private[int | None]
    #: the body when the row carried it; else the document is loaded when asked for
    body: strawberry.Private[dict[str, Any] | None] = None

    @classmethod
    def from_row(cls, row: TemplateRecord, *, with_body: bool = True) -> Template:
        """``with_body=False`` for a row read without its body (lists, lookups)."""
        return cls(
            id=strawberry.ID(str(row.id)),
            kind=row.kind,
            key=row.key,
            version=row.version,
            status=row.status,
            title=I18nText.from_dict(row.title),
            checksum=row.checksum,
            built_in=row.tenant_id is None,
            created_at=row.created_at,
            created_by_id=row.created_by_id,
            body=row.body if with_body else None,
        )

    @strawberry.field
    def ref(self) -> str:
        """How other templates reference this one: key@version."""
        return f"{self.key}@{self.version}"

    @strawberry.field
    async def created_by(self, info: Info) -> User | None:
        if self.created_by_id is None:
            return None
        row = await info.context.loaders.user.load(self.created_by_id)
        return User.from_row(row) if row else None


@strawberry.type(description="One problem found in a template document.")
class TemplateProblem:
    pointer: str = strawberry.field(description="JSON pointer to the offending place.")
    code: str
    message: str

    @classmethod
    def from_error(cls, error: TemplateError | TemplateWarning) -> TemplateProblem:
        return cls(pointer=error.pointer, code=str(error.code), message=error.message)


_WARNINGS = (
    "Where a formula of a valid template means something else than the same text in "
    "Excel (code excel-power, excel-not, ...; docs/formulas.md). Not errors: the "
    "template is valid and publishes."
)


@strawberry.type
class TemplateValidation:
    valid: bool
    problems: list[TemplateProblem]
    warnings: list[TemplateProblem] = strawberry.field(default_factory=list, description=_WARNINGS)


@strawberry.type
class PublishTemplatePayload:
    template: Template | None = None
    created: bool = strawberry.field(
        default=False,
        description="False when the content equals the latest version (nothing was written).",
    )
    warnings: list[TemplateProblem] = strawberry.field(default_factory=list, description=_WARNINGS)
    errors: list[UserError] = strawberry.field(default_factory=list)
