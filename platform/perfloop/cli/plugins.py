"""``perfloop plugins …``: the metric plugins installed here (``list``) and a new
plugin to start from (``new``). docs/plugins.md has the whole story."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from perfloop.cli.common import console, err_console

__all__ = ["plugins_app"]

plugins_app = typer.Typer(
    help="Metric plugins: list them, scaffold a new one.", no_args_is_help=True
)


@plugins_app.command("new")
def plugins_new(
    name: Annotated[str, typer.Argument(help="The plugin's name, e.g. crm or issue-tracker.")],
    directory: Annotated[
        Path, typer.Option("--directory", "-d", help="Where to create perfloop-NAME.")
    ] = Path(),
    title_zh: Annotated[str | None, typer.Option("--title-zh", help="Chinese title.")] = None,
    title_en: Annotated[str | None, typer.Option("--title-en", help="English title.")] = None,
) -> None:
    """Scaffold the plugin distribution perfloop-NAME: one example metric, a KPI library
    naming it, and tests (perfloop.testing) that pass as generated."""
    from perfloop.cli.scaffold import ScaffoldError, scaffold

    try:
        target = scaffold(name, directory, title_zh=title_zh, title_en=title_en)
    except ScaffoldError as exc:
        err_console.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(2) from None
    console.print(
        f"created the metric plugin {escape(name)} in {escape(str(target))}", soft_wrap=True
    )
    console.print(
        f"next: pip install -e {escape(str(target))}  (then: pytest {escape(str(target))}, "
        "perfloop plugins list)",
        soft_wrap=True,
    )
