"""The built-in template registry, and `validate_document`, which checks against it by default."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any, Final

from perfloop import paths
from perfloop.plugins import get_registry
from perfloop.plugins.registry import on_change
from perfloop.templates._context import Resolver
from perfloop.templates.errors import TemplateError, TemplateErrorCode, TemplateLoadError
from perfloop.templates.model import Template
from perfloop.templates.validation import check_document

__all__ = [
    "FOLDERS",
    "BuiltinRegistry",
    "load_builtin_templates",
    "load_templates",
    "plugin_template_failures",
    "report_plugin_template_failure",
    "template_plugin",
    "validate_document",
]

log = logging.getLogger(__name__)

FOLDERS: Final = {
    "forms": "form",
    "kpi-libraries": "kpi-library",
    "scoring": "scoring",
    "cycles": "cycle",
    "datasets": "dataset",
    "apps": "app",
}
"""Folder under `schemas/templates/` -> the kind of template it holds."""


class BuiltinRegistry:
    """Validated templates, looked up by (key, version) or listed by kind."""

    def __init__(self, templates: Iterable[Template]) -> None:
        ordered = sorted(templates, key=lambda t: (t.kind, t.key, t.version))
        self._by_id = {(t.key, t.version): t for t in ordered}

    def get(self, key: str, version: int) -> Template | None:
        return self._by_id.get((key, version))

    def resolve(self, key: str, version: int) -> Mapping[str, Any] | None:
        """A `Resolver`: the document of key@version, or None."""
        found = self._by_id.get((key, version))
        return found.document if found is not None else None

    def latest(self, key: str) -> Template | None:
        versions = [t for (k, _), t in self._by_id.items() if k == key]
        return max(versions, key=lambda t: t.version, default=None)

    def by_kind(self, kind: str) -> tuple[Template, ...]:
        return tuple(t for t in self._by_id.values() if t.kind == kind)

    def __iter__(self) -> Iterator[Template]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, ref: object) -> bool:
        return isinstance(ref, str) and any(t.ref == ref for t in self._by_id.values())


class _DuplicateName(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    names = [name for name, _ in pairs]
    for name in names:
        if names.count(name) > 1:
            raise _DuplicateName(name)
    return dict(pairs)


def _read(path: Path) -> tuple[object, TemplateError | None]:
    try:
        return json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=_no_duplicates), None
    except _DuplicateName as exc:
        message = f"the name {exc.args[0]!r} appears twice in one JSON object"
        return None, TemplateError("", TemplateErrorCode.DUPLICATE_KEY, message)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, TemplateError("", TemplateErrorCode.INVALID_JSON, f"not valid JSON: {exc}")


def load_templates(directory: Path, *, base: BuiltinRegistry | None = None) -> BuiltinRegistry:
    """Load and validate every `*.json` below `directory`; with `base`, the templates
    there may reference those of `base` (a plugin's KPI library, perfloop's datasets)
    and the result holds both.

    Raises `TemplateLoadError` naming every broken file, pointer and message.
    """
    failures: list[tuple[Path, TemplateError]] = []
    documents: dict[Path, Mapping[str, Any]] = {}
    owners: dict[tuple[object, object], Path] = {}
    for path in sorted(directory.rglob("*.json")):
        document, problem = _read(path)
        if problem is not None:
            failures.append((path, problem))
            continue
        if isinstance(document, Mapping):
            failures.extend((path, e) for e in _placement(path, directory, document, owners))
            key, version = document.get("key"), document.get("version")
            known = isinstance(key, str) and isinstance(version, int)
            if base is not None and known and base.get(str(key), int(str(version))):
                message = f"{key}@{version} is defined already"
                error = TemplateError("/key", TemplateErrorCode.DUPLICATE_KEY, message)
                failures.append((path, error))
            documents[path] = document
        else:
            failures.extend((path, e) for e in check_document(document, _none))
    by_id = {(d.get("key"), d.get("version")): d for d in documents.values()}

    def resolver(key: str, version: int) -> Mapping[str, Any] | None:
        found = by_id.get((key, version))
        if found is None and base is not None:
            found = base.resolve(key, version)
        return found

    for path, document in documents.items():
        failures.extend((path, e) for e in check_document(document, resolver))
    if failures:
        raise TemplateLoadError(failures)
    mine = [Template.from_document(d) for d in documents.values()]
    return BuiltinRegistry([*base, *mine] if base is not None else mine)


def _placement(
    path: Path,
    directory: Path,
    document: Mapping[str, Any],
    owners: dict[tuple[object, object], Path],
) -> list[TemplateError]:
    """A built-in sits in its kind's folder, and no two files share a key@version."""
    problems: list[TemplateError] = []
    folder = path.relative_to(directory).parts[0] if path.parent != directory else ""
    expected = FOLDERS.get(folder)
    if expected is None:
        message = f"built-in templates live in one of the folders {', '.join(FOLDERS)}"
        problems.append(TemplateError("", TemplateErrorCode.KIND_MISMATCH, message))
    elif document.get("kind") != expected:
        message = f"the folder {folder}/ holds {expected} templates, not {document.get('kind')}"
        problems.append(TemplateError("/kind", TemplateErrorCode.KIND_MISMATCH, message))
    identity = (document.get("key"), document.get("version"))
    if identity in owners:
        message = f"{identity[0]}@{identity[1]} is also defined in {owners[identity].name}"
        problems.append(TemplateError("/key", TemplateErrorCode.DUPLICATE_KEY, message))
    owners.setdefault(identity, path)
    return problems


