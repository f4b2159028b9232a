"""Errors of the tabular reader, each in English and Chinese.

* :class:`TableError` — the base: ``message`` (English), ``message_zh``
  (Chinese); ``str()`` gives both, ``"<English> / <中文>"``.
* :class:`FileError` — the file as a whole: unreadable, unsupported suffix,
  no header row, unknown sheet (:class:`SheetError`), text that is not in
  its encoding (:class:`DecodeError`), unusable header (:class:`HeaderError`,
  which lists every :class:`ColumnProblem`).
* :class:`CellError` — one cell: ``row`` (as the spreadsheet shows it),
  ``column`` (its canonical name) and ``letter`` (``A``, ``B``, … ``AA``).
* :class:`ValueProblem` — a ``ValueError`` raised by the value helpers
  (:func:`perfloop.tabular.parse_date`), which know no row; turn it into a
  :class:`CellError` with :meth:`Header.cell_error`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = [
    "CellError",
    "ColumnProblem",
    "DecodeError",
    "FileError",
    "HeaderError",
    "SheetError",
    "TableError",
    "ValueProblem",
    "column_letter",
]


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index: 0 → ``A``, 26 → ``AA``."""
    if index < 0:
        raise ValueError(f"column index {index} is negative")
    letters = ""
    number = index + 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


class TableError(Exception):
    """A problem reading a table, said in English (``message``) and Chinese (``message_zh``)."""

    def __init__(self, message: str, message_zh: str) -> None:
        super().__init__(message, message_zh)
        self.message = message
        self.message_zh = message_zh

    def __str__(self) -> str:
        return f"{self.message} / {self.message_zh}"


class FileError(TableError):
    """The file as a whole cannot be read (``path``: the file, when known)."""

    def __init__(self, message: str, message_zh: str, *, path: Path | None = None) -> None:
        super().__init__(message, message_zh)
        self.path = path


class DecodeError(FileError):
    """A CSV file's bytes are not text in ``encoding``; ``line`` is the first
    line (1-based, as a text editor counts) holding such bytes, when found."""

    def __init__(
        self, message: str, message_zh: str, *, path: Path, encoding: str, line: int | None
    ) -> None:
        super().__init__(message, message_zh, path=path)
        self.encoding = encoding
        self.line = line


class SheetError(FileError):
    """No such sheet, or no sheet to read; ``sheets`` names those of the workbook."""

    def __init__(self, message: str, message_zh: str, *, path: Path, sheets: Sequence[str]) -> None:
        super().__init__(message, message_zh, path=path)
        self.sheets = tuple(sheets)


ProblemKind = Literal["unknown", "repeated", "missing"]


@dataclass(frozen=True)
class ColumnProblem:
    """One problem of a header row.

    ``column``: the header text as written (``unknown``) or the canonical name
    (``repeated``, ``missing``); ``letters``: where it stands (none when
    missing)."""

    kind: ProblemKind
    column: str
    letters: tuple[str, ...]
    message: str
    message_zh: str

    def __str__(self) -> str:
        return f"{self.message} / {self.message_zh}"


class HeaderError(FileError):
    """The header row (spreadsheet row ``row``) does not fit the expected columns."""

    def __init__(self, problems: Sequence[ColumnProblem], *, path: Path | None, row: int) -> None:
        self.problems = tuple(problems)
        self.row = row
        name = f"{path.name}: " if path is not None else ""
        super().__init__(
            f"{name}the header (row {row}) has problems: "
            + "; ".join(p.message for p in self.problems),
            f"{name}表头（第 {row} 行）有问题：" + "；".join(p.message_zh for p in self.problems),
            path=path,
        )


class ValueProblem(ValueError):
    """A value that a helper cannot read; no row or column yet."""

    def __init__(self, message: str, message_zh: str) -> None:
        super().__init__(message)
        self.message = message
        self.message_zh = message_zh

    def __str__(self) -> str:
        return f"{self.message} / {self.message_zh}"


class CellError(TableError):
    """One cell cannot be used: ``row`` as the spreadsheet shows it, ``column``
    (the canonical name) at ``letter``."""

    def __init__(self, row: int, column: str, letter: str, message: str, message_zh: str) -> None:
        super().__init__(message, message_zh)
        self.row = row
        self.column = column
        self.letter = letter

    def __str__(self) -> str:
        return (
            f"row {self.row}, column {self.letter} ({self.column}): {self.message} / "
            f"第 {self.row} 行 {self.letter} 列（{self.column}）：{self.message_zh}"
        )
