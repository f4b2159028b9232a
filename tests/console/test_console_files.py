"""The console's files (perfloop/console/static): served at / and /console/…
beside /graphql and /healthz, vendored libraries matching their manifest (the
stale-build check), translations with the same keys in both languages and every
key the code names, and every page module listed in pages/index.js."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from perfloop.api.app import create_app
from perfloop.console import STATIC_DIR
from perfloop.settings import Settings

VENDOR = STATIC_DIR / "vendor"
MANIFEST = json.loads((VENDOR / "MANIFEST.json").read_text(encoding="utf-8"))
I18N = {
    lang: json.loads((STATIC_DIR / "i18n" / f"{lang}.json").read_text(encoding="utf-8"))
    for lang in ("zh-CN", "en")
}
SCRIPTS = sorted(p for p in STATIC_DIR.rglob("*.js") if VENDOR not in p.parents)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    # the page and its files never touch the database
    settings = Settings(env="test", database_url="sqlite:///:memory:")
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://perfloop.test") as client:
        yield client


async def test_the_page_is_served_at_the_root_and_names_its_files_relatively(
    http: httpx.AsyncClient,
) -> None:
    page = await http.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-CN">' in page.text
    assert '<meta charset="utf-8">' in page.text
    named = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert named == ["data:,", "console/style.css", "console/app.js"]
    for url in named[1:]:
        answer = await http.get(f"/{url}")
        assert answer.status_code == 200, url


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/console/app.js", "text/javascript"),
        ("/console/lib/api.js", "text/javascript"),
        ("/console/i18n/zh-CN.json", "application/json"),
        ("/console/vendor/htm/standalone.module.js", "text/javascript"),
        ("/console/style.css", "text/css"),
    ],
)
async def test_files_are_served_with_their_content_type(
    http: httpx.AsyncClient, path: str, content_type: str
) -> None:
    answer = await http.get(path)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith(content_type)
    assert answer.content == (STATIC_DIR / path.removeprefix("/console/")).read_bytes()


async def test_the_other_routes_keep_working(http: httpx.AsyncClient) -> None:
    assert (await http.get("/console/nothing.js")).status_code == 404
    ide = await http.get("/graphql", headers={"Accept": "text/html"})
    assert ide.status_code == 200
    assert "GraphiQL" in ide.text
    schema = await http.post("/graphql", json={"query": "{ __typename }"})
    assert schema.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("entry", MANIFEST["files"], ids=lambda e: e["file"])
def test_a_vendored_file_matches_its_manifest_entry(entry: dict[str, str]) -> None:
    path = VENDOR / entry["file"]
    assert path.is_file(), f"{entry['file']} is missing: run `make console-vendor`"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert digest == entry["sha256"], (
        f"vendor/{entry['file']} differs from {entry['package']}@{entry['version']}'s "
        f"{entry['source']}: run `make console-vendor` (docs/console.md)"
    )
    assert entry["licence"]


def test_every_vendored_file_has_a_manifest_entry_and_a_licence() -> None:
    listed = {e["file"] for e in MANIFEST["files"]}
    present = {str(p.relative_to(VENDOR)) for p in VENDOR.rglob("*") if p.is_file()}
    assert present - {"MANIFEST.json"} == listed
    for package in {e["package"] for e in MANIFEST["files"]}:
        files = [e["file"] for e in MANIFEST["files"] if e["package"] == package]
        assert any("LICENSE" in Path(f).name for f in files), package


def test_both_languages_have_the_same_keys_and_no_empty_message() -> None:
    assert sorted(I18N["zh-CN"]) == sorted(I18N["en"])
    for lang, messages in I18N.items():
        assert all(text.strip() for text in messages.values()), lang


def test_every_message_the_code_names_exists() -> None:
    # t("key") and page titles; t(`prefix.${x}`) needs some key with the prefix
    named: set[str] = set()
    prefixes: set[str] = set()
    for script in SCRIPTS:
        text = script.read_text(encoding="utf-8")
        named |= set(re.findall(r"\bt\(\"([\w.-]+)\"", text))
        named |= set(re.findall(r"\btitle: \"([\w.-]+)\"", text))
        prefixes |= set(re.findall(r"\bt\(`([\w.-]+)\$\{", text))
    assert len(named) > 40
    assert named - set(I18N["en"]) == set()
    for prefix in prefixes:
        assert any(key.startswith(prefix) for key in I18N["en"]), prefix


def test_every_page_module_is_listed() -> None:
    index = (STATIC_DIR / "pages" / "index.js").read_text(encoding="utf-8")
    imported = set(re.findall(r'from "\./([\w-]+)\.js"', index))
    routed = {
        p.stem
        for p in (STATIC_DIR / "pages").glob("*.js")
        if "export const page = {" in p.read_text(encoding="utf-8")
    }
    assert routed == imported
    assert {"home", "scorecard", "templates", "template"} <= routed


def test_no_two_pages_share_a_nav_position() -> None:
    # the side nav sorts by `nav`: two pages at one position would order by list order
    positions: dict[int, list[str]] = {}
    for module in (STATIC_DIR / "pages").glob("*.js"):
        for found in re.findall(r"^\s*nav: (\d+),", module.read_text(encoding="utf-8"), re.M):
            positions.setdefault(int(found), []).append(module.stem)
    assert positions
    assert {nav: names for nav, names in positions.items() if len(names) > 1} == {}
