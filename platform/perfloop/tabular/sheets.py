"""Choosing the sheet of a workbook to read (the rules are in :mod:`perfloop.tabular.reader`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from perfloop.tabular.columns import Columns, normalize_header
from perfloop.tabular.errors import FileError, SheetError
from perfloop.tabular.xlsx import Book

__all__ = ["blank", "choose_sheet", "no_header"]

Rows = Iterator[tuple[int, Sequence[Any]]]


def blank(cells: Sequence[Any]) -> bool:
    """Whether every cell is empty (``None``, ``""``) or only spaces."""
    for value in cells:
        if value is None:
            continue
        if value.__class__ is not str or value.strip():
            return False
    return True


def no_header(path: Path, sheet: str | None = None) -> FileError:
    where = f" (sheet {sheet!r})" if sheet is not None else ""
    where_zh = f"（工作表“{sheet}”）" if sheet is not None else ""
    return FileError(
        f"{path.name}{where} is empty: its first row must name the columns",
        f"{path.name}{where_zh}是空的：第一行应为列名（表头）",
        path=path,
    )


def _listing(names: Sequence[str]) -> str:
    return ", ".join(f"{i} {name!r}" for i, name in enumerate(names, 1))


def _sheet_index(path: Path, book: Book, sheet: str | int) -> int:
    names = book.names
    if isinstance(sheet, str):
        if sheet in names:
            return names.index(sheet)
        wanted = normalize_header(sheet)
        loose = [i for i, name in enumerate(names) if normalize_header(name) == wanted]
        if len(loose) == 1:
            return loose[0]
        position = int(sheet) if sheet.strip().isdigit() else None
    else:
        position = sheet
    if position is not None and 1 <= position <= len(names):
        return position - 1
    raise SheetError(
        f"{path.name} has no sheet {sheet!r} (sheets: {_listing(names)}; "
        "give a name or a position counted from 1)",
        f"{path.name} 中没有工作表“{sheet}”（工作表：{_listing(names)}；"
        "请给出名称，或从 1 开始数的位置）",
        path=path,
        sheets=names,
    )


def _first_row(rows: Rows) -> tuple[int, Sequence[Any]] | None:
    for number, cells in rows:
        if not blank(cells):
            return number, cells
    return None


def choose_sheet(
    path: Path, book: Book, sheet: str | int | None, columns: Columns | None
) -> tuple[int, Rows, tuple[int, Sequence[Any]]]:
    """The sheet to read (see :mod:`perfloop.tabular.reader`): its index, its
    rows below the header, and the header row ``(number, cells)``."""
    names = book.names
    if sheet is not None:
        index = _sheet_index(path, book, sheet)
        rows = book.rows(index)
        first = _first_row(rows)
        if first is None:
            raise no_header(path, names[index])
        return index, rows, first
    fallback = None
    for index in range(len(names)):
        if book.hidden[index]:
            continue
        rows = book.rows(index)
        first = _first_row(rows)
        if first is None:
            continue
        if columns is None or columns.knows_any(first[1]):
            return index, rows, first
        fallback = index if fallback is None else fallback
    raise _no_data_sheet(path, names, columns, fallback)


def _no_data_sheet(
    path: Path, names: Sequence[str], columns: Columns | None, fallback: int | None
) -> SheetError:
    if columns is None or fallback is None:
        return SheetError(
            f"{path.name} has no sheet with data (sheets: {_listing(names) or 'none'})",
            f"{path.name} 中没有含数据的工作表（工作表：{_listing(names) or '无'}）",
            path=path,
            sheets=names,
        )
    expected = ", ".join(map(columns.label, columns.names))
    return SheetError(
        f"{path.name}: no sheet starts with a header naming the expected columns "
        f"({expected}); sheets: {_listing(names)}. Choose one with --sheet",
        f"{path.name}：没有工作表以包含所需列（{expected}）的表头开始；"
        f"工作表：{_listing(names)}。请用 --sheet 指定",
        path=path,
        sheets=names,
    )
