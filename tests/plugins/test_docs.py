"""docs/plugins.md documents every public name a plugin author uses: each name in
``perfloop.plugins.__all__`` and ``perfloop.testing.__all__`` has a heading
(#### `Name`) under its module in the reference section, and no heading names
something that is not public (as datasette's tests/test_docs.py does for its hooks)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import perfloop.plugins
import perfloop.testing

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "plugins.md"
MODULES = {"perfloop.plugins": perfloop.plugins, "perfloop.testing": perfloop.testing}


def documented() -> dict[str, set[str]]:
    """The names with a heading in the reference section, by module."""
    reference = DOCS.read_text("utf-8").split("\n## Reference\n", 1)[1]
    found: dict[str, set[str]] = {}
    for part in re.split(r"^### ", reference, flags=re.MULTILINE)[1:]:
        module, _, body = part.partition("\n")
        found[module.strip()] = set(re.findall(r"^#### `(\w+)`$", body, flags=re.MULTILINE))
    return found


PUBLIC = [(module, name) for module, m in MODULES.items() for name in m.__all__]


@pytest.mark.parametrize(("module", "name"), PUBLIC, ids=[f"{m}.{n}" for m, n in PUBLIC])
def test_every_public_name_is_documented(module: str, name: str) -> None:
    assert name in documented().get(module, set()), (
        f"{module}.{name} is public but docs/plugins.md has no '#### `{name}`' under "
        f"'### {module}' in its reference section"
    )


def test_the_reference_documents_only_public_names() -> None:
    found = documented()

    assert set(found) == set(MODULES)
    for module, names in found.items():
        assert names <= set(MODULES[module].__all__), f"not public in {module}"


def test_every_public_name_exists() -> None:
    for module in MODULES.values():
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.{name}"


def test_the_readme_links_the_plugin_docs() -> None:
    assert "(docs/plugins.md)" in (ROOT / "README.md").read_text("utf-8")
