"""What can go wrong with a template, as data.

    TemplateError            one problem: a JSON pointer, a code, a message (a value, not raised)
    TemplateLoadError        raised when a built-in template file is broken
     └─ carries every (file, TemplateError) found, so one run shows them all

Expected failures (a user's malformed document) are returned as lists of
`TemplateError`; only a broken built-in, which is a bug in perfloop itself,
raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from pathlib import Path

__all__ = ["TemplateError", "TemplateErrorCode", "TemplateLoadError", "pointer", "sort_errors"]


class TemplateErrorCode(StrEnum):
    INVALID_JSON = "invalid-json"
    """The file is not JSON, or the document is not a JSON object."""
    SCHEMA = "schema"
    """The document does not satisfy its kind's meta-schema."""
    UNKNOWN_KIND = "unknown-kind"
    UNKNOWN_REFERENCE = "unknown-reference"
    """A `key@version` that names no template."""
    KIND_MISMATCH = "kind-mismatch"
    """A reference (or a built-in's folder) names a template of another kind."""
    NOT_BUNDLED = "not-bundled"
    """An app's component uses a template the app does not bundle."""
    DUPLICATE_KEY = "duplicate-key"
    UNKNOWN_FIELD = "unknown-field"
    """A field name that the schema it points into does not define."""
    FIELD_TYPE = "field-type"
    """A field exists but has the wrong type for its use (sum over text)."""
    INVALID_JSON_SCHEMA = "invalid-json-schema"
    """An embedded JSON Schema (answers, records, parameters) is not a valid schema."""
    I18N = "i18n"
    """Text that must be bilingual is not."""
    FORMULA = "formula"
    CIRCULAR_REFERENCE = "circular-reference"
    WEIGHTS = "weights"
    INVALID_PARAMETERS = "invalid-parameters"
    """Parameter values (defaults or overrides) break the parameter schema or constraints."""
    RELATION = "relation"
    """A stage asks a relation to fill in a form that the form does not allow."""
    STAGE_ORDER = "stage-order"
    PERIOD = "period"
    SCORING = "scoring"
    """A scoring-engine finding with a code of its own (named in the message)."""
    PLUGIN_PARAMS = "plugin-params"
    """A plugin source's parameters do not fit the installed metric's parameter schema."""


@dataclass(frozen=True, slots=True)
class TemplateError:
    """One problem, at `pointer` (RFC 6901, "" is the whole document)."""

    pointer: str
    code: TemplateErrorCode
    message: str

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: [{self.code}] {self.message}"


class TemplateLoadError(Exception):
    """Built-in templates failed to load; `failures` lists every problem of every file."""

    def __init__(self, failures: Sequence[tuple[Path, TemplateError]]) -> None:
        self.failures = tuple(failures)
        files = sorted({str(path) for path, _ in self.failures})
        lines = [f"{len(files)} built-in template file(s) are broken:"]
        lines += [f"  {path}: {error}" for path, error in self.failures]
        super().__init__("\n".join(lines))


def pointer(*parts: str | int) -> str:
    """Build a JSON pointer from path parts, escaping `~` and `/`."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


_DIGITS = re.compile(r"^\d+$")


def _pointer_sort_key(value: str) -> tuple[tuple[int, int, str], ...]:
    parts = value.split("/")[1:] if value else []
    return tuple((0, int(p), "") if _DIGITS.match(p) else (1, 0, p) for p in parts)


def sort_errors(errors: Iterable[TemplateError]) -> list[TemplateError]:
    """Document order (array indexes numerically), then code, then message; no duplicates."""
    unique = set(errors)
    return sorted(unique, key=lambda e: (_pointer_sort_key(e.pointer), e.code.value, e.message))
