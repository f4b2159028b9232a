"""Helpers shared by CLI commands."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from perfloop.cli.failures import Problem, describe_database
from perfloop.settings import Settings, SettingsError, load_settings
from perfloop.store import (
    current_revision,
    head_revision,
    is_known_revision,
    make_engine,
    make_sessionmaker,
)

T = TypeVar("T")
# Tables stay readable when piped (rich falls back to 80 columns without a terminal).
console = Console(width=None if Console().is_terminal else 160)
# Messages never wrap, so scripts and tests can match them.
err_console = Console(stderr=True, soft_wrap=True)


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        err_console.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(2) from None


def require_database_file(url: str, *, create: bool = False) -> None:
    """A SQLite database must exist before a command other than ``db upgrade``
    (``create``) uses it: connecting would create an empty file (in the current
    folder, for the default ``./perfloop.db``) and every command would then
    fail on it. ``db upgrade`` creates the file, in a folder that must exist."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.query.get("uri"):
        return
    name = parsed.database
    if not name or name == ":memory:":
        return
    path = Path(name).resolve()
    if path.exists():
        if path.is_dir():
            raise Problem(f"{path} is a folder, not a SQLite database: fix PERFLOOP_DATABASE_URL")
        if not os.access(path, os.R_OK | os.W_OK):
            raise Problem(
                f"cannot open the SQLite database {path}: permission denied; "
                "make it readable and writable for this user"
            )
        return
    if not create:
        raise Problem(
            f"no database at {path}: run `perfloop db upgrade` to create it "
            "(a relative path in PERFLOOP_DATABASE_URL is read from the current folder), "
            "or set PERFLOOP_DATABASE_URL to your database"
        )
    if not path.parent.is_dir():
        raise Problem(
            f"cannot create the SQLite database {path}: the folder {path.parent} does not "
            "exist; create it, or set PERFLOOP_DATABASE_URL to another place"
        )
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise Problem(
            f"cannot create the SQLite database {path}: the folder {path.parent} is not "
            "writable for this user; set PERFLOOP_DATABASE_URL to another place"
        )


async def require_current_schema(engine: AsyncEngine) -> None:
    """The database is migrated to the schema this perfloop was written for."""
    current, head = await current_revision(engine), head_revision()
    if current == head:
        return
    where = describe_database(engine.url.render_as_string(hide_password=False))
    if current is None:
        raise Problem(f"{where} has no perfloop tables: run `perfloop db upgrade`")
    if is_known_revision(current):
        raise Problem(
            f"{where} is at schema revision {current}, this perfloop needs {head}: "
            "run `perfloop db upgrade`"
        )
    raise Problem(
        f"{where} was migrated by a newer perfloop (schema revision {current}): "
        "upgrade perfloop, or use another database"
    )


def check_database(settings: Settings) -> None:
    """Fail with a one-line :class:`Problem` unless the configured database
    exists, can be reached and is migrated."""
    require_database_file(settings.database_url)

    async def run() -> None:
        engine = make_engine(settings.database_url)
        try:
            await require_current_schema(engine)
        finally:
            await engine.dispose()

    asyncio.run(run())


def with_session(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` with a session on the configured database, which must
    exist and be migrated (:func:`check_database`)."""
    settings = settings_or_exit()
    require_database_file(settings.database_url)

    async def run() -> T:
        engine = make_engine(settings.database_url)
        try:
            await require_current_schema(engine)
            async with make_sessionmaker(engine)() as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(run())
