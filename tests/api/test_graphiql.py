"""GraphiQL works offline: its page names only this server's URLs, and every
script and style it names is served, with its content type and the bytes its
integrity hash promises (api/core/graphiql.py)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from perfloop.api.app import create_app
from perfloop.settings import Settings

PAGE = "http://perfloop.test/graphql"
CONTENT_TYPES = {".js": ("text/javascript", "application/javascript"), ".css": ("text/css",)}


@dataclass(frozen=True)
class Asset:
    url: str
    integrity: str | None


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[Asset] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        url = named.get("src") if tag == "script" else named.get("href") if tag == "link" else None
        if url is not None:
            self.found.append(Asset(url, named.get("integrity")))


def assets_of(html: str) -> list[Asset]:
    parser = _Assets()
    parser.feed(html)
    return parser.found


async def client_for(graphiql: bool) -> AsyncIterator[httpx.AsyncClient]:
    # the IDE and its files never touch the database: nothing is connected
    settings = Settings(env="test", database_url="sqlite:///:memory:", graphiql=graphiql)
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://perfloop.test") as http:
        yield http


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async for client in client_for(graphiql=True):
        yield client


async def test_the_page_names_no_other_host(http: httpx.AsyncClient) -> None:
    # when a browser opens /graphql
    page = await http.get("/graphql", headers={"Accept": "text/html"})
    # then it gets the IDE, and every script and style it loads is on this server
    assert page.status_code == 200
    assert "GraphiQL" in page.text
    assets = assets_of(page.text)
    scripts = [a for a in assets if not a.url.startswith("data:")]  # the inline favicon
    assert len(scripts) == 7
    for asset in scripts:
        parts = urlsplit(asset.url)
        assert (parts.scheme, parts.netloc) == ("", ""), asset.url
    for cdn in ("unpkg", "jsdelivr", "cdnjs", "//"):
        assert all(cdn not in a.url for a in scripts)


async def test_every_asset_is_served_as_the_page_expects(http: httpx.AsyncClient) -> None:
    # given the page's scripts and styles
    page = await http.get("/graphql", headers={"Accept": "text/html"})
    for asset in assets_of(page.text):
        if asset.url.startswith("data:"):
            continue
        # when each is fetched as the browser resolves it
        response = await http.get(urljoin(PAGE, asset.url))
        # then it is there, with its content type, and its bytes match the page's hash
        assert response.status_code == 200, asset.url
        suffix = asset.url[asset.url.rindex(".") :]
        assert response.headers["content-type"].startswith(CONTENT_TYPES[suffix]), asset.url
        assert asset.integrity is not None, asset.url
        digest = base64.b64encode(hashlib.sha384(response.content).digest()).decode()
        assert asset.integrity == f"sha384-{digest}", asset.url


async def test_without_graphiql_neither_the_page_nor_its_files_are_served() -> None:
    async for http in client_for(graphiql=False):
        page = await http.get("/graphql", headers={"Accept": "text/html"})
        assert "GraphiQL" not in page.text
        script = await http.get("/graphiql/graphiql@3.8.3/graphiql.min.js")
        assert script.status_code == 404
