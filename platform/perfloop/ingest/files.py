"""Read a CSV or .xlsx file as dataset records, batch by batch (streaming).

The file is read with :mod:`perfloop.tabular`, the one reader of uploaded
tables: CSV encodings are detected (or given), a workbook is read from its
first data sheet (or the one named), rows are numbered as a spreadsheet shows
them. The header names the fields (compared as :func:`perfloop.tabular.normalize_header`
does: ``Order ID`` names ``order_id``); an unknown, repeated or missing
required column stops the import. Cells are converted to the types the
dataset's schema declares, with an error naming the row and the column when a
cell cannot be; a ``format: date`` field takes every form
:func:`perfloop.tabular.parse_date` reads (``2026年10月15日``, ``2026/10/15``,
a date cell, …) and stores ``YYYY-MM-DD``. The file is never held in memory:
rows are read as batches are built.

A file is cut into batches of ``batch_size`` rows (blank rows do not count)
whose keys derive from the file's checksum and the batch number, so
importing the same file again skips the batches already committed (see
:func:`batch_key`). A file with a header and no rows gives no batches: that
is not an error.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import hashlib
from collections.abc import Callable, Container, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from perfloop.ingest.prepare import PreparedBatch, RowFormat, prepare_records
from perfloop.ingest.spec import MAX_EXPLAINED, DatasetSpec, FieldInfo, RowError
from perfloop.tabular import Columns, Header, TableError, ValueProblem, open_table, parse_date

__all__ = [
    "FileProblem",
    "Skipped",
    "batch_key",
    "batch_source",
    "count_rows",
    "file_checksum",
    "read_batches",
]

_TRUE = frozenset({"true", "t", "yes", "y", "1", "是", "真"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "否", "假"})
_EXACT = float(2**53)


class FileProblem(Exception):
    """The file as a whole cannot be imported (unreadable, header mismatch),
    said in English and, when known, Chinese. Pickles (it crosses from a
    worker process) as its two messages."""

    def __init__(self, message: str, message_zh: str | None = None) -> None:
        super().__init__(message, message_zh)
        self.message = message
        self.message_zh = message_zh

    def __str__(self) -> str:
        return f"{self.message} / {self.message_zh}" if self.message_zh else self.message


class _Bad(Exception):
    pass


@dataclass(frozen=True)
class Skipped:
    """A batch whose key is committed already: not read further."""

    number: int
    received: int


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def batch_key(checksum: str, batch_size: int, number: int) -> str:
    """Deterministic: the same file cut the same way gives the same keys.
    ``checksum``: the file's, or :func:`batch_source`'s for a sheet named."""
    return f"file:{checksum[:32]}:{batch_size}:{number:06d}"


def batch_source(checksum: str, path: Path, sheet: str | int | None) -> str:
    """What a file's batch keys derive from: its checksum, mixed with the
    sheet when one is named, since another sheet of the same workbook holds
    other rows. (The default sheet keeps the bare checksum: the same
    workbook always has the same first data sheet. Naming that sheet gives
    other keys, so its rows are read again and skipped by their key field.)"""
    if sheet is None or path.suffix.lower() != ".xlsx":
        return checksum
    return hashlib.sha256(f"{checksum}\x1fsheet\x1f{sheet}".encode()).hexdigest()


def count_rows(path: Path) -> int | None:
    """Data rows, roughly (lines but the header), for a progress bar; None
    when not cheap to know (.xlsx)."""
    if path.suffix.lower() == ".xlsx":
        return None
    lines = 0
    last = b"\n"
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return max(0, lines + (last != b"\n") - 1)


# -- cell conversion ------------------------------------------------------------


def _number_text(text: str) -> float | int:
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        raise _Bad(f"{text!r} is not a number") from None
    return _finite(value, text)


def _finite(value: float, text: object) -> float | int:
    if value - value != 0:  # NaN or an infinity
        raise _Bad(f"{text!r} is not a finite number")
    # whole numbers are stored as integers: 1500, not 1500.0
    return int(value) if value.is_integer() and -_EXACT < value < _EXACT else value


def _to_number(value: Any) -> Any:
    if value.__class__ is str:
        try:
            number = float(value)
        except ValueError:
            return _number_text(value.strip())
        return _finite(number, value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Bad(f"{value!r} is not a number")
    return value if isinstance(value, int) else _finite(value, value)


def _to_integer(value: Any) -> Any:
    number = _to_number(value)
    if isinstance(number, float):
        raise _Bad(f"{value!r} is not a whole number")
    return number


def _to_boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _Bad(f"{value!r} is not true or false")


def _to_date(value: Any) -> str:
    """A ``format: date`` field: ``YYYY-MM-DD`` from any form parse_date reads.

    Text already shaped ``YYYY-MM-DD`` is kept as it is (the compiled row
    converter does that inline, without calling this): the dataset's schema
    validation checks it is a real day."""
    if value.__class__ is str and len(value) == 10 and value[4] == "-" == value[7]:
        return value
    try:
        day = parse_date(value)
    except ValueProblem as exc:
        raise _Bad(str(exc)) from None
    return "" if day is None else day.isoformat()


_to_date.is_date = True  # type: ignore[attr-defined]


def _string_converter(info: FieldInfo) -> Callable[[Any], Any]:
    if info.format == "date":
        return _to_date

    def convert(value: Any) -> Any:  # the compiled row converter inlines the str case
        if type(value) is str:
            return value.strip()
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, dt.datetime):
            return value.isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    convert.is_string = True  # type: ignore[attr-defined]
    return convert


def _converter(info: FieldInfo) -> Callable[[Any], Any]:
    types = info.types - {"null"}
    if types == {"number"}:
        return _to_number
    if types == {"integer"}:
        return _to_integer
    if types == {"boolean"}:
        return _to_boolean
    if "string" in types or not types:
        return _string_converter(info)
    # a union of non-string types: the first that accepts the cell
    options = [c for t, c in (("integer", _to_integer), ("number", _to_number)) if t in types]
    if "boolean" in types:
        options.append(_to_boolean)

    def convert(value: Any) -> Any:
        for option in options:
            try:
                return option(value)
            except _Bad:
                continue
        raise _Bad(f"{value!r} is not {' or '.join(sorted(types))}")

    return convert


def _columns(spec: DatasetSpec) -> Columns:
    """The dataset's fields as the columns a file's header may name."""
    try:
        return Columns(
            list(spec.fields),
            required=[f.name for f in spec.fields.values() if f.required],
        )
    except ValueError as exc:  # two fields alike but for case or spaces
        raise FileProblem(f"{spec.ref} cannot be imported from a file: {exc}") from None


Plan = list[tuple[int, str, Callable[[Any], Any]]]


def _plan(spec: DatasetSpec, header: Header) -> Plan:
    """Which cell goes to which field, converted how, by the header the table read."""
    return [(i, name, _converter(spec.fields[name])) for i, name in header.positions]


def _jsonb_order(name: str) -> tuple[int, bytes]:
    """PostgreSQL's order of a jsonb object's keys: shorter first, then bytewise."""
    encoded = name.encode()
    return len(encoded), encoded


def _compile(
    plan: Plan, format: RowFormat, *, texts: bool = False
) -> Callable[[Sequence[Any]], dict[str, Any]]:
    """A function converting one row's cells to a record, unrolled for the
    header at hand (a loop over the columns costs more than the conversions).
    The generated source holds only column indexes and local names: field
    names and converters are passed in as values, never as code.

    ``texts``: every cell is a str (a CSV row), so a text column is just
    stripped. For PostgreSQL the fields are set in jsonb's key order: parsing
    the JSON into jsonb then finds the keys sorted and skips sorting them."""
    if format == "postgresql":
        plan = sorted(plan, key=lambda step: _jsonb_order(step[1]))
    namespace: dict[str, Any] = {}
    lines = ["def convert_row(cells):", "    record = {}"]
    for j, (index, name, convert) in enumerate(plan):
        namespace[f"name{j}"], namespace[f"convert{j}"] = name, convert
        lines.append(f"    value = cells[{index}]")
        string = getattr(convert, "is_string", False)
        if texts:
            lines.append("    if value:")
            new = "value.strip()" if string else f"convert{j}(value)"
            if getattr(convert, "is_date", False):  # YYYY-MM-DD as it is, the rest parsed
                new = f'value if len(value) == 10 and value[4] == "-" == value[7] else {new}'
        else:  # .xlsx cells: None, numbers, dates, text
            lines.append('    if value is not None and value != "":')
            new = f"convert{j}(value)"
            if string:
                new = f"value.strip() if value.__class__ is str else {new}"
        lines.append(f"        record[name{j}] = {new}")
    lines.append("    return record")
    exec(compile("\n".join(lines), "<perfloop row converter>", "exec"), namespace)  # noqa: S102
    function: Callable[[Sequence[Any]], dict[str, Any]] = namespace["convert_row"]
    return function


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Building a batch allocates ~10 objects a row and frees none: cyclic
    garbage collection would only re-scan them, so it pauses meanwhile."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# -- reading --------------------------------------------------------------------

Row = tuple[int, Sequence[Any]]


def read_batches(
    spec: DatasetSpec,
    path: Path,
    batch_size: int,
    *,
    skip: Container[int] = (),
    encoding: str | None = None,
    sheet: str | int | None = None,
    format: RowFormat = "sqlite",
) -> Iterator[PreparedBatch | Skipped]:
    """The file's batches in order, each prepared (validated and encoded) in
    ``format``, or :class:`Skipped` for the batch numbers in ``skip``.
    ``encoding``: a CSV file's, None to detect it; ``sheet``: a workbook's
    sheet by name or 1-based position, None for the first with the fields.
    Raises FileProblem (in English and Chinese)."""
    columns = _columns(spec)
    try:
        with open_table(path, columns=columns, encoding=encoding, sheet=sheet) as table:
            header = table.header
            plan = _plan(spec, header)
            convert_row = _compile(plan, format, texts=table.kind == "csv")
            batch = functools.partial(_batch, spec, plan, convert_row, len(header.texts), format)
            rows = iter(table)
            number = 0
            while True:
                with _no_gc():  # reading a batch, like building one, frees nothing
                    pending = list(islice(rows, batch_size))
                if not pending:
                    break
                yield batch(number, pending, number in skip)
                number += 1
    except TableError as exc:
        raise FileProblem(exc.message, exc.message_zh) from None


def _batch(
    spec: DatasetSpec,
    plan: Plan,
    convert_row: Callable[[Sequence[Any]], dict[str, Any]],
    width: int,
    format: RowFormat,
    number: int,
    rows: list[Row],
    skipped: bool,
) -> PreparedBatch | Skipped:
    if skipped:
        return Skipped(number, len(rows))
    with _no_gc():
        records: list[tuple[int, dict[str, Any]]] = []
        errors: list[RowError] = []
        invalid = 0
        for line, cells in rows:
            if len(cells) != width:
                if len(cells) > width and any(c not in ("", None) for c in cells[width:]):
                    invalid += 1
                    if len(errors) < MAX_EXPLAINED:
                        message = f"the row has {len(cells)} cells; the header names {width}"
                        errors.append(RowError(line, "", message))
                    continue
                cells = [*cells[:width], *([""] * (width - len(cells)))]
            try:
                record = convert_row(cells)
            except _Bad:
                invalid += 1
                errors.extend(
                    _cell_errors(plan, line, cells)[: max(MAX_EXPLAINED - len(errors), 0)]
                )
                continue
            if record:
                records.append((line, record))
        return prepare_records(
            spec, records, number=number, errors=errors, invalid_rows=invalid, format=format
        )


def _cell_errors(plan: Plan, line: int, cells: Sequence[Any]) -> list[RowError]:
    """Every cell of a row that cannot be converted (the slow path)."""
    errors = []
    for index, name, convert in plan:
        value = cells[index]
        if value is None or value == "":
            continue
        try:
            convert(value)
        except _Bad as exc:
            errors.append(RowError(line, f"/{name}", f"column {name}: {exc}"))
    return errors
