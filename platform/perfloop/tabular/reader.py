"""Open a CSV or .xlsx file and stream its rows.

    with open_table(path, columns=ORG_COLUMNS) as table:
        table.header.positions            # ((0, "employee_no"), (1, "name"), ...)
        for row, cells in table:          # the rows below the header
            ...

* **Suffix**: ``.csv`` or ``.xlsx`` (any case); anything else (``.xls``,
  ``.txt``, …) is refused with a :class:`~perfloop.tabular.errors.FileError`.
* **Header**: the first non-blank row. A file without one is a FileError; a
  file with a header and no rows below it is *not* an error: it yields no
  rows, and the caller decides whether that is a problem.
* **Rows**: ``(row_number, cells)`` for every non-blank row below the header,
  numbered as a spreadsheet shows them (the first line or row is 1; blank
  rows are skipped but keep their number). A row is blank when every cell is
  empty or only spaces. Cells are raw: ``str`` for CSV (exactly as
  ``csv.reader`` gives them, untrimmed); for .xlsx see
  :mod:`perfloop.tabular.xlsx`. Rows are not padded to the header's width.
  The rows can be read once.
* **CSV encoding**: ``encoding`` or detected (:mod:`perfloop.tabular.encoding`);
  :attr:`Table.encoding` says which. Bytes not in it raise
  :class:`~perfloop.tabular.errors.DecodeError` (naming the line) while reading.
* **Sheets** (.xlsx): ``sheet`` is a name (exact, else compared as headers
  are), or a **1-based** position as the tabs are shown (``1`` is the first
  tab; an int, or a str of digits naming no sheet, so ``--sheet 2`` works
  from a command line). By default the first *data* sheet: with ``columns``,
  the first visible sheet whose first non-blank row names a known column —
  an instructions tab (说明) before the data is passed over; without, the
  first visible non-empty sheet. Errors list the sheets.
"""

from __future__ import annotations

import contextlib
import csv
import os
from collections.abc import Iterator, Sequence
from itertools import count
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from perfloop.tabular.columns import Columns, Header
from perfloop.tabular.encoding import decode_error, resolve_encoding
from perfloop.tabular.errors import FileError, TableError
from perfloop.tabular.sheets import blank, choose_sheet, no_header
from perfloop.tabular.xlsx import Engine, open_book

__all__ = ["Table", "open_table"]

Rows = Iterator[tuple[int, Sequence[Any]]]


