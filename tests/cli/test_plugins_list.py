"""`perfloop plugins list`: every provider, and the broken plugins said plainly."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from perfloop.cli import app
from perfloop.plugins import Plugin
from perfloop.plugins.registry import use_registry
from perfloop.templates import load_builtin_templates
from support.plugins import ACME, DISTRIBUTION, VERSION, acme_registry, revenue

runner = CliRunner()


@pytest.fixture
def acme() -> Iterator[None]:
    with use_registry(acme_registry()):
        yield


def test_the_table_lists_every_provider_and_the_broken_plugin(acme: None) -> None:
    # when
    result = runner.invoke(app, ["plugins", "list"])
    # then perfloop still works: exit code 0
    assert result.exit_code == 0, result.output
    out = result.output
    # every provider, perfloop's own and acme's, with version and distribution
    for provider in ("perfloop.dataset", "perfloop.formula", "perfloop.manual", "acme.revenue"):
        assert provider in out
    acme_row = next(line for line in out.splitlines() if "acme.revenue" in line)
    for cell in (VERSION, DISTRIBUTION, "回款额", "Collected revenue", "CNY", "higher"):
        assert cell in acme_row
    assert "sales-orders (previous)" in acme_row
    dataset_row = next(line for line in out.splitlines() if "perfloop.dataset" in line)
    assert "built-in" in dataset_row
    # and the broken plugin, plainly, with its error
    assert "1 broken plugin(s)" in out
    assert "perfloop runs without them" in out
    assert "ghost (nonexistent.module:plugin): ModuleNotFoundError" in out
    assert "no broken plugins" not in out


def test_json_has_parameter_schemas_and_the_broken_plugin(acme: None) -> None:
    result = runner.invoke(app, ["plugins", "list", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    by_name = {p["name"]: p for p in data["plugins"]}
    assert sorted(by_name) == ["acme", "perfloop"]
    assert by_name["perfloop"]["builtin"] is True
    assert by_name["perfloop"]["distribution"] is None
    [metric] = by_name["acme"]["metrics"]
    assert metric["provider"] == "acme.revenue"
    assert metric["params"] == revenue.params
    assert metric["reads"] == [{"dataset": "sales-orders", "history": "previous"}]
    assert (by_name["acme"]["version"], by_name["acme"]["distribution"]) == (VERSION, DISTRIBUTION)
    [broken] = data["broken"]
    assert (broken["name"], broken["value"]) == ("ghost", "nonexistent.module:plugin")
    assert broken["error"].startswith("ModuleNotFoundError")
    assert data["templateFailures"] == []


def test_without_broken_plugins_it_says_so() -> None:
    with use_registry(acme_registry(broken=False)):
        result = runner.invoke(app, ["plugins", "list"])
    assert result.exit_code == 0
    assert "no broken plugins" in result.output
    assert "broken plugin(s)" not in result.output


def test_a_plugin_whose_templates_are_left_out_is_reported(tmp_path: Path) -> None:
    # given a plugin shipping a KPI library that is not JSON
    (tmp_path / "kpi-libraries").mkdir()
    (tmp_path / "kpi-libraries" / "acme-kpis.v1.json").write_text("{not json", encoding="utf-8")
    shipped = Plugin(name="acme", title=ACME.title, metrics=ACME.metrics, templates=tmp_path)
    registry = acme_registry(broken=False)
    registry.plugins["acme"] = (shipped, VERSION, DISTRIBUTION, False)
    load_builtin_templates.cache_clear()
    try:
        with use_registry(registry):
            # when
            text = runner.invoke(app, ["plugins", "list"])
            data = json.loads(runner.invoke(app, ["plugins", "list", "--json"]).output)
    finally:
        load_builtin_templates.cache_clear()
    # then the command still lists acme's metric and says its templates were left out
    assert text.exit_code == 0
    assert "acme.revenue" in text.output
    assert "1 plugin(s) whose templates were left out" in text.output
    assert "acme-kpis.v1.json" in text.output
    [failure] = data["templateFailures"]
    assert failure["plugin"] == "acme"
    assert "not valid JSON" in failure["error"]


def _library_file(folder: Path, params: dict[str, object], plugin: str = "acme") -> Path:
    """The built-in sales library, its plugin source naming ``plugin``'s revenue."""
    builtin = next(t for t in load_builtin_templates() if t.ref == "sales-kpis@1")
    document = json.loads(json.dumps(builtin.document))
    for indicator in document["indicators"]:
        if indicator["source"]["type"] == "plugin":
            indicator["source"] = {
                "type": "plugin", "plugin": plugin, "metric": "revenue", "params": params,
            }  # fmt: skip
    path = folder / f"{plugin}-{len(params)}.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_templates_validate_checks_plugin_sources(acme: None, tmp_path: Path) -> None:
    # a window out of range: an error at its place, exit code 1
    bad = runner.invoke(app, ["templates", "validate", str(_library_file(tmp_path, {"window": 0}))])
    assert bad.exit_code == 1
    assert "/source/params/window [plugin-params] acme.revenue:" in bad.output
    # a plugin not installed here: valid, with a warning
    missing = _library_file(tmp_path, {}, plugin="crm")
    warned = runner.invoke(app, ["templates", "validate", str(missing)])
    assert warned.exit_code == 0
    assert "/source/plugin warning [plugin-missing] the metric plugin 'crm' is not installed" in (
        warned.output
    )
    good = runner.invoke(
        app, ["templates", "validate", str(_library_file(tmp_path, {"window": 3}))]
    )
    assert (good.exit_code, "plugin-missing" in good.output) == (0, False)
