"""Writing a table to .xlsx or CSV, streamed: the one writer every export uses.

- **.xlsx**: openpyxl's write-only workbook (rows go to a temporary file as they come,
  so 100,000 rows do not sit in memory as cells). Numbers stay numbers (an ``int``,
  ``float`` or ``Decimal`` is a numeric cell; a ``Decimal`` gets the format
  ``#,##0.00``), dates are date cells (``yyyy-mm-dd``), date-times are date-time cells
  in UTC (Excel has no time zones). Text stays text even when it starts with ``=``
  (never a formula); control characters, which the format does not allow, are dropped.
  A NaN or infinite number is an empty cell (in CSV too).
- **CSV**: UTF-8 **with a BOM** (``EF BB BF``): Excel opens a BOM-less UTF-8 file in
  the system's code page and shows Chinese as mojibake; with the BOM it reads UTF-8,
  and every other reader (Python's ``utf-8-sig``, pandas, LibreOffice) skips it.
  Comma-separated, CRLF line ends, quoted as needed (RFC 4180). Numbers are written
  plainly (``1234.50``, no thousands separator), dates as ISO 8601. A text cell that
  starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
  ``'`` so a spreadsheet does not run it as a formula (CSV injection); numbers are
  never changed.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import math
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import IO, Any, cast

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

__all__ = ["FORMATS", "MEDIA_TYPES", "TableWriter", "write_table"]

FORMATS = ("xlsx", "csv")
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_INVALID_SHEET_CHARS = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


def _utc_naive(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        return value
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    """A value as openpyxl writes it: plain values as they are (the cheap path), a cell
    only where a format or a text type must be set."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        cell = WriteOnlyCell(sheet, value=cast(Any, value))
        cell.number_format = "#,##0.00"
        return cell
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None  # Excel has no NaN or infinity
    if isinstance(value, dt.datetime):
        cell = WriteOnlyCell(sheet, value=_utc_naive(value))
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=cast(Any, value))
        cell.number_format = "yyyy-mm-dd"
        return cell
    # control characters are not allowed in an .xlsx file: dropped
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if not text.startswith("="):
        return text
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # never a formula, even "=1+1"
    return cell


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return _utc_naive(value).isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


class TableWriter:
    """A table being written to a binary stream, one row at a time (an async reader
    of the rows calls :meth:`row` per row), finished by :meth:`close`."""

    def __init__(
        self, out: IO[bytes], fmt: str, headers: Sequence[str], *, sheet_title: str = "Sheet1"
    ) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
        self.out, self.fmt, self.count = out, fmt, 0
        self._text: io.TextIOWrapper | None = None
        self._workbook: Workbook | None = None
        if fmt == "csv":
            self._text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
            self._csv = csv.writer(self._text, lineterminator="\r\n")
            self._csv.writerow(headers)
        else:
            self._workbook = Workbook(write_only=True)
            title = sheet_title.translate(_INVALID_SHEET_CHARS)[:31].strip() or "Sheet1"
            self._sheet = self._workbook.create_sheet(title=title)
            self._sheet.append(list(headers))

    def row(self, values: Sequence[Any]) -> None:
        if self._text is not None:
            self._csv.writerow([_csv_cell(v) for v in values])
        else:
            self._sheet.append([_xlsx_cell(self._sheet, v) for v in values])
        self.count += 1

    def discard(self) -> None:
        """Give up on a file whose rows failed: its worksheet's temporary file is
        removed (``out`` holds an unfinished file; the caller throws it away)."""
        if self._text is not None:
            self._text.detach()
            self._text = None
        elif self._workbook is not None:
            with contextlib.suppress(Exception):  # best effort: the export failed already
                self._sheet.close()
                self._sheet._writer.cleanup()
            self._workbook = None

    def close(self) -> None:
        """Finish the file (the .xlsx is zipped now); ``out`` stays open."""
        if self._text is not None:
            self._text.flush()
            self._text.detach()
            self._text = None
        elif self._workbook is not None:
            self._workbook.save(self.out)
            self._workbook = None


def write_table(
    out: IO[bytes],
    fmt: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    sheet_title: str = "Sheet1",
) -> int:
    """Write ``headers`` and ``rows`` to the binary stream ``out`` as ``fmt`` (xlsx or
    csv), consuming ``rows`` one at a time; returns the number of rows written.
    Raises ValueError for another format."""
    writer = TableWriter(out, fmt, headers, sheet_title=sheet_title)
    for values in rows:
        writer.row(values)
    writer.close()
    return writer.count
