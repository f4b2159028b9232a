"""``perfloop plugins new NAME``: a new metric plugin to start from.

It writes the distribution ``perfloop-NAME`` — pyproject with the ``perfloop.metrics``
entry point, README, the package ``perfloop_NAME`` with one example metric and its
``Plugin``, a KPI library template naming that metric, and tests using
``perfloop.testing`` — whose tests pass as generated. The files are the templates in
``scaffold_files/`` with ``{{placeholders}}`` filled in.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from perfloop import __version__

__all__ = ["ScaffoldError", "scaffold"]

_FILES = Path(__file__).resolve().parent / "scaffold_files"
# a plugin name that is also a template key (for its KPI library) and a module name
# once its hyphens become underscores
_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


class ScaffoldError(ValueError):
    """A name, title or folder the scaffold cannot use (the message says why)."""


@dataclass(frozen=True)
class _Names:
    name: str
    title_zh: str
    title_en: str

    @property
    def module(self) -> str:
        return "perfloop_" + self.name.replace("-", "_")

    @property
    def distribution(self) -> str:
        return f"perfloop-{self.name}"

    def values(self) -> dict[str, str]:
        major, minor, *_ = __version__.split(".")
        return {
            "name": self.name,
            "module": self.module,
            "distribution": self.distribution,
            "title_zh": self.title_zh,
            "title_en": self.title_en,
            "title_zh_literal": _literal(self.title_zh),
            "title_en_literal": _literal(self.title_en),
            "description": _literal(f"perfloop metric plugin: {self.title_en} / {self.title_zh}"),
            "perfloop_version": f"{major}.{minor}",
        }


def _literal(text: str) -> str:
    """A string literal valid in Python, JSON and TOML alike."""
    return json.dumps(text, ensure_ascii=False)


def _checked_name(name: str) -> str:
    if not _NAME.match(name) or len(name) > 40:
        raise ScaffoldError(
            f"plugin name {name!r}: lowercase letters and digits, words joined by single "
            "hyphens, starting with a letter, up to 40 characters (e.g. crm or issue-tracker)"
        )
    if name == "perfloop":
        raise ScaffoldError("plugin name 'perfloop' is taken by perfloop's own sources")
    return name


def _checked_title(title: str, option: str) -> str:
    title = title.strip()
    if not title or len(title) > 100 or any(c in title for c in "\r\n\t"):
        raise ScaffoldError(f"{option}: a title of one line, 1 to 100 characters")
    return title


def _render(template: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def scaffold(
    name: str,
    directory: Path,
    *,
    title_zh: str | None = None,
    title_en: str | None = None,
) -> Path:
    """Write the plugin ``name`` into ``directory/perfloop-NAME`` and return that folder;
    ScaffoldError when the name or a title cannot be used or the folder exists."""
    names = _Names(
        _checked_name(name),
        _checked_title(title_zh or f"{name} 指标", "--title-zh"),
        _checked_title(title_en or f"{name.replace('-', ' ').capitalize()} metrics", "--title-en"),
    )
    target = directory / names.distribution
    if target.exists():
        raise ScaffoldError(f"{target} exists already: choose another --directory or name")
    if not directory.is_dir():
        raise ScaffoldError(f"{directory} is not a folder")
    package = Path("src") / names.module
    library = package / "templates" / "kpi-libraries" / f"{name}-metrics.v1.json"
    files: dict[Path, str] = {
        Path("pyproject.toml"): "pyproject.toml.tmpl",
        Path("README.md"): "README.md.tmpl",
        package / "__init__.py": "__init__.py.tmpl",
        library: "kpi-library.json.tmpl",
        Path("tests") / f"test_{names.module}.py": "test.py.tmpl",
    }
    values = names.values()
    for path, template in files.items():
        text = _render((_FILES / template).read_text(encoding="utf-8"), values)
        (target / path).parent.mkdir(parents=True, exist_ok=True)
        (target / path).write_text(text, encoding="utf-8")
    return target
