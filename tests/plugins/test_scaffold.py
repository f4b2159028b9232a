"""``perfloop plugins new NAME``: a plugin whose tests pass as generated, which perfloop
discovers once installed, with its KPI library."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from perfloop.cli import app
from perfloop.cli.scaffold import ScaffoldError, scaffold
from perfloop.plugins import discover
from perfloop.templates import load_builtin_templates, load_templates
from perfloop.testing import check_plugin, run_metric_on
from support.scaffold import NAME, entry_points_in

runner = CliRunner()


def test_the_command_writes_the_distribution(tmp_path: Path) -> None:
    result = runner.invoke(app, ["plugins", "new", "crm", "--directory", str(tmp_path)])

    assert result.exit_code == 0, result.output
    target = tmp_path / "perfloop-crm"
    assert f"created the metric plugin crm in {target}" in result.output
    assert sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file()) == [
        "README.md",
        "pyproject.toml",
        "src/perfloop_crm/__init__.py",
        "src/perfloop_crm/templates/kpi-libraries/crm-metrics.v1.json",
        "tests/test_perfloop_crm.py",
    ]
    pyproject = (target / "pyproject.toml").read_text("utf-8")
    assert '[project.entry-points."perfloop.metrics"]\ncrm = "perfloop_crm:plugin"' in pyproject
    assert 'name = "perfloop-crm"' in pyproject


def test_the_generated_files_are_valid(generated: Path) -> None:
    package = generated / "src" / "perfloop_issue_tracker"
    for path in (package / "__init__.py", generated / "tests" / "test_perfloop_issue_tracker.py"):
        ast.parse(path.read_text("utf-8"), str(path))
    library = json.loads(
        (package / "templates/kpi-libraries/issue-tracker-metrics.v1.json").read_bytes()
    )
    assert library["key"] == "issue-tracker-metrics"
    assert library["title"] == {"zh-CN": "问题跟踪", "en": "Issue tracker"}
    assert library["indicators"][0]["source"]["plugin"] == NAME
    assert "{{" not in "".join(p.read_text("utf-8") for p in generated.rglob("*") if p.is_file())


def test_titles_with_quotes_stay_valid_python_json_and_toml(tmp_path: Path) -> None:
    import tomllib

    target = scaffold("crm", tmp_path, title_zh='客户"关系"', title_en="CRM \\ sales")

    source = (target / "src/perfloop_crm/__init__.py").read_text("utf-8")
    declared = source.split("plugin = Plugin(", 1)[1]
    title = declared.split('title={"zh-CN": ', 1)[1].split(",", 1)[0]
    assert ast.literal_eval(title) == '客户"关系"'
    project = tomllib.loads((target / "pyproject.toml").read_text("utf-8"))["project"]
    assert project["description"] == 'perfloop metric plugin: CRM \\ sales / 客户"关系"'
    library = json.loads(next(target.rglob("*.json")).read_bytes())
    assert library["title"] == {"zh-CN": '客户"关系"', "en": "CRM \\ sales"}


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("CRM", "plugin name 'CRM': lowercase letters and digits"),
        ("issue_tracker", "words joined by single hyphens"),
        ("issue--tracker", "plugin name 'issue--tracker'"),
        ("crm-", "plugin name 'crm-'"),
        ("9crm", "starting with a letter"),
        ("../crm", "plugin name '../crm'"),
        ("a" * 41, "up to 40 characters"),
        ("perfloop", "'perfloop' is taken by perfloop's own sources"),
    ],
)
def test_a_name_that_cannot_be_used_is_refused(tmp_path: Path, name: str, message: str) -> None:
    result = runner.invoke(app, ["plugins", "new", name, "-d", str(tmp_path)])

    assert result.exit_code == 2
    assert message in result.output
    assert list(tmp_path.iterdir()) == []


def test_an_existing_folder_is_not_overwritten(tmp_path: Path) -> None:
    (tmp_path / "perfloop-crm").mkdir()
    (tmp_path / "perfloop-crm" / "mine.txt").write_text("keep", "utf-8")

    result = runner.invoke(app, ["plugins", "new", "crm", "-d", str(tmp_path)])

    assert result.exit_code == 2
    assert "perfloop-crm exists already" in result.output
    assert [p.name for p in (tmp_path / "perfloop-crm").iterdir()] == ["mine.txt"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"title_zh": " "}, "--title-zh: a title of one line"),
        ({"title_en": "two\nlines"}, "--title-en: a title of one line"),
        ({"title_en": "x" * 101}, "1 to 100 characters"),
    ],
)
def test_a_bad_title_is_refused(tmp_path: Path, options: dict[str, str], message: str) -> None:
    with pytest.raises(ScaffoldError, match=message):
        scaffold("crm", tmp_path, **options)


def test_a_missing_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ScaffoldError, match="is not a folder"):
        scaffold("crm", tmp_path / "nowhere")


@pytest.mark.slow
def test_the_generated_tests_pass_as_generated(generated: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(generated / "src")}

    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=generated,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout


@pytest.mark.slow
def test_perfloop_discovers_the_installed_plugin_and_its_kpi_library(installed: Path) -> None:
    registry = discover(found=entry_points_in(installed))

    assert registry.broken == []
    provider = registry.provider(NAME, "orders_won")
    assert provider is not None
    assert (provider.distribution, provider.version) == ("perfloop-issue-tracker", "0.1.0")
    plugin = provider.plugin
    assert plugin.templates is not None
    assert plugin.templates.is_relative_to(installed)
    templates = load_templates(plugin.templates, base=load_builtin_templates())
    assert "issue-tracker-metrics@1" in templates
    assert check_plugin(plugin) == []
    orders = [{"owner_email": "ann@example.com", "order_date": "2026-05-01", "amount": 10,
               "status": "paid", "order_id": "1", "customer_id": "c"}]  # fmt: skip
    assert run_metric_on(
        provider, records={"sales-orders": orders}, period=("2026-05-01", "2026-05-31")
    ) == {"ann@example.com": 1.0}
