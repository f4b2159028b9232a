"""``perfloop plugins …``: the metric plugins installed here (``list``) and a new
plugin to start from (``new``). docs/plugins.md has the whole story."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

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


@plugins_app.command("list")
def plugins_list(
    as_json: Annotated[
        bool,
        typer.Option(
            "--json", help="Print JSON instead, each metric's parameter JSON Schema included."
        ),
    ] = False,
) -> None:
    """Every metric provider perfloop runs, the plugins it could not load and those
    whose templates were left out. Exit code 0 either way: perfloop starts without
    a broken plugin (it says so here)."""
    from perfloop.services.plugins import plugin_catalog

    catalog = plugin_catalog()
    if as_json:
        typer.echo(json.dumps(catalog.as_json(), ensure_ascii=False, indent=2))
        return
    table = Table(title="metric providers (a KPI library names them plugin + metric)")
    for column in (
        "plugin.metric", "version", "distribution", "title (zh-CN)", "title (en)",
        "unit", "direction", "reads",
    ):  # fmt: skip
        table.add_column(column)
    for plugin in catalog.plugins:
        for m in plugin.metrics:
            table.add_row(
                escape(f"{plugin.name}.{m.key}"),
                escape(plugin.version),
                escape(plugin.distribution or "built-in"),
                escape(m.title["zh-CN"]),
                escape(m.title["en"]),
                escape(m.unit),
                m.direction,
                escape(", ".join(f"{d} ({h})" for d, h in m.reads) or "—"),
            )
    console.print(table)
    if catalog.broken:
        console.print(
            f"[bold red]{len(catalog.broken)} broken plugin(s)[/]: perfloop runs without "
            "them; KPI items that name them are reported as errored by refreshActuals"
        )
        for b in catalog.broken:
            where = f" from {b.distribution}" if b.distribution else ""
            console.print(
                f"  [red]{escape(b.name)}[/] ({escape(b.value)}{escape(where)}): {escape(b.error)}",
                soft_wrap=True,
            )
    if catalog.template_failures:
        console.print(
            f"[bold yellow]{len(catalog.template_failures)} plugin(s) whose templates were "
            "left out[/] (their metrics run; their KPI libraries and datasets are not offered)"
        )
        for name, error in catalog.template_failures.items():
            console.print(f"  [yellow]{escape(name)}[/]: {escape(error)}", soft_wrap=True)
    if not catalog.broken and not catalog.template_failures:
        console.print("no broken plugins")
