"""perfloop.templates: template documents, their validation and the built-in registry.

Pure (no database, no network): the service layer passes a resolver that
looks referenced templates up wherever they live.

    document ──validate_document(document, resolver)──▶ [TemplateError(pointer, code, message)]
             └─Template.from_document(document)─────▶ Template(kind, key, version, title, checksum)
    schemas/templates/ ──load_builtin_templates()──▶ BuiltinRegistry (or TemplateLoadError)
"""

from __future__ import annotations

from perfloop.templates._context import Resolver
from perfloop.templates.checks.applied import ITEM_FIELDS as RESULT_ITEM_FIELDS
from perfloop.templates.checks.applied import ITEM_VARIABLES as ITEM_RULE_VARIABLES
from perfloop.templates.checks.applied import RESULT_VARIABLES as RESULT_RULE_VARIABLES
from perfloop.templates.errors import TemplateError, TemplateErrorCode, TemplateLoadError
from perfloop.templates.localize import LOCALES, localize
from perfloop.templates.meta import embedded_schema_errors, meta_schemas
from perfloop.templates.model import (
    KINDS,
    Template,
    canonical_json,
    checksum,
    format_ref,
    parse_ref,
)
from perfloop.templates.parameters import merge_parameters, parameter_errors
from perfloop.templates.registry import (
    FOLDERS,
    BuiltinRegistry,
    load_builtin_templates,
    load_templates,
    validate_document,
)
from perfloop.templates.warnings import TemplateWarning, document_warnings

__all__ = [
    "FOLDERS",
    "ITEM_RULE_VARIABLES",
    "KINDS",
    "LOCALES",
    "RESULT_ITEM_FIELDS",
    "RESULT_RULE_VARIABLES",
    "BuiltinRegistry",
    "Resolver",
    "Template",
    "TemplateError",
    "TemplateErrorCode",
    "TemplateLoadError",
    "TemplateWarning",
    "canonical_json",
    "checksum",
    "document_warnings",
    "embedded_schema_errors",
    "format_ref",
    "load_builtin_templates",
    "load_templates",
    "localize",
    "merge_parameters",
    "meta_schemas",
    "parameter_errors",
    "parse_ref",
    "validate_document",
]
