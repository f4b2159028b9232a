"""Discovery: perfloop's own plugin first, through the same register() as any other;
an entry point that does not give a usable plugin is kept as broken, with the reason,
and the others load."""

from __future__ import annotations

import itertools
import logging
import textwrap
from collections.abc import Callable
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import pytest

from perfloop.plugins import (
    ENTRY_POINT_GROUP,
    BrokenPlugin,
    Plugin,
    Provider,
    Registry,
    discover,
    get_registry,
)
from perfloop.plugins.builtin import BUILTIN, builtin_version

PLUGIN = """
from perfloop.plugins import Plugin, metric

@metric(key="revenue", title="Revenue", unit="CNY", direction="higher")
def revenue(context):
    return dict.fromkeys(context.subjects, 1.0)

{tail}
"""
_names = itertools.count()

MakeEntry = Callable[[str, str], EntryPoint]


@pytest.fixture
def entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MakeEntry:
    """An entry point named ``name`` for a new module whose body ends with ``tail``."""
    monkeypatch.syspath_prepend(str(tmp_path))

    def make(name: str, tail: str, attribute: str = "plugin") -> EntryPoint:
        module = f"fake_perfloop_plugin_{next(_names)}"
        body = PLUGIN.format(tail=textwrap.dedent(tail))
        (tmp_path / f"{module}.py").write_text(body, encoding="utf-8")
        return EntryPoint(name, f"{module}:{attribute}", ENTRY_POINT_GROUP)

    return make


def plugin_named(name: str) -> str:
    return f'plugin = Plugin(name="{name}", title="T", metrics=[revenue])'


def test_perfloop_s_own_plugin_is_registered_first_as_builtin() -> None:
    registry = discover(found=[])

    assert list(registry.plugins) == ["perfloop"]
    assert registry.plugin("perfloop") is BUILTIN
    assert registry.version("perfloop") == builtin_version()
    provider = registry.provider("perfloop", "dataset")
    assert provider is not None
    assert provider.builtin
    assert provider.distribution is None
    assert provider.id == "perfloop.dataset"
    assert [p.id for p in registry.providers()] == [
        "perfloop.dataset",
        "perfloop.formula",
        "perfloop.manual",
    ]
    assert registry.template_dirs() == []


def test_every_plugin_goes_through_register_perfloop_s_own_first(
    entry: MakeEntry, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, bool]] = []
    register = Registry.register

    def spy(self: Registry, plugin: Plugin, **options: Any) -> None:
        calls.append((plugin.name, bool(options.get("builtin"))))
        register(self, plugin, **options)

    monkeypatch.setattr(Registry, "register", spy)
    discover(found=[entry("sales", plugin_named("sales")), entry("crm", plugin_named("crm"))])

    assert calls == [("perfloop", True), ("crm", False), ("sales", False)]


def test_a_plugin_and_a_function_returning_one_are_both_loaded(entry: MakeEntry) -> None:
    made = entry(
        "crm", "def plugin():\n    return Plugin(name='crm', title='CRM', metrics=[revenue])"
    )
    registry = discover(found=[entry("sales", plugin_named("sales")), made])

    assert sorted(registry.plugins) == ["crm", "perfloop", "sales"]
    assert registry.broken == []
    sales = registry.provider("sales", "revenue")
    assert isinstance(sales, Provider)
    assert (sales.version, sales.distribution, sales.builtin) == ("0", None, False)
    assert [p.id for p in registry.providers()][:2] == ["crm.revenue", "perfloop.dataset"]


