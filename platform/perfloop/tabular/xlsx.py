"""Reading .xlsx workbooks: python-calamine, or openpyxl (read-only) for big sheets.

Measured with ``bench/tabular_read.py`` (200,000 rows × 7 columns, text in
the shared strings table and dates with a date format, as Excel and WPS save
a workbook; 52 MB of sheet XML, 7.4 MB zipped; a shared 2-CPU machine):

    openpyxl read_only   10,559 rows/s   peak +32 MB  (streams; shared strings held)
    python-calamine      79,209 rows/s   peak +108 MB (107,000 rows/s in a quieter run)
    this reader (auto)   72,781 rows/s   peak +108 MB (calamine + cell normalisation)

calamine is 7-10x faster, but loads the whole sheet before the first row is
returned, so its memory grows with the sheet, while openpyxl's does not.

Decision (``engine="auto"``): python-calamine when the workbook's sheets
hold at most :data:`CALAMINE_LIMIT` bytes of XML (uncompressed, read from the
zip directory without unpacking; ~250,000 rows of 7 columns, peak memory
~150 MB), openpyxl read-only streaming beyond — so an ordinary upload is read
at 70,000-100,000 rows/s and no file, however large, is held in memory.
``engine="calamine"`` or ``"openpyxl"`` forces one.

Both give the same cells: ``None`` for an empty cell; ``int`` for a whole
number (``float`` otherwise); ``datetime.date`` for a date without a time of
day, ``datetime.datetime`` with one; ``bool``; ``str``; ``datetime.time`` or
``datetime.timedelta`` for time cells. Formulas give their cached value.
Rows are numbered from 1 as the spreadsheet shows them, columns from A
(cells left of the used area are ``None``).
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Generator, Iterator, Sequence
from pathlib import Path
from typing import Any, Final, Literal, Protocol

__all__ = ["CALAMINE_LIMIT", "Book", "Engine", "open_book"]

CALAMINE_LIMIT: Final = 64 << 20
_EXACT: Final = float(2**53)

Engine = Literal["auto", "calamine", "openpyxl"]
Row = Sequence[Any]


class Book(Protocol):
    """A workbook open for reading: its worksheets (chart sheets left out)."""

    names: list[str]
    hidden: list[bool]

    def rows(self, index: int) -> Iterator[tuple[int, Row]]:
        """``(row_number, cells)`` of a worksheet, from row 1; empty rows may be skipped."""
        ...

    def close(self) -> None: ...


def _sheet_xml_bytes(path: Path) -> int:
    with zipfile.ZipFile(path) as archive:
        return sum(
            info.file_size
            for info in archive.infolist()
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
        )


def _number(value: float) -> int | float:
    return int(value) if value.is_integer() and -_EXACT < value < _EXACT else value


class _CalamineBook:
    def __init__(self, path: Path) -> None:
        from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

        self._workbook = CalamineWorkbook.from_path(str(path))
        sheets = [m for m in self._workbook.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
        self.names = [m.name for m in sheets]
        self.hidden = [m.visible != SheetVisibleEnum.Visible for m in sheets]

    def rows(self, index: int) -> Iterator[tuple[int, Row]]:
        sheet = self._workbook.get_sheet_by_name(self.names[index])
        start = sheet.start
        if start is None:
            return
        pad: list[Any] = [None] * start[1]
        # iter_rows starts at row 1 but at the used area's first column
        for number, values in enumerate(sheet.iter_rows(), 1):
            cells: list[Any] = pad.copy() if pad else []
            for value in values:
                if value.__class__ is str:
                    cells.append(value or None)
                elif value.__class__ is float:
                    cells.append(_number(value))
                else:
                    cells.append(value)
            yield number, cells

    def close(self) -> None:
        self._workbook.close()


class _OpenpyxlBook:
    def __init__(self, path: Path) -> None:
        import openpyxl

        self._workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        self._sheets = list(self._workbook.worksheets)
        self.names: list[str] = [sheet.title for sheet in self._sheets]
        self.hidden = [sheet.sheet_state != "visible" for sheet in self._sheets]
        self._readers: list[Generator[tuple[int, Row]]] = []

    def rows(self, index: int) -> Iterator[tuple[int, Row]]:
        # each holds a file of the archive open until it is closed
        reader = self._rows(index)
        self._readers.append(reader)
        return reader

    def _rows(self, index: int) -> Generator[tuple[int, Row]]:
        sheet = self._sheets[index]
        # the stored dimensions may be wrong (too small): without them nothing is cut
        sheet.reset_dimensions()
        midnight = dt.time()
        for number, values in enumerate(sheet.iter_rows(values_only=True), 1):
            if any(v.__class__ is dt.datetime and v.time() == midnight for v in values):
                values = tuple(
                    v.date() if v.__class__ is dt.datetime and v.time() == midnight else v
                    for v in values
                )
            yield number, values

    def close(self) -> None:
        for reader in self._readers:
            reader.close()
        self._workbook.close()


def open_book(path: Path, engine: Engine = "auto") -> Book:
    """Open a workbook with ``engine`` (see the module's notes)."""
    if engine == "auto":
        engine = "calamine" if _sheet_xml_bytes(path) <= CALAMINE_LIMIT else "openpyxl"
    if engine == "calamine":
        return _CalamineBook(path)
    return _OpenpyxlBook(path)
