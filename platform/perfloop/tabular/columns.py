"""Header rows: canonical column names, their aliases, and the checks of a header.

A :class:`Columns` lists the columns a caller knows — canonical names, each
with aliases (Chinese and English) — and which are required. Headers and
names are compared after :func:`normalize_header` (NFKC, so full-width
letters and digits become ASCII; trimmed; case-folded; runs of spaces and
hyphens become one underscore), so ``Employee No``, ``employee-no`` and
``ＥＭＰＬＯＹＥＥ＿ＮＯ`` all name ``employee_no``. A caller that takes any
field names (a dataset's fields) passes just the names: ``Columns(fields)``.

:meth:`Columns.match` reads a header row into a :class:`Header` — which
canonical column stands at which position — or raises
:class:`~perfloop.tabular.errors.HeaderError` listing every unknown
(unless ``unknown="ignore"``), repeated and missing required column with its
letter. Blank header cells are ignored (so are the cells below them).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from perfloop.tabular.errors import (
    CellError,
    ColumnProblem,
    HeaderError,
    ValueProblem,
    column_letter,
)

__all__ = ["Columns", "Header", "normalize_header"]

_SEPARATORS = re.compile(r"[\s\-]+")


def normalize_header(value: object) -> str:
    """The form headers and names are compared in: NFKC, trimmed (a BOM too),
    case-folded, spaces and hyphens → ``_``. ``None`` → ``""``."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).replace("\ufeff", "").strip()
    return _SEPARATORS.sub("_", text.casefold())


def _text(value: object) -> str:
    return "" if value is None else str(value).replace("\ufeff", "").strip()


class Columns:
    """The columns a caller expects.

    ``columns``: canonical names, or a mapping of each canonical name to its
    aliases. ``required``: names that must be in the header. ``unknown``:
    ``"error"`` (a header naming no known column is a problem) or
    ``"ignore"`` (such columns are left out; :attr:`Header.unknown` lists
    them). Raises ``ValueError`` when two names or aliases normalise alike
    for different columns, or a required name is not a column.
    """

    def __init__(
        self,
        columns: Mapping[str, Iterable[str]] | Iterable[str],
        *,
        required: Iterable[str] = (),
        unknown: Literal["error", "ignore"] = "error",
    ) -> None:
        spec: dict[str, tuple[str, ...]] = (
            {name: tuple(aliases) for name, aliases in columns.items()}
            if isinstance(columns, Mapping)
            else dict.fromkeys(columns, ())
        )
        self.names: tuple[str, ...] = tuple(spec)
        self.aliases: dict[str, tuple[str, ...]] = spec
        self.unknown: Literal["error", "ignore"] = unknown
        self._lookup: dict[str, str] = {}
        for name, aliases in spec.items():
            for alias in (name, *aliases):
                key = normalize_header(alias)
                known = self._lookup.setdefault(key, name)
                if known != name:
                    raise ValueError(f"{alias!r} would name both {known!r} and {name!r}")
        self.required: tuple[str, ...] = tuple(required)
        strangers = [name for name in self.required if name not in spec]
        if strangers:
            raise ValueError(f"required column(s) {strangers} are not columns")

    def canonical(self, header: object) -> str | None:
        """The canonical name a header cell stands for, or ``None``."""
        return self._lookup.get(normalize_header(header))

    def knows_any(self, cells: Iterable[object]) -> bool:
        """Whether any of ``cells`` is a known column header."""
        return any(normalize_header(cell) in self._lookup for cell in cells)

    def label(self, name: str) -> str:
        """A name with its aliases, for messages: ``employee_no (工号, emp_no)``."""
        aliases = self.aliases.get(name, ())
        return f"{name} ({', '.join(aliases)})" if aliases else name

    def match(self, cells: Sequence[object], *, row: int = 1, path: Path | None = None) -> Header:
        """Read a header row (spreadsheet row ``row``); raises HeaderError."""
        texts = tuple(_text(cell) for cell in cells)
        fields: list[str | None] = []
        unknown: list[tuple[str, str]] = []
        problems: list[ColumnProblem] = []
        where: dict[str, list[int]] = {}
        for index, text in enumerate(texts):
            name = self._lookup.get(normalize_header(text)) if text else None
            fields.append(name)
            if name is not None:
                where.setdefault(name, []).append(index)
            elif text:
                letter = column_letter(index)
                unknown.append((letter, text))
                if self.unknown == "error":
                    problems.append(
                        ColumnProblem(
                            "unknown",
                            text,
                            (letter,),
                            f"column {letter} {text!r} is not one of: "
                            + ", ".join(map(self.label, self.names)),
                            f"第 {letter} 列“{text}”不是可识别的列，可用的列："
                            + "、".join(map(self.label, self.names)),
                        )
                    )
        for name, indexes in where.items():
            if len(indexes) > 1:
                letters = tuple(column_letter(i) for i in indexes)
                written = ", ".join(f"{column_letter(i)} {texts[i]!r}" for i in indexes)
                written_zh = "、".join(f"{column_letter(i)} 列“{texts[i]}”" for i in indexes)
                problems.append(
                    ColumnProblem(
                        "repeated",
                        name,
                        letters,
                        f"column {name} appears more than once: {written}",
                        f"列 {name} 出现了多次：{written_zh}",
                    )
                )
        for name in self.required:
            if name not in where:
                problems.append(
                    ColumnProblem(
                        "missing",
                        name,
                        (),
                        f"required column {self.label(name)} is missing",
                        f"缺少必填列 {self.label(name)}",
                    )
                )
        if problems:
            raise HeaderError(problems, path=path, row=row)
        return Header(row, texts, tuple(fields), tuple(unknown))


@dataclass(frozen=True)
class Header:
    """A header row read: ``row`` (its spreadsheet row), ``texts`` (each
    cell as written, trimmed), ``fields`` (the canonical name at each
    position, ``None`` where blank or unknown), ``unknown`` ((letter, text)
    of each column left out). Without a :class:`Columns`, ``fields`` are the
    texts themselves (``None`` where blank)."""

    row: int
    texts: tuple[str, ...]
    fields: tuple[str | None, ...]
    unknown: tuple[tuple[str, str], ...] = ()

    @property
    def positions(self) -> tuple[tuple[int, str], ...]:
        """``(index, name)`` of every named column, left to right."""
        return tuple((i, name) for i, name in enumerate(self.fields) if name is not None)

    @property
    def names(self) -> frozenset[str]:
        return frozenset(name for name in self.fields if name is not None)

    def index(self, name: str) -> int | None:
        """The 0-based position of a column, ``None`` when absent."""
        try:
            return self.fields.index(name)
        except ValueError:
            return None

    def letter(self, name: str) -> str:
        """The letter of a column; ``""`` when the header lacks it."""
        index = self.index(name)
        return "" if index is None else column_letter(index)

    def record(self, cells: Sequence[Any]) -> dict[str, Any]:
        """A row's cells by canonical name (a cell past the row's end is ``None``)."""
        width = len(cells)
        return {name: cells[i] if i < width else None for i, name in self.positions}

    def cell_error(
        self, row: int, name: str, problem: ValueProblem | str, message_zh: str | None = None
    ) -> CellError:
        """A :class:`CellError` for column ``name`` of row ``row``: from a
        :class:`ValueProblem`, or from an English and a Chinese message."""
        if isinstance(problem, ValueProblem):
            return CellError(row, name, self.letter(name), problem.message, problem.message_zh)
        return CellError(row, name, self.letter(name), problem, message_zh or problem)
