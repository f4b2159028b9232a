"""GraphiQL from the package: the IDE page at /graphql works offline.

Strawberry's GraphiQL page loads React, GraphiQL and its explorer plugin
from unpkg.com, so behind a proxy or without the internet it stays blank.
perfloop serves its own copy of that page (``static/graphiql.html``), whose
scripts and styles are vendored under ``static/graphiql/`` (the exact npm
files strawberry's page names, same versions and integrity hashes) and
served by Starlette's ``StaticFiles`` at ``/graphiql/``. The page names them
relative to itself (``graphiql/…``): at ``/graphql`` that is ``/graphiql/…``,
and behind a proxy that adds a path prefix it follows the prefix.

Versions, licences and how to refresh them: docs/api.md, "GraphiQL offline".
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

__all__ = ["ASSETS_PATH", "graphiql_assets", "graphiql_page"]

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
#: where the assets are served; the page, at /graphql, names them as "graphiql/…"
ASSETS_PATH = "/graphiql"


@cache
def graphiql_page() -> str:
    """The GraphiQL page's HTML, every asset named by a URL of this server."""
    return (STATIC_DIR / "graphiql.html").read_text(encoding="utf-8")


def graphiql_assets() -> Mount:
    """The route serving the page's scripts and styles (fails at start-up when the
    folder is missing from the installation)."""
    return Mount(ASSETS_PATH, app=StaticFiles(directory=STATIC_DIR / "graphiql"), name="graphiql")
