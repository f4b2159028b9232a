"""The web console: plain ES modules, styles, translations and vendored libraries
under ``static/``, served as they are (no bundler, no Node.js at install or run
time). ``api.app`` serves ``static/index.html`` at ``/`` and the rest at
``/console/…``; the console talks to the server through ``/graphql`` and the demo
sign-in only. How it is organised and how to add a page: docs/console.md.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

__all__ = ["ASSETS_PATH", "STATIC_DIR", "index_page"]

STATIC_DIR = Path(__file__).resolve().parent / "static"
#: where the console's files are served; index.html names them as "console/…"
ASSETS_PATH = "/console"


@cache
def index_page() -> str:
    """The console's one HTML page."""
    return (STATIC_DIR / "index.html").read_text(encoding="utf-8")
