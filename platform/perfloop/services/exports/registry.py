"""The export registry: lists that can be downloaded as .xlsx or CSV.

Rules:

- A list is an :class:`ExportList`: a ``key`` (``results``), a bilingual title, the
  **permission that reads it** (an export never reads more than the same list's query
  would), its :class:`Column` s with bilingual headers, and a **row source**: an async
  generator ``rows(session, caller, query)`` that yields one sequence of cell values
  per row, in the columns' order, **under the caller's scope**, reading the database
  in batches (an export of 100,000 rows never holds them all).
- :func:`export` checks everything before the first byte is written — the list, the
  format, the language, the cycle (``NOT_FOUND`` when missing or in another tenant)
  and the permission — so a bad request answers with a clear error, never with half a
  file. Then it streams the rows through ``perfloop.tabular``'s writer (numbers as
  numbers, dates as dates, CSV in UTF-8 with a BOM; see that module).
- Exporting is a read: it writes no audit event of its own (the lists' reads do not).
- A list may take **arguments** of its own beyond the cycle, org unit, version and
  language (``list`` of ``candidates``, ``award`` of ``awards``): each an
  :class:`Argument` (a name, whether it is required, bilingual help). :func:`prepare`
  refuses an argument the list does not take and a required one missing (``INVALID``
  at the argument's name, naming the ones it takes); the row source checks a value
  (``INVALID`` naming the known values) before its first row.
- The built-in lists are registered in ``services/exports/lists.py``; a domain adds
  its list there (see docs/exports.md), and a plugin or test may :func:`register` one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import IO, TYPE_CHECKING, Any

from perfloop.services.core.errors import ErrorCode, ServiceError
from perfloop.services.plans import get_cycle
from perfloop.tabular import FORMATS, MEDIA_TYPES, TableWriter

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.authz import Permission
    from perfloop.services.core.caller import Caller

LANGS = ("zh-CN", "en")
#: the longest value of a list's own argument (a key such as ``promotion``)
MAX_OPTION = 200


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str

    def header(self, lang: str) -> str:
        return self.zh if lang == "zh-CN" else self.en


@dataclass(frozen=True)
class ExportQuery:
    """What to export: the cycle, an org unit's subtree (optional), a version (lists
    that keep versions, such as payouts: None for the latest)."""

    cycle_id: int
    org_unit_id: int | None = None
    version: int | None = None
    #: the list's own arguments (see ``ExportList.arguments``), by name
    options: Mapping[str, str] = field(default_factory=dict)
    #: the language of the file (headers, and texts a list keeps in both languages);
    #: :func:`export` sets it from its ``lang``
    lang: str = "zh-CN"


@dataclass(frozen=True)
class Argument:
    """An argument a list takes of its own (``list=promotion``)."""

    name: str
    help: Mapping[str, str]
    required: bool = False


RowSource = Callable[["AsyncSession", "Caller", ExportQuery], AsyncIterator[Sequence[Any]]]


@dataclass(frozen=True)
class ExportList:
    key: str
    title: Mapping[str, str]
    permission: Permission
    columns: Sequence[Column]
    rows: RowSource
    description: Mapping[str, str] = field(default_factory=dict)
    arguments: Sequence[Argument] = ()


@dataclass(frozen=True)
class Exported:
    rows: int
    filename: str
    media_type: str


_REGISTRY: dict[str, ExportList] = {}


def register(export_list: ExportList) -> ExportList:
    """Add a list (its key must be new); returns it."""
    if export_list.key in _REGISTRY:
        raise ValueError(f"an export list {export_list.key!r} is registered already")
    _REGISTRY[export_list.key] = export_list
    return export_list


def export_lists() -> list[ExportList]:
    """The registered lists, by key."""
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def _invalid(message: str, path: str) -> ServiceError:
    return ServiceError.one(ErrorCode.INVALID, message, (path,))


def get_export_list(key: str) -> ExportList:
    """The list ``key``; INVALID (at ``list``) naming the known ones otherwise."""
    found = _REGISTRY.get(key)
    if found is None:
        known = ", ".join(sorted(_REGISTRY))
        raise _invalid(f"unknown export list {key!r}: use one of {known}", "list")
    return found


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise _invalid(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}", "format")
    return fmt


def check_options(export_list: ExportList, options: Mapping[str, str]) -> None:
    """INVALID for an argument the list does not take or a required one missing."""
    takes = {a.name: a for a in export_list.arguments}
    known = ", ".join(sorted(takes)) or "none"
    for name in sorted(options):
        if len(options[name]) > MAX_OPTION:
            raise _invalid(f"{name} is at most {MAX_OPTION} characters", name)
        if name not in takes:
            raise _invalid(
                f"the list {export_list.key!r} takes no argument {name!r} "
                f"(its own arguments: {known})",
                name,
            )
    for arg in export_list.arguments:
        if arg.required and not options.get(arg.name):
            raise _invalid(
                f"the list {export_list.key!r} needs {arg.name}=…: {arg.help.get('en', '')}",
                arg.name,
            )


async def prepare(
    session: AsyncSession, caller: Caller, key: str, query: ExportQuery, fmt: str, lang: str
) -> ExportList:
    """Every check of an export, before anything is written; returns the list."""
    export_list = get_export_list(key)
    check_format(fmt)
    if lang not in LANGS:
        raise _invalid(f"unknown language {lang!r}: use one of {', '.join(LANGS)}", "lang")
    check_options(export_list, query.options)
    caller.require(export_list.permission)
    await get_cycle(session, caller, query.cycle_id)
    return export_list


def filename(export_list: ExportList, query: ExportQuery, fmt: str) -> str:
    version = f"-v{query.version}" if query.version is not None else ""
    unit = f"-unit{query.org_unit_id}" if query.org_unit_id is not None else ""
    # an argument's value names the file when it is plain ASCII (the header stays ASCII)
    own = "".join(
        f"-{value}"
        for _, value in sorted(query.options.items())
        if value.isascii() and value.replace("-", "").replace("_", "").isalnum()
    )
    return f"{export_list.key}-cycle{query.cycle_id}{unit}{own}{version}.{fmt}"


async def export(
    session: AsyncSession,
    caller: Caller,
    key: str,
    query: ExportQuery,
    fmt: str,
    out: IO[bytes],
    *,
    lang: str = "zh-CN",
) -> Exported:
    """Write the list ``key`` for ``query`` to ``out`` as ``fmt`` (xlsx or csv), with
    headers in ``lang``; ServiceError (nothing written) for a bad list, format,
    language or cycle, or without the list's permission."""
    export_list = await prepare(session, caller, key, query, fmt, lang)
    query = replace(query, lang=lang)
    rows = aiter(export_list.rows(session, caller, query))
    # the first row is read before the file is begun: a row source's own checks (a
    # missing version) fail with nothing written
    first = await anext(rows, None)
    writer = TableWriter(
        out,
        fmt,
        [c.header(lang) for c in export_list.columns],
        sheet_title=export_list.title.get(lang, export_list.key),
    )
    try:
        if first is not None:
            writer.row(first)
            async for row in rows:
                writer.row(row)
    except BaseException:
        writer.discard()
        raise
    writer.close()
    return Exported(writer.count, filename(export_list, query, fmt), MEDIA_TYPES[fmt])
