"""What the command line says when a command fails: one line, never a traceback.

Every ``perfloop`` command runs inside :class:`FailSafeGroup`. An exception
that leaves a command becomes one line on standard error — what is wrong and
what to do — and exit code 1 (:func:`explain` writes the line):

* :class:`Problem`: raised by a command, its message already written for people;
* :class:`~perfloop.services.core.errors.ServiceError`: its messages;
* the database cannot be reached (connection refused, unknown host, time-out),
  refuses the login, does not exist, cannot be opened (SQLite), or has no
  perfloop tables; any other database error in the driver's own first line;
* :class:`~perfloop.tabular.TableError` (a file that cannot be read as a table);
* ``RecursionError``: input nested too deeply;
* a number with more digits than Python turns into text (a result too large to print);
* ``MemoryError``, and an ``OSError`` naming a file (permission denied, disk full);
* anything else: its type and message, and how to see where it came from.

``perfloop --debug …`` (or ``PERFLOOP_DEBUG=1``) lets the exception through,
so its traceback is printed. Usage errors, ``typer.Exit`` and ``Abort``, Ctrl-C
(exit 130) and a standard output closed by its reader (``perfloop … | head``:
exit 1 without a word, as Unix tools do) stay Typer's to handle.
"""

from __future__ import annotations

import socket
import sqlite3
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.text import Text
from typer.core import TyperGroup

__all__ = ["FailSafeGroup", "Problem", "describe_database", "explain"]

_DEBUG_HINT = "run again as `perfloop --debug …` to see where"
# the line is never wrapped, so scripts and tests can match it
_stderr = Console(stderr=True, soft_wrap=True)


class Problem(Exception):
    """A failure a command explains itself: one line, what is wrong and what to do."""


class FailSafeGroup(TyperGroup):
    """The root command group: turns a failure into one line and exit code 1."""

    def invoke(self, ctx: Any) -> Any:
        _quiet_aiosqlite_after_the_loop()
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException, EOFError, BrokenPipeError):
            raise
        except Exception as exc:
            if ctx.params.get("debug"):
                raise
            line = " ".join(part.strip() for part in explain(exc).splitlines())
            _stderr.print(Text.assemble(("error:", "bold red"), " ", line))
            raise typer.Exit(1) from None


def _quiet_aiosqlite_after_the_loop() -> None:
    """aiosqlite's worker thread, after a failed connect, answers on an event loop
    that ``asyncio.run`` has closed already, and the thread's RuntimeError is
    printed as a traceback (omnilib/aiosqlite#259). The command has failed with
    its own message by then: leave that one error out, pass on every other."""
    previous = threading.excepthook
    if getattr(previous, "_perfloop", False):
        return

    def hook(args: Any) -> None:
        thread = args.thread.name if args.thread is not None else ""
        closed = isinstance(args.exc_value, RuntimeError) and "loop is closed" in str(
            args.exc_value
        )
        if not (closed and "_connection_worker_thread" in thread):
            previous(args)

    hook._perfloop = True  # type: ignore[attr-defined]
    threading.excepthook = hook


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc``, what caused it, and the driver's error behind a SQLAlchemy one."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop(0)
        if current is None or any(current is s for s in seen):
            continue
        seen.append(current)
        yield current
        context = None if current.__suppress_context__ else current.__context__
        todo += [getattr(current, "orig", None), current.__cause__, context]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0].strip() if text else type(exc).__name__


def describe_database(url: str | None = None) -> str:
    """The configured database in words, without its password."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from perfloop.settings import SettingsError, load_settings

    try:
        parsed = make_url(url or load_settings().database_url)
    except (SettingsError, ArgumentError):
        return "the database (PERFLOOP_DATABASE_URL)"
    if parsed.get_backend_name() == "sqlite":
        name = parsed.database
        if not name or name == ":memory:":
            return "the in-memory SQLite database"
        return f"the SQLite database {Path(name).resolve()}"
    where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    return f"PostgreSQL at {where}, database {parsed.database!r}"


def _database_problem(chain: list[BaseException]) -> str | None:
    import asyncpg  # type: ignore[import-untyped]
    from sqlalchemy.exc import DBAPIError

    where = describe_database()
    for exc in chain:
        if isinstance(exc, socket.gaierror):
            reason = exc.strerror or "unknown host name"
            return f"cannot reach {where} ({reason}): check the host in PERFLOOP_DATABASE_URL"
        if isinstance(exc, ConnectionError | TimeoutError | asyncpg.CannotConnectNowError):
            refused = isinstance(exc, ConnectionRefusedError)
            reason = "connection refused" if refused else _first_line(exc)
            return (
                f"cannot reach {where} ({reason}): start the server, "
                "or set PERFLOOP_DATABASE_URL to one that runs"
            )
        if isinstance(exc, asyncpg.InvalidCatalogNameError):
            return (
                f"{where} does not exist ({_first_line(exc)}): create it (createdb), "
                "then run `perfloop db upgrade`"
            )
        if isinstance(exc, asyncpg.InvalidAuthorizationSpecificationError):
            return (
                f"{where} refused the login ({_first_line(exc)}): "
                "check the user and password in PERFLOOP_DATABASE_URL"
            )
        if isinstance(exc, asyncpg.UndefinedTableError) or (
            isinstance(exc, sqlite3.OperationalError) and "no such table" in str(exc)
        ):
            return f"{where} has no perfloop tables ({_first_line(exc)}): run `perfloop db upgrade`"
        if isinstance(exc, sqlite3.DatabaseError) and "not a database" in str(exc):
            return (
                f"cannot read {where}: the file is not a SQLite database; "
                "set PERFLOOP_DATABASE_URL to your perfloop database"
            )
        if isinstance(exc, sqlite3.OperationalError) and "unable to open" in str(exc):
            return (
                f"cannot open {where} ({_first_line(exc)}): check that its folder exists "
                "and is writable, or set PERFLOOP_DATABASE_URL"
            )
    for exc in chain:
        if isinstance(exc, DBAPIError):
            cause = exc.orig if exc.orig is not None else exc
            return f"{where} failed: {_first_line(cause)}; {_DEBUG_HINT}"
    return None


def explain(exc: BaseException) -> str:
    """One line on what went wrong and what to do (see the module's notes)."""
    from perfloop.services.core.errors import ServiceError
    from perfloop.tabular import TableError

    chain = list(_chain(exc))
    if isinstance(exc, Problem):
        return str(exc)
    if isinstance(exc, ServiceError):
        return "; ".join(e.message for e in exc.errors)
    if isinstance(exc, TableError):
        return str(exc)
    database = _database_problem(chain)
    if database is not None:
        return database
    if isinstance(exc, RecursionError):
        return "the input is nested too deeply to process: use fewer levels of lists and objects"
    if isinstance(exc, ValueError) and "integer string conversion" in str(exc):
        limit = sys.get_int_max_str_digits()
        return (
            f"a number has more than {limit:,} digits, too many to read or print: "
            "use smaller numbers (or round or divide a result)"
        )
    if isinstance(exc, MemoryError):
        return f"perfloop ran out of memory; {_DEBUG_HINT}"
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{exc.filename}: {exc.strerror or _first_line(exc)}"
    return f"unexpected {type(exc).__name__}: {_first_line(exc)}; {_DEBUG_HINT}, and report it"
