"""One reader for the tables people upload: CSV and .xlsx files.

The bottom layer: imports nothing of perfloop's services, api or store (nor
SQLAlchemy, Strawberry). :func:`open_table` opens a file and reads its header
(:class:`Columns` maps Chinese and English aliases to canonical names and
checks the header); iterating the :class:`Table` streams ``(row_number,
cells)`` with spreadsheet row numbers. :func:`parse_date` reads a date cell.
Errors say what is wrong in English and Chinese: :class:`FileError` for the
file as a whole, :class:`HeaderError` for its header, :class:`CellError` for
one cell. The details are in each module's notes:

* :mod:`perfloop.tabular.reader` — suffixes, header, rows, sheets;
* :mod:`perfloop.tabular.encoding` — CSV encodings and their detection;
* :mod:`perfloop.tabular.xlsx` — the .xlsx engines and why (measured);
* :mod:`perfloop.tabular.columns` — header normalisation and aliases;
* :mod:`perfloop.tabular.dates` — the date forms accepted;
* :mod:`perfloop.tabular.writer` — writing .xlsx and CSV (exports), streamed.
"""

from __future__ import annotations

from perfloop.tabular.columns import Columns, Header, normalize_header
from perfloop.tabular.dates import DATE_FORMS, DATE_FORMS_ZH, parse_date
from perfloop.tabular.encoding import detect_encoding
from perfloop.tabular.errors import (
    CellError,
    ColumnProblem,
    DecodeError,
    FileError,
    HeaderError,
    SheetError,
    TableError,
    ValueProblem,
    column_letter,
)
from perfloop.tabular.reader import Table, open_table
from perfloop.tabular.writer import FORMATS, MEDIA_TYPES, TableWriter, write_table
from perfloop.tabular.xlsx import CALAMINE_LIMIT, Engine

__all__ = [
    "CALAMINE_LIMIT",
    "DATE_FORMS",
    "DATE_FORMS_ZH",
    "FORMATS",
    "MEDIA_TYPES",
    "CellError",
    "ColumnProblem",
    "Columns",
    "DecodeError",
    "Engine",
    "FileError",
    "Header",
    "HeaderError",
    "SheetError",
    "Table",
    "TableError",
    "TableWriter",
    "ValueProblem",
    "column_letter",
    "detect_encoding",
    "normalize_header",
    "open_table",
    "parse_date",
    "write_table",
]
