"""The ``perfloop import`` group: both commands, their shared options, and no
import cycle between the modules that define them."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest
from typer.testing import CliRunner

from perfloop.cli import app

runner = CliRunner()


def test_the_group_lists_both_commands() -> None:
    result = runner.invoke(app, ["import", "--help"])
    assert result.exit_code == 0
    assert "dataset" in result.output
    assert "org" in result.output


@pytest.mark.parametrize("command", ["dataset", "org"])
def test_both_commands_take_an_encoding_detected_by_default_and_a_sheet(command: str) -> None:
    result = runner.invoke(app, ["import", command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "--encoding" in result.output
    assert "--sheet" in result.output
    assert "[default: detect]" in result.output


def _imported_modules(module: str) -> set[str]:
    spec = importlib.util.find_spec(module)
    assert spec is not None
    assert spec.origin is not None
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


@pytest.mark.parametrize("module", ["perfloop.cli.org_import", "perfloop.cli.import_options"])
def test_the_modules_imports_uses_import_nothing_back(module: str) -> None:
    # cli/imports.py registers the org command; the modules it imports know nothing of it
    assert not _imported_modules(module) & {"perfloop.cli.imports", "perfloop.cli.main"}


def test_imports_registers_the_org_command_it_imports() -> None:
    assert "perfloop.cli.org_import" in _imported_modules("perfloop.cli.imports")
