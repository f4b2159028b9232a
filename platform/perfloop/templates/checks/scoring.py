"""Scoring schemes: checked by the scoring engine (`perfloop.engine`) when it is installed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from perfloop.templates._context import Context
from perfloop.templates._engine import engine_function
from perfloop.templates.errors import TemplateError, TemplateErrorCode

__all__ = ["check"]

_CODES = {code.value: code for code in TemplateErrorCode}
_FORMULA_CODES = frozenset(
    {"syntax", "unknown-name", "unknown-function", "arity", "type", "argument", "limit"}
)


def check(document: Mapping[str, Any], ctx: Context) -> None:
    checker = engine_function("check_scoring_template")
    if checker is None:
        return
    for at, code, message in checker(document):
        known = _CODES.get(str(code))
        if known is not None:
            ctx.errors.append(TemplateError(str(at), known, str(message)))
        else:  # formula codes (unknown-name, arity, ...) and the engine's own
            family = (
                TemplateErrorCode.FORMULA if code in _FORMULA_CODES else TemplateErrorCode.SCORING
            )
            ctx.errors.append(TemplateError(str(at), family, f"[{code}] {message}"))
