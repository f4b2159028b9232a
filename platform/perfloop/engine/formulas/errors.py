"""Errors of the formula language, and the error *values* formulas compute.

Two different things go wrong with a formula, and they are kept apart:

```
FormulaError (Exception)        the formula itself is wrong: raised by compile()
  .code  syntax | unknown-name | unknown-function | arity | type | argument | limit
  .message, .line, .column, .excerpt, .suggestion

FormulaErrorValue (a value)     the formula is fine but the data makes one result
  .code  #DIV/0! | #VALUE! | #NUM! | #N/A | #LIMIT!   impossible; it propagates
                                through operators like an Excel error and
                                IFERROR catches it. evaluate() never raises.

FormulaWarning (a note)         the formula compiles, but gives another answer
  .code  see WARNING_CODES      than the same text in Excel would: compile()
  .message, .line, .column, .excerpt    lists them in Formula.warnings
```

`to_json()` turns any result into plain JSON: an error value becomes
`{"error": "#DIV/0!", "message": "..."}`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from perfloop.engine.formulas.limits import MAX_NUMBER

__all__ = [
    "ERROR_CODES",
    "WARNING_CODES",
    "FormulaError",
    "FormulaErrorValue",
    "FormulaWarning",
    "to_json",
]

#: Codes of FormulaError (compile-time problems), stable for API clients.
ERROR_CODES: Final = (
    "syntax",
    "unknown-name",
    "unknown-function",
    "arity",
    "type",
    "argument",
    "limit",
)

#: Codes of FormulaWarning: where a formula relies on a deliberate difference
#: from Excel (docs/formulas.md lists them), stable for API clients.
WARNING_CODES: Final = (
    "excel-power",  #: 2^3^2 and -2^2 group differently in Excel
    "excel-boolean-aggregate",  #: SUM/AVG/MIN/MAX over TRUE/FALSE from a list or records
    "excel-boolean-equals",  #: TRUE/FALSE = a number is always FALSE, as in Excel
    "excel-not",  #: NOT(a) = b compares NOT(a), as in Excel; NOT a = b negates a = b
)

DIV0: Final = "#DIV/0!"
VALUE: Final = "#VALUE!"
NUM: Final = "#NUM!"
NA: Final = "#N/A"
LIMIT: Final = "#LIMIT!"


class FormulaError(Exception):
    """A formula that cannot be compiled: wrong syntax, unknown name, wrong arity..."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        text: str = "",
        pos: int | None = None,
        end: int | None = None,
        suggestion: str | None = None,
    ) -> None:
        self.code = code
        self.message = message
        self.suggestion = suggestion
        self.line, self.column, self.excerpt = _locate(text, pos, end)
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"line {self.line}, column {self.column}: " if self.line else ""
        hint = f" (did you mean {self.suggestion!r}?)" if self.suggestion else ""
        return f"{where}{self.message}{hint}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "line": self.line,
            "column": self.column,
            "excerpt": self.excerpt,
            "suggestion": self.suggestion,
        }


@dataclass(frozen=True, slots=True)
class FormulaWarning:
    """A formula that compiles but means something else than in Excel, and where."""

    code: str
    message: str
    line: int
    column: int
    excerpt: str

    @classmethod
    def at(cls, code: str, message: str, text: str, pos: int, end: int) -> FormulaWarning:
        line, column, excerpt = _locate(text, pos, end)
        return cls(code, message, line, column, excerpt)

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "line": self.line,
            "column": self.column,
            "excerpt": self.excerpt,
        }


def _width(text: str) -> int:
    """Display width: CJK characters take two columns, so carets line up."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _locate(text: str, pos: int | None, end: int | None) -> tuple[int, int, str]:
    if pos is None or not text:
        return 0, 0, ""
    pos = max(0, min(pos, len(text)))
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    if line_end < 0:
        line_end = len(text)
    line_no = text.count("\n", 0, pos) + 1
    column = pos - line_start + 1
    source_line = text[line_start:line_end]
    span_end = min(end if end is not None and end > pos else pos + 1, line_end)
    pad = " " * _width(text[line_start:pos])
    carets = "^" + "~" * max(0, _width(text[pos:span_end]) - 1)
    return line_no, column, f"{source_line}\n{pad}{carets}"


@dataclass(frozen=True, slots=True)
class FormulaErrorValue:
    """An Excel-style error value (`#DIV/0!`, `#VALUE!`, `#NUM!`, `#N/A`, `#LIMIT!`).

    Equal when their codes are equal; the message only explains.
    """

    code: str
    message: str = field(default="", compare=False)

    def __str__(self) -> str:
        return self.code

    def to_json(self) -> dict[str, str]:
        out = {"error": self.code}
        if self.message:
            out["message"] = self.message
        return out


def to_json(value: Any) -> Any:
    """A formula result as plain JSON data.

    Numbers stay numbers (a Decimal becomes an int when integral, else a float);
    a number beyond ±9.99999999999999E+307, infinite or NaN (which results
    never hold, but data inside a list may) becomes `{"error": "#NUM!"}`.
    Text, booleans and null stay as they are, lists and records are converted
    element by element, and an error value becomes `{"error": code, "message": text}`.
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        return value if -MAX_NUMBER <= value <= MAX_NUMBER else {"error": NUM}
    if isinstance(value, Decimal):
        if not (value.is_finite() and -MAX_NUMBER <= value <= MAX_NUMBER):
            return {"error": NUM}
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, FormulaErrorValue):
        return value.to_json()
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    return {"error": VALUE, "message": f"not a formula value: {type(value).__name__}"}
