"""Scoring schemes: checked by the scoring engine (`perfloop.engine`) when it is installed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from perfloop.templates._context import Context
from perfloop.templates._engine import load_engine
from perfloop.templates.errors import TemplateError, TemplateErrorCode

__all__ = ["check"]

_CODES = {code.value: code for code in TemplateErrorCode}


def check(document: Mapping[str, Any], ctx: Context) -> None:
    checker = getattr(load_engine(), "check_scoring_template", None)
    if checker is None:
        return
    for at, code, message in checker(document):
        known = _CODES.get(str(code))
        if known is None:
            ctx.errors.append(
                TemplateError(str(at), TemplateErrorCode.SCORING, f"[{code}] {message}")
            )
        else:
            ctx.errors.append(TemplateError(str(at), known, str(message)))
