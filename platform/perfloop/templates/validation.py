"""`check_document`: structural validation first, semantic checks when the structure holds."""

from __future__ import annotations

from collections.abc import Mapping

from perfloop.templates._context import Context, Resolver
from perfloop.templates.checks import CHECKS
from perfloop.templates.errors import TemplateError, sort_errors
from perfloop.templates.meta import structural_errors

__all__ = ["check_document"]


def check_document(document: object, resolver: Resolver) -> list[TemplateError]:
    """Every problem of `document`, in document order; empty when it is a valid template.

    `resolver(key, version)` looks up the templates that `key@version`
    references point to (the service layer passes one that sees the tenant's
    published templates and the built-ins; `perfloop.templates.validate_document`
    defaults to the built-ins).
    Semantic checks run only on a structurally valid document, so they can
    trust its shape.
    """
    errors = structural_errors(document)
    if errors or not isinstance(document, Mapping):
        return sort_errors(errors)
    context = Context(resolver)
    CHECKS[document["kind"]](document, context)
    return sort_errors(context.errors)
