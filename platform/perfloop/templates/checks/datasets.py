"""Datasets: a flat, valid, bilingual record schema; subject, date and key name required fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from perfloop.templates._context import Context, fields_of, i18n_errors, types_of
from perfloop.templates.errors import TemplateErrorCode
from perfloop.templates.meta import embedded_schema_errors

__all__ = ["DATE_FORMATS", "SCALARS", "check"]

SCALARS = frozenset({"string", "number", "integer", "boolean", "null"})
DATE_FORMATS = frozenset({"date", "date-time"})

_ROLES = {
    "subjectField": ({"string", "integer"}, "a string or an integer"),
    "dateField": ({"string"}, "a string with format date or date-time"),
    "keyField": ({"string", "integer"}, "a string or an integer"),
}


def check(document: Mapping[str, Any], ctx: Context) -> None:
    records = document["records"]
    invalid = embedded_schema_errors(records, "records")
    ctx.errors.extend(invalid)
    ctx.errors.extend(i18n_errors(records, "records"))
    if invalid:  # the field checks below trust the schema's shape
        return
    fields = fields_of(records)
    for name, sub in fields.items():
        allowed = types_of(sub)
        if not allowed or not allowed <= SCALARS:
            message = f"field {name!r} must have a scalar type (string, number, integer, boolean)"
            ctx.add(("records", "properties", name), TemplateErrorCode.FIELD_TYPE, message)
    required = records.get("required", [])
    for role, (types, described) in _ROLES.items():
        name = document[role]
        if name not in fields:
            ctx.add((role,), TemplateErrorCode.UNKNOWN_FIELD, f"no record field {name!r}")
            continue
        if name not in required:
            message = f"{role} {name!r} must be listed in records.required"
            ctx.add((role,), TemplateErrorCode.FIELD_TYPE, message)
        sub = fields[name]
        ok = bool(types_of(sub) - {"null"}) and types_of(sub) - {"null"} <= types
        if role == "dateField":
            ok = ok and sub.get("format") in DATE_FORMATS
        if not ok:
            message = f"{role} {name!r} must be {described}"
            ctx.add((role,), TemplateErrorCode.FIELD_TYPE, message)
