"""``perfloop plugins …``: the metric plugins installed here (``list``) and a new
plugin to start from (``new``). docs/plugins.md has the whole story."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from perfloop.cli.common import console

__all__ = ["plugins_app"]

plugins_app = typer.Typer(
    help="Metric plugins: list them, scaffold a new one.", no_args_is_help=True
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