@pytest.mark.parametrize(
    ("name", "tail", "error"),
    [
        ("bad", "raise ImportError('no module named crm_client')", "ImportError: no module named"),
        ("bad", "plugin = 42", ":plugin is a int, not a perfloop Plugin"),
        ("bad", "def plugin():\n    return 'x'", "is a str, not a perfloop Plugin"),
        ("bad", "def plugin():\n    raise RuntimeError('boom')", "RuntimeError: boom"),
        ("bad", "raise SystemExit(3)", "SystemExit: 3"),
        (
            "bad",
            "plugin = Plugin(name='bad', title={'en': 'x'}, metrics=[revenue])",
            "PluginDefinitionError: plugin 'bad': title is",
        ),
        ("bad", plugin_named("other"), "ValueError: the entry point 'bad' names plugin 'other'"),
        ("perfloop", plugin_named("perfloop"), "a plugin named 'perfloop' is registered already"),
    ],
)
def test_a_broken_entry_point_is_reported_and_the_others_load(
    entry: MakeEntry, name: str, tail: str, error: str, caplog: pytest.LogCaptureFixture
) -> None:
    broken = entry(name, tail)
    with caplog.at_level(logging.ERROR, logger="perfloop.plugins.registry"):
        registry = discover(found=[broken, entry("sales", plugin_named("sales"))])

    assert "sales" in registry.plugins
    assert registry.plugin("perfloop") is BUILTIN
    (found,) = registry.broken
    assert isinstance(found, BrokenPlugin)
    assert (found.name, found.value, found.distribution) == (name, broken.value, None)
    assert error in found.error
    assert f"metric plugin {name} ({broken.value}) is broken" in caplog.text


def test_an_entry_point_naming_a_missing_attribute_is_broken(entry: MakeEntry) -> None:
    registry = discover(found=[entry("sales", plugin_named("sales"), attribute="plugni")])

    assert registry.broken[0].error.startswith("AttributeError:")


def test_two_plugins_of_one_name_keep_the_first(entry: MakeEntry) -> None:
    first, second = entry("sales", plugin_named("sales")), entry("sales", plugin_named("sales"))

    registry = discover(found=[first, second])

    assert registry.plugins["sales"][0].title == {"zh-CN": "T", "en": "T"}
    assert [b.error for b in registry.broken] == [
        "ValueError: a plugin named 'sales' is registered already"
    ]


def test_register_takes_only_plugins_and_refuses_a_name_taken() -> None:
    registry = Registry()
    registry.register(BUILTIN, version="1", builtin=True)

    with pytest.raises(ValueError, match="'perfloop' is registered already"):
        registry.register(BUILTIN, version="2")
    with pytest.raises(TypeError, match="register\\(\\) takes a Plugin, not str"):
        registry.register("perfloop", version="1")  # type: ignore[arg-type]


def test_a_plugin_interrupted_at_import_stops_the_discovery(entry: MakeEntry) -> None:
    with pytest.raises(KeyboardInterrupt):
        discover(found=[entry("bad", "raise KeyboardInterrupt")])


def test_unregister_takes_a_plugin_out() -> None:
    registry = Registry()
    registry.register(BUILTIN, version="1", builtin=True)

    assert registry.unregister("perfloop") is BUILTIN
    assert registry.plugins == {}
    with pytest.raises(KeyError, match="no plugin named 'perfloop'"):
        registry.unregister("perfloop")


def test_missing_says_why_a_metric_cannot_be_computed(entry: MakeEntry) -> None:
    registry = discover(found=[entry("crm", "plugin = 1"), entry("sales", plugin_named("sales"))])

    assert registry.missing("sales", "revenue") is None
    assert registry.missing("perfloop", "formula") is None
    assert registry.missing("hr", "x") == "the metric plugin 'hr' is not installed"
    assert registry.missing("sales", "growth") == "the metric plugin 'sales' has no metric 'growth'"
    assert registry.missing("sales", None) == "the source names no metric of the plugin 'sales'"
    broken = registry.missing("crm", "churn")
    assert broken is not None
    assert broken.startswith("the metric plugin 'crm' is installed but broken: TypeError:")
    assert registry.provider("crm", "churn") is None
    assert registry.plugin("crm") is None
    assert registry.version("crm") is None


def test_a_plugin_s_templates_folder_is_listed(entry: MakeEntry, tmp_path: Path) -> None:
    (tmp_path / "shipped").mkdir()
    folder = str(tmp_path / "shipped")
    tail = f"plugin = Plugin(name='sales', title='S', metrics=[revenue], templates={folder!r})"

    registry = discover(found=[entry("sales", tail)])

    assert registry.template_dirs() == [("sales", tmp_path / "shipped")]


def test_the_process_registry_is_discovered_once() -> None:
    first = get_registry()

    assert get_registry() is first
    assert first.plugin("perfloop") is BUILTIN
    assert isinstance(first.plugin("perfloop"), Plugin)
