"""``perfloop plugins …``: the metric plugins installed here (``list``) and a new
plugin to start from (``new``). docs/plugins.md has the whole story."""

from __future__ import annotations

import typer

__all__ = ["plugins_app"]

plugins_app = typer.Typer(
    help="Metric plugins: list them, scaffold a new one.", no_args_is_help=True
)
