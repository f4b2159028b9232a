"""Helpers shared by CLI commands."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.ext.asyncio import AsyncSession

from perfloop.settings import Settings, SettingsError, load_settings
from perfloop.store import make_engine, make_sessionmaker

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


def with_session(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` with a session on the configured database."""
    settings = settings_or_exit()

    async def run() -> T:
        engine = make_engine(settings.database_url)
        try:
            async with make_sessionmaker(engine)() as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(run())
