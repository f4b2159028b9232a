"""Structural validation: each kind's meta-schema, compiled once per process.

The meta-schemas in `schemas/meta/` reference `common.schema.json` by its
`$id`; a `referencing.Registry` holding every meta-schema resolves those
references offline. Embedded schemas (form answers, dataset records, app
parameters) are checked against the Draft 2020-12 metaschema by a validator
that is also built once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from jsonschema.validators import Draft202012Validator, validator_for  # type: ignore[import-untyped]
from referencing import Registry, Resource

from perfloop import paths
from perfloop.templates.errors import TemplateError, TemplateErrorCode, pointer
from perfloop.templates.model import KINDS

__all__ = [
    "embedded_schema_errors",
    "json_type",
    "kind_validator",
    "meta_schemas",
    "schema_errors",
    "short",
    "structural_errors",
]

_DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
_SUFFIX = ".schema.json"


@cache
def meta_schemas() -> Mapping[str, Mapping[str, Any]]:
    """Every meta-schema by name (`common`, `form`, `kpi-library`, ...)."""
    found: dict[str, Mapping[str, Any]] = {}
    for path in sorted(paths.meta_schemas_dir().glob(f"*{_SUFFIX}")):
        found[path.name.removesuffix(_SUFFIX)] = json.loads(path.read_text(encoding="utf-8"))
    return found


@cache
def _registry() -> Registry[Any]:
    resources = [
        (schema["$id"], Resource.from_contents(schema)) for schema in meta_schemas().values()
    ]
    return Registry().with_resources(resources).crawl()


@cache
def kind_validator(kind: str) -> Any | None:
    """The compiled validator for `kind`, or None when no meta-schema is installed for it."""
    schema = meta_schemas().get(kind)
    if schema is None or kind not in KINDS:
        return None
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, registry=_registry())


@cache
def _metaschema_validator() -> Any:
    return Draft202012Validator(
        Draft202012Validator.META_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def json_type(value: object) -> str:
    """The JSON name of a Python value's type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list | tuple):
        return "array"
    return type(value).__name__


def short(value: object, limit: int = 60) -> str:
    """A value as compact JSON, cut to `limit` characters."""
    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _message(error: Any) -> str:
    keyword, instance, schema = error.validator, error.instance, error.schema
    value = error.validator_value
    if keyword == "type":
        expected = " or ".join(value) if isinstance(value, list) else str(value)
        return f"expected {expected}, found {json_type(instance)} {short(instance, 40)}"
    if keyword == "enum":
        return f"{short(instance)} is not one of {', '.join(short(v) for v in value)}"
    if keyword == "const":
        return f"expected {short(value)}, found {short(instance)}"
    if keyword in ("pattern", "format", "maxLength", "minLength"):
        hint = schema.get("description") if isinstance(schema, Mapping) else None
        base = (
            str(error.message)
            if keyword != "pattern"
            else (f"{short(instance)} does not match {value}")
        )
        return f"{base} — {hint}" if hint else base
    message = str(error.message)
    return message if len(message) <= 300 else message[:299] + "…"


def schema_errors(
    validator: Any, instance: object, *prefix: str | int, code: TemplateErrorCode
) -> Iterator[TemplateError]:
    """Every error of `validator` on `instance`, pointed below `prefix`."""
    for error in validator.iter_errors(instance):
        yield TemplateError(pointer(*prefix, *error.absolute_path), code, _message(error))


def structural_errors(document: object) -> list[TemplateError]:
    """Problems of `document` against its kind's meta-schema (unsorted)."""
    if not isinstance(document, Mapping):
        message = f"a template must be a JSON object, found {json_type(document)}"
        return [TemplateError("", TemplateErrorCode.INVALID_JSON, message)]
    if "kind" not in document:
        return [TemplateError("", TemplateErrorCode.SCHEMA, "'kind' is a required property")]
    kind = document["kind"]
    validator = kind_validator(kind) if isinstance(kind, str) else None
    if validator is None:
        known = ", ".join(k for k in KINDS if kind_validator(k) is not None)
        message = f"unknown template kind {short(kind)}; known kinds: {known}"
        return [TemplateError("/kind", TemplateErrorCode.UNKNOWN_KIND, message)]
    return list(schema_errors(validator, document, code=TemplateErrorCode.SCHEMA))


def embedded_schema_errors(schema: object, *at: str | int) -> list[TemplateError]:
    """Problems that make `schema` (embedded at `at`) an invalid Draft 2020-12 schema."""
    code = TemplateErrorCode.INVALID_JSON_SCHEMA
    errors = list(schema_errors(_metaschema_validator(), schema, *at, code=code))
    if isinstance(schema, Mapping):
        declared = schema.get("$schema", _DRAFT_2020_12)
        if declared != _DRAFT_2020_12:
            errors.append(
                TemplateError(
                    pointer(*at, "$schema"), code, f"embedded schemas use {_DRAFT_2020_12}"
                )
            )
    errors.extend(_external_refs(schema, list(at)))
    return errors


def _external_refs(node: object, at: list[str | int]) -> Iterator[TemplateError]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            if (
                key in ("$ref", "$dynamicRef")
                and isinstance(value, str)
                and not value.startswith("#")
            ):
                message = (
                    f"{key} {short(value)} leaves the template; "
                    "embedded schemas must be self-contained"
                )
                yield TemplateError(
                    pointer(*at, key), TemplateErrorCode.INVALID_JSON_SCHEMA, message
                )
            else:
                yield from _external_refs(value, [*at, key])
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _external_refs(value, [*at, index])