class Table:
    """An open table: its header and its rows. Use as a context manager (or
    call :meth:`close`); iterate for ``(row_number, cells)``."""

    def __init__(
        self,
        path: Path,
        kind: Literal["csv", "xlsx"],
        header: Header,
        rows: Rows,
        *,
        encoding: str | None = None,
        encoding_detected: bool = False,
        sheet: str | None = None,
        sheets: Sequence[str] = (),
        closer: contextlib.ExitStack | None = None,
    ) -> None:
        self.path = path
        self.kind = kind
        self.header = header
        #: CSV: the codec the text is read with (``None`` for .xlsx)
        self.encoding = encoding
        #: whether ``encoding`` was detected rather than given
        self.encoding_detected = encoding_detected
        #: .xlsx: the sheet read, and every worksheet's name in tab order
        self.sheet = sheet
        self.sheets = tuple(sheets)
        self._rows = rows
        self._closer = closer or contextlib.ExitStack()

    def __iter__(self) -> Rows:
        return self._rows

    def close(self) -> None:
        self._closer.close()

    def __enter__(self) -> Table:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def open_table(
    path: str | os.PathLike[str],
    *,
    columns: Columns | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    engine: Engine = "auto",
) -> Table:
    """Open a .csv or .xlsx file and read its header (see the module's notes).

    Raises FileError (SheetError, DecodeError, HeaderError) for the file."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise FileError(
            f"{path.name}: only .csv and .xlsx files can be read"
            + (" (save an .xls workbook as .xlsx)" if suffix == ".xls" else ""),
            f"{path.name}：只能读取 .csv 和 .xlsx 文件"
            + ("（请将 .xls 工作簿另存为 .xlsx）" if suffix == ".xls" else ""),
            path=path,
        )
    if not path.is_file():
        raise FileError(f"{path}: no such file", f"{path}：文件不存在", path=path)
    stack = contextlib.ExitStack()
    try:
        if suffix == ".csv":
            table = _open_csv(path, columns, encoding, stack)
        else:
            table = _open_xlsx(path, columns, sheet, engine, stack)
    except BaseException:
        stack.close()
        raise
    return table


def _header(path: Path, columns: Columns | None, row: int, cells: Sequence[Any]) -> Header:
    if columns is not None:
        return columns.match(cells, row=row, path=path)
    texts = tuple("" if c is None else str(c).replace("\ufeff", "").strip() for c in cells)
    return Header(row, texts, tuple(t or None for t in texts))


# -- CSV -----------------------------------------------------------------------


def _open_csv(
    path: Path, columns: Columns | None, given: str | None, stack: contextlib.ExitStack
) -> Table:
    encoding, detected = resolve_encoding(path, given)
    text = stack.enter_context(path.open(newline="", encoding=encoding))
    reader = csv.reader(text)
    header: tuple[int, list[str]] | None = None
    try:
        for number, cells in enumerate(reader, 1):
            if any(map(str.strip, cells)):
                header = number, cells
                break
    except UnicodeDecodeError as exc:
        raise decode_error(path, encoding, exc.reason) from None
    except csv.Error as exc:
        raise _csv_problem(path, reader.line_num, exc) from None
    if header is None:
        raise no_header(path)
    return Table(
        path,
        "csv",
        _header(path, columns, *header),
        _csv_rows(path, encoding, reader, header[0] + 1),
        encoding=encoding,
        encoding_detected=detected,
        closer=stack,
    )


def _csv_rows(path: Path, encoding: str, reader: Any, first: int) -> Rows:
    # The hot loop of every CSV import: rows are numbered at C speed (zip with
    # count), and a row is blank only when its first cell is, checked first.
    strip = str.strip
    try:
        for row in zip(count(first), reader):
            cells = row[1]
            if cells and (cells[0].strip() or any(map(strip, cells))):
                yield row
    except UnicodeDecodeError as exc:
        raise decode_error(path, encoding, exc.reason) from None
    except csv.Error as exc:
        raise _csv_problem(path, reader.line_num, exc) from None


def _csv_problem(path: Path, line: int, exc: csv.Error) -> FileError:
    return FileError(
        f"{path.name}: not a readable CSV file (line {line}: {exc})",
        f"{path.name}：无法作为 CSV 文件读取（第 {line} 行：{exc}）",
        path=path,
    )


# -- .xlsx ---------------------------------------------------------------------


def _open_xlsx(
    path: Path,
    columns: Columns | None,
    sheet: str | int | None,
    engine: Engine,
    stack: contextlib.ExitStack,
) -> Table:
    try:
        book = open_book(path, engine)
    except Exception as exc:  # a zip that is not a workbook, a damaged file
        raise _unreadable(path, exc) from None
    stack.callback(book.close)
    try:
        index, rows, (number, cells) = choose_sheet(path, book, sheet, columns)
    except TableError:
        raise
    except Exception as exc:  # a sheet's XML damaged or missing from the archive
        raise _unreadable(path, exc) from None
    return Table(
        path,
        "xlsx",
        _header(path, columns, number, cells),
        _xlsx_rows(path, rows),
        sheet=book.names[index],
        sheets=book.names,
        closer=stack,
    )


def _xlsx_rows(path: Path, rows: Rows) -> Rows:
    # openpyxl streams the sheet's XML: damage further down shows up while reading
    try:
        for row in rows:
            if not blank(row[1]):
                yield row
    except TableError:
        raise
    except Exception as exc:
        raise _unreadable(path, exc) from None


def _unreadable(path: Path, exc: Exception) -> FileError:
    return FileError(
        f"{path.name} is not a readable .xlsx workbook ({exc})",
        f"{path.name} 不是可读取的 .xlsx 工作簿（{exc}）",
        path=path,
    )
