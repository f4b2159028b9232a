"""Formulas inside templates: compiled by `perfloop.engine` when it is installed.

`perfloop.engine` (the formula language) is imported lazily, so loading
templates does not pay for the grammar until a formula needs checking. When
the engine is not importable (a partial install), a structural check stands
in: quotes and brackets balance and every name is a known variable.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from perfloop.templates._engine import load_engine

__all__ = ["FormulaProblem", "check_formula_text", "formula_names"]

_TOKEN = re.compile(
    r'(?P<string>"(?:[^"]|"")*")'
    r"|(?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)(?P<call>\s*\()?"
)
_KEYWORDS = frozenset({"TRUE", "FALSE", "NULL", "AND", "OR", "NOT"})
_PAIRS = {")": "(", "]": "["}


@dataclass(frozen=True, slots=True)
class FormulaProblem:
    message: str
    line: int | None = None
    column: int | None = None


def formula_names(text: str) -> set[str]:
    """The variables a formula reads (first segment of dotted names; no functions, keywords)."""
    names: set[str] = set()
    for match in _TOKEN.finditer(text):
        name = match.group("name")
        if name and not match.group("call") and name.upper() not in _KEYWORDS:
            names.add(name.split(".", 1)[0])
    return names


def check_formula_text(text: str, variables: Collection[str]) -> FormulaProblem | None:
    """The first problem of `text` as a formula over `variables`, or None."""
    engine = load_engine()
    if engine is not None and hasattr(engine, "check_formula"):
        found = engine.check_formula(text, _describe(variables))
        if found is None:
            return None
        message = str(found.message)
        suggestion = getattr(found, "suggestion", None)
        if suggestion and str(suggestion) not in message:
            message = f"{message} (did you mean {suggestion}?)"
        return FormulaProblem(message, getattr(found, "line", None), getattr(found, "column", None))
    return _structural_check(text, variables)


def _describe(variables: Collection[str]) -> dict[str, Any]:
    """Variables as the engine expects them: a JSON-Schema-like record of nullable numbers."""
    number = {"type": ["number", "null"]}
    return {
        "type": "object",
        "properties": dict.fromkeys(sorted(variables), number),
        "additionalProperties": False,
    }


def _structural_check(text: str, variables: Collection[str]) -> FormulaProblem | None:
    stack: list[str] = []
    for char in _TOKEN.sub(
        lambda m: " " * len(m.group(0)) if m.group("string") else m.group(0), text
    ):
        if char in "([":
            stack.append(char)
        elif char in ")]" and (not stack or stack.pop() != _PAIRS[char]):
            return FormulaProblem(f"unbalanced {char!r}")
    if stack:
        return FormulaProblem(f"unclosed {stack[-1]!r}")
    if text.count('"') % 2:
        return FormulaProblem("unclosed string")
    unknown = sorted(formula_names(text) - set(variables))
    if unknown:
        close = difflib.get_close_matches(unknown[0], sorted(variables), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        return FormulaProblem(f"unknown name {unknown[0]!r}{hint}")
    return None
