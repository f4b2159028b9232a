"""Formulas in templates that Excel would read differently are warnings where they were
written: in a KPI library's formula sources and in a scoring template's formulas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from perfloop.cli import app
from perfloop.engine.scoring.scheme import formula_places
from perfloop.templates import document_warnings, load_builtin_templates, validate_document


def _builtin(ref: str) -> dict[str, Any]:
    document = next(t for t in load_builtin_templates() if t.ref == ref).document
    copied: dict[str, Any] = json.loads(json.dumps(document))
    return copied


def _at(document: dict[str, Any], pointer: str) -> tuple[Any, str]:
    *parents, last = pointer.lstrip("/").split("/")
    node: Any = document
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node, last


def test_the_builtins_have_no_warnings() -> None:
    for template in load_builtin_templates():
        assert document_warnings(template.document) == [], template.ref


def test_a_scoring_formula_excel_reads_differently_is_warned_where_it_is() -> None:
    # given the standard scoring template with one formula negating a power (-x^2)
    document = _builtin("standard-scoring@1")
    pointer, _, text = next(iter(formula_places(document)))
    parent, key = _at(document, pointer)
    if isinstance(parent, list):
        parent[int(key)] = f"{text} + 0 * -2^2"
    else:
        parent[key] = f"{text} + 0 * -2^2"
    # then it is still valid, and its warning points at that formula
    assert validate_document(document) == []
    [warning] = document_warnings(document)
    assert (warning.pointer, warning.code) == (pointer, "excel-power")


def test_the_cli_prints_warnings_and_still_passes(tmp_path: Path) -> None:
    document = _builtin("sales-kpis@1")
    for indicator in document["indicators"]:
        if indicator["source"]["type"] == "formula":
            indicator["source"]["formula"] = "NOT(paid_orders) = revenue"
    path = tmp_path / "library.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = CliRunner().invoke(app, ["templates", "validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "valid" in result.stdout
    assert "warning [excel-not]" in result.stderr
