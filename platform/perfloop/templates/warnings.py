"""Warnings on a valid template: formulas that compile but mean something else than
the same text in Excel (docs/formulas.md, "Excel"), where a business user wrote them.

They do not make a template invalid: `validateTemplate` and `publishTemplate` list
them beside the result, the CLI prints them. Without the formula engine there are
none to give.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from perfloop.templates._engine import engine_function, load_engine
from perfloop.templates.errors import pointer
from perfloop.templates.formulas import formula_names

__all__ = ["TemplateWarning", "document_warnings"]


@dataclass(frozen=True, slots=True)
class TemplateWarning:
    """One warning at `pointer` (RFC 6901); `code` is the formula warning's (`excel-not`)."""

    pointer: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: [{self.code}] {self.message}"


def document_warnings(document: Mapping[str, Any]) -> list[TemplateWarning]:
    """The warnings of a template that validates (call it after the errors are none)."""
    kind = document.get("kind")
    if kind == "kpi-library":
        return _library_warnings(document)
    if kind == "scoring":
        scoring = engine_function("scoring_template_warnings")
        if scoring is None:
            return []
        return [
            TemplateWarning(str(at), str(code), str(msg)) for at, code, msg in scoring(document)
        ]
    return []


def _library_warnings(document: Mapping[str, Any]) -> list[TemplateWarning]:
    engine = load_engine()
    if engine is None:
        return []
    found: list[TemplateWarning] = []
    for index, indicator in enumerate(document.get("indicators") or []):
        source = indicator.get("source") or {}
        if source.get("type") != "formula":
            continue
        text = str(source.get("formula", ""))
        variables = {
            "type": "object",
            "properties": {name: {"type": ["number", "null"]} for name in formula_names(text)},
        }
        try:
            formula = engine.compile(text, variables)
        except engine.FormulaError:
            continue  # an error, reported by validation
        at = pointer("indicators", index, "source", "formula")
        found.extend(TemplateWarning(at, w.code, f"{w}\n{w.excerpt}") for w in formula.warnings)
    return found
