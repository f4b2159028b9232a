"""Every built-in template loads, validates and says everything in both languages."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from perfloop import paths
from perfloop.plugins import get_registry
from perfloop.templates import (
    KINDS,
    BuiltinRegistry,
    Template,
    load_builtin_templates,
    validate_document,
)

Resolver = Callable[[str, int], Mapping[str, Any] | None]
BUILTIN_FILES = sorted(paths.builtin_templates_dir().rglob("*.json"))


def test_there_are_builtins_of_every_kind_the_issue_names() -> None:
    # given
    kinds = {json.loads(p.read_text(encoding="utf-8"))["kind"] for p in BUILTIN_FILES}
    # then
    assert {"form", "kpi-library", "cycle", "dataset", "app"} <= kinds


@pytest.mark.parametrize("path", BUILTIN_FILES, ids=lambda p: p.name)
def test_builtin_validates(path: Any, resolver: Resolver) -> None:
    # given
    document = json.loads(path.read_text(encoding="utf-8"))
    # when
    errors = validate_document(document, resolver)
    # then
    assert errors == []


def test_registry_loads_every_builtin_once() -> None:
    # when
    registry = load_builtin_templates()
    # then
    assert isinstance(registry, BuiltinRegistry)
    assert load_builtin_templates() is registry
    shipped = [p for _, folder in get_registry().template_dirs() for p in folder.rglob("*.json")]
    assert len(registry) == len(BUILTIN_FILES) + len(shipped)  # perfloop's and the plugins'
    assert "standard-performance@1" in registry
    assert [t.key for t in registry.by_kind("cycle")] == ["monthly-review", "quarterly-review"]
    assert registry.latest("sales-kpis") == registry.get("sales-kpis", 1)
    assert registry.get("sales-kpis", 99) is None
    assert {t.kind for t in registry} <= set(KINDS)


def test_registry_resolves_documents_for_other_validations() -> None:
    # given
    registry = load_builtin_templates()
    # when
    document = registry.resolve("sales-orders", 1)
    # then
    assert document is not None
    assert document["subjectField"] == "owner_email"
    assert registry.resolve("sales-orders", 2) is None


KPI_LIBRARIES = [
    "sales-kpis",
    "rd-kpis",
    "admin-kpis",
    "hr-kpis",
    "service-kpis",
    "operations-kpis",
]


@pytest.mark.parametrize("key", KPI_LIBRARIES)
def test_kpi_libraries_have_five_to_eight_indicators(
    key: str, documents: dict[tuple[str, int], dict[str, Any]]
) -> None:
    indicators = documents[(key, 1)]["indicators"]
    assert 5 <= len(indicators) <= 8
    assert {i["category"] for i in indicators} & {"financial", "customer", "process", "learning"}


def test_sales_service_and_rd_indicators_come_from_datasets(
    documents: dict[tuple[str, int], dict[str, Any]],
) -> None:
    for key in ("sales-kpis", "service-kpis", "rd-kpis"):
        sources = {i["source"]["type"] for i in documents[(key, 1)]["indicators"]}
        assert {"dataset", "formula"} <= sources, key


def test_app_bundles_the_standard_scoring_scheme(
    documents: dict[tuple[str, int], dict[str, Any]],
) -> None:
    components = documents[("standard-performance", 1)]["components"]
    assert components["scoring"] == "standard-scoring@1"


_TEXT_KEYS = ("title", "name", "description", "message", "x-title", "x-description")


def _texts(node: object, field_names: bool = False) -> list[object]:
    """Every value under a title/name/description/message key, anywhere.

    Keys of a JSON Schema `properties` object are field names (projects has a
    field called `name`), not text.
    """
    found: list[object] = []
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "uiSchema":
                continue  # keyed by field names; its text is checked by form validation
            if key in _TEXT_KEYS and not field_names:
                found.append(value)
            found.extend(_texts(value, field_names=key == "properties" and not field_names))
    elif isinstance(node, list):
        for item in node:
            found.extend(_texts(item))
    return found


@pytest.mark.parametrize("path", BUILTIN_FILES, ids=lambda p: p.name)
def test_builtin_text_is_bilingual(path: Any) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    texts = _texts(document)
    assert texts
    for text in texts:
        assert isinstance(text, Mapping), text
        assert set(text) == {"zh-CN", "en"}, text


def test_template_value_carries_identity_and_checksum() -> None:
    # given
    template = load_builtin_templates().get("monthly-review", 1)
    # then
    assert isinstance(template, Template)
    assert (template.kind, template.ref) == ("cycle", "monthly-review@1")
    assert template.title["en"] == "Monthly review"
    assert len(template.checksum) == 64