@cache
def load_builtin_templates() -> BuiltinRegistry:
    """The built-ins — perfloop's own and those the installed metric plugins ship —
    loaded once per process. A broken template of perfloop's own raises
    `TemplateLoadError`; a plugin's broken templates are left out and reported
    (`plugin_template_failures`), so a broken plugin does not stop perfloop."""
    registry = load_templates(paths.builtin_templates_dir())
    _PLUGIN_FAILURES.clear()
    _PLUGIN_TEMPLATES.clear()
    for name, folder in get_registry().template_dirs():
        try:
            loaded = load_templates(folder, base=registry)
        except Exception as exc:  # a broken template, an unreadable folder, a deep file
            known = isinstance(exc, TemplateLoadError)
            message = str(exc) if known else f"{type(exc).__name__}: {exc}"
            log.error("the templates of metric plugin %s are broken:\n%s", name, message)
            _PLUGIN_FAILURES[name] = message
            continue
        known_refs = {t.ref for t in registry}
        _PLUGIN_TEMPLATES.update((t.ref, name) for t in loaded if t.ref not in known_refs)
        registry = loaded
    return registry


# a test putting another plugin registry in place gets the built-ins of its plugins
on_change(load_builtin_templates.cache_clear)


_PLUGIN_FAILURES: dict[str, str] = {}
#: built-in template ref -> the metric plugin that ships it
_PLUGIN_TEMPLATES: dict[str, str] = {}


def plugin_template_failures() -> dict[str, str]:
    """Why the templates of a plugin were left out, by plugin name (after loading)."""
    load_builtin_templates()
    return dict(_PLUGIN_FAILURES)


def template_plugin(ref: str) -> str | None:
    """The metric plugin that ships the built-in template ``ref`` (``key@version``);
    None for perfloop's own (and for a template that is not a built-in)."""
    load_builtin_templates()
    return _PLUGIN_TEMPLATES.get(ref)


def report_plugin_template_failure(plugin: str, message: str) -> None:
    """Add why a template of ``plugin`` was left out after loading (``sync_builtin_templates``
    finds a template changed since it was stored); listed by `plugin_template_failures`
    until the built-ins are loaded again."""
    load_builtin_templates()
    said = _PLUGIN_FAILURES.get(plugin)
    if said is None or message not in said:
        _PLUGIN_FAILURES[plugin] = f"{said}\n{message}" if said else message


def _none(key: str, version: int) -> None:
    """A resolver that knows no template."""
    return None


def validate_document(document: object, resolver: Resolver | None = None) -> list[TemplateError]:
    """Every problem of `document`, in document order; empty when it is a valid template.

    `resolver(key, version)` finds the templates that `key@version` references
    point to (the service layer passes one that sees the tenant's published
    templates and the built-ins); by default, the built-in templates.
    """
    return check_document(document, resolver or load_builtin_templates().resolve)
