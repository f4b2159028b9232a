"""Loading built-ins: fails loudly, naming every broken file, pointer and message."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import perfloop.templates.registry as template_registry
from perfloop import paths
from perfloop.plugins import Plugin, discover
from perfloop.plugins.builtin import DATASET
from perfloop.plugins.registry import use_registry
from perfloop.templates import (
    TemplateErrorCode,
    TemplateLoadError,
    load_builtin_templates,
    load_templates,
)

Documents = dict[tuple[str, int], dict[str, Any]]


@pytest.fixture
def templates_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty built-ins folder in place of schemas/templates/ (and a fresh cache),
    without the templates of the metric plugins installed here."""
    monkeypatch.setattr(paths, "builtin_templates_dir", lambda: tmp_path)
    monkeypatch.setattr(template_registry, "get_registry", lambda: discover(found=[]))
    load_builtin_templates.cache_clear()
    yield tmp_path
    load_builtin_templates.cache_clear()


def put(folder: Path, name: str, document: object | str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    text = document if isinstance(document, str) else json.dumps(document, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return path


def test_loads_valid_templates_from_the_folder(templates_dir: Path, documents: Documents) -> None:
    # given
    put(templates_dir, "datasets/sales-orders.v1.json", documents[("sales-orders", 1)])
    put(templates_dir, "forms/self-review.v1.json", documents[("self-review", 1)])
    # when
    registry = load_builtin_templates()
    # then
    assert sorted(t.ref for t in registry) == ["sales-orders@1", "self-review@1"]
    assert registry.by_kind("form")[0].key == "self-review"


def test_references_resolve_among_the_builtins(templates_dir: Path, documents: Documents) -> None:
    # given: the KPI library references a dataset that is not there
    put(templates_dir, "kpi-libraries/service-kpis.v1.json", documents[("service-kpis", 1)])
    # when
    with pytest.raises(TemplateLoadError) as caught:
        load_builtin_templates()
    # then
    codes = {error.code for _, error in caught.value.failures}
    assert codes == {TemplateErrorCode.UNKNOWN_REFERENCE}


def test_fails_loudly_naming_every_broken_file(templates_dir: Path, documents: Documents) -> None:
    # given
    put(templates_dir, "datasets/sales-orders.v1.json", documents[("sales-orders", 1)])
    broken_form = documents[("self-review", 1)]
    del broken_form["answers"]
    put(templates_dir, "forms/self-review.v1.json", broken_form)
    put(templates_dir, "forms/not-json.json", "{ nope")
    put(templates_dir, "forms/twice.json", '{"kind": "form", "kind": "form"}')
    put(templates_dir, "cycles/sales-orders.json", documents[("sales-orders", 1)])
    # when
    with pytest.raises(TemplateLoadError) as caught:
        load_builtin_templates()
    # then
    found = {(path.name, e.pointer, e.code) for path, e in caught.value.failures}
    assert found == {
        ("self-review.v1.json", "", TemplateErrorCode.SCHEMA),
        ("not-json.json", "", TemplateErrorCode.INVALID_JSON),
        ("twice.json", "", TemplateErrorCode.DUPLICATE_KEY),
        ("sales-orders.json", "/kind", TemplateErrorCode.KIND_MISMATCH),
        # files load in path order, so the later one (datasets/) is the duplicate
        ("sales-orders.v1.json", "/key", TemplateErrorCode.DUPLICATE_KEY),
    }
    message = str(caught.value)
    assert message.startswith("5 built-in template file(s) are broken:")
    assert "self-review.v1.json: /: [schema] 'answers' is a required property" in message


def test_a_file_outside_the_kind_folders_is_refused(
    templates_dir: Path, documents: Documents
) -> None:
    put(templates_dir, "loose.json", documents[("projects", 1)])
    with pytest.raises(TemplateLoadError) as caught:
        load_templates(templates_dir)
    assert [e.code for _, e in caught.value.failures] == [TemplateErrorCode.KIND_MISMATCH]


def test_a_broken_builtin_is_not_cached(templates_dir: Path, documents: Documents) -> None:
    # given
    path = put(templates_dir, "forms/appeal.v1.json", {"kind": "form"})
    with pytest.raises(TemplateLoadError):
        load_builtin_templates()
    # when the file is fixed
    put(templates_dir, "forms/appeal.v1.json", documents[("appeal", 1)])
    # then
    assert [t.ref for t in load_builtin_templates()] == ["appeal@1"]
    assert path.exists()


def test_a_plugin_s_unreadable_templates_are_left_out_and_the_registry_change_forgets_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a plugin whose templates folder fails with something other than a
    # TemplateLoadError (an unreadable folder), put in place with use_registry
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    registry = discover(found=[])
    registry.register(
        Plugin(name="crm", title="CRM", metrics=[DATASET], templates=shipped), version="1"
    )
    real = template_registry.load_templates

    def load(folder: Path, **kwargs: Any) -> Any:
        if folder == shipped:
            raise PermissionError(13, "Permission denied", str(folder))
        return real(folder, **kwargs)

    monkeypatch.setattr(template_registry, "load_templates", load)
    before = load_builtin_templates()
    with use_registry(registry):
        # then the built-ins are loaded again for it (not the cached ones) without its
        # templates, and the failure is reported as a broken template folder is
        inside = load_builtin_templates()
        assert inside is not before
        assert template_registry.plugin_template_failures() == {
            "crm": f"PermissionError: [Errno 13] Permission denied: '{shipped}'"
        }
    # and leaving it forgets them again
    assert load_builtin_templates() is not inside
    assert "crm" not in template_registry.plugin_template_failures()
