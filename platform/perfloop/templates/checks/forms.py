"""Forms: a valid, bilingual answers schema; the uiSchema and the score name real fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from perfloop.templates._context import Context, fields_of, i18n_errors, is_i18n, types_of
from perfloop.templates.errors import TemplateErrorCode
from perfloop.templates.meta import embedded_schema_errors

__all__ = ["check"]

_UI_TEXT = ("ui:title", "ui:description", "ui:help", "ui:placeholder")


def check(document: Mapping[str, Any], ctx: Context) -> None:
    answers = document["answers"]
    invalid = embedded_schema_errors(answers, "answers")
    ctx.errors.extend(invalid)
    ctx.errors.extend(i18n_errors(answers, "answers"))
    if invalid:  # the field checks below trust the schema's shape
        return
    fields = fields_of(answers)
    _check_ui(document["uiSchema"], fields, ctx)
    score = document.get("score")
    if score is not None:
        _check_score(score, fields, ctx)


def _check_ui(ui: Mapping[str, Any], fields: Mapping[str, Any], ctx: Context) -> None:
    for name in ui:
        if not name.startswith("ui:") and name not in fields:
            ctx.add(
                ("uiSchema", name), TemplateErrorCode.UNKNOWN_FIELD, f"no answer field {name!r}"
            )
    order = ui.get("ui:order")
    if isinstance(order, list):
        seen: set[object] = set()
        for index, name in enumerate(order):
            at = ("uiSchema", "ui:order", index)
            if name != "*" and name not in fields:
                ctx.add(at, TemplateErrorCode.UNKNOWN_FIELD, f"no answer field {name!r}")
            if name in seen:
                ctx.add(at, TemplateErrorCode.DUPLICATE_KEY, f"{name!r} is listed twice")
            seen.add(name)
    _check_ui_text(ui, ("uiSchema",), ctx)


def _check_ui_text(node: Mapping[str, Any], at: tuple[str | int, ...], ctx: Context) -> None:
    for key, value in node.items():
        if key in _UI_TEXT and not is_i18n(value):
            message = f"{key} must be an object with zh-CN and en text"
            ctx.add((*at, key), TemplateErrorCode.I18N, message)
        elif isinstance(value, Mapping):
            _check_ui_text(value, (*at, key), ctx)


def _check_score(score: Mapping[str, Any], fields: Mapping[str, Any], ctx: Context) -> None:
    name = score["field"]
    if name not in fields:
        ctx.add(("score", "field"), TemplateErrorCode.UNKNOWN_FIELD, f"no answer field {name!r}")
    elif not types_of(fields[name]) & {"number", "integer"}:
        message = f"the score field {name!r} must be a number or an integer"
        ctx.add(("score", "field"), TemplateErrorCode.FIELD_TYPE, message)
    if score["min"] >= score["max"]:
        ctx.add(("score", "max"), TemplateErrorCode.SCHEMA, "max must be greater than min")
