"""Apps: components resolve to the right kind, what they use is bundled, defaults are valid."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from perfloop.templates._context import Context, i18n_errors
from perfloop.templates.checks import applied
from perfloop.templates.checks.cycles import stage_forms
from perfloop.templates.errors import TemplateErrorCode
from perfloop.templates.meta import embedded_schema_errors
from perfloop.templates.parameters import parameter_errors

__all__ = ["SLOTS", "check"]

SLOTS: Final = {
    "kpiLibraries": "kpi-library",
    "forms": "form",
    "scoring": "scoring",
    "cycles": "cycle",
    "datasets": "dataset",
}
"""Component slot -> the kind of template it holds."""


def check(document: Mapping[str, Any], ctx: Context) -> None:
    components = document["components"]
    resolved: dict[str, list[tuple[int, Mapping[str, Any]]]] = {}
    for slot, kind in SLOTS.items():
        refs = components.get(slot)
        if refs is None:
            continue
        many = isinstance(refs, list)
        keys: dict[str, str] = {}
        for index, ref in enumerate(refs if many else [refs]):
            at = ("components", slot, index) if many else ("components", slot)
            key = ref.split("@", 1)[0]
            if key in keys:
                message = f"{ref} and {keys[key]} bundle the same template twice"
                ctx.add(at, TemplateErrorCode.DUPLICATE_KEY, message)
            keys[key] = ref
            target = ctx.resolve(ref, kind, at)
            if target is not None:
                resolved.setdefault(slot, []).append((index, target))
    _check_bundled(components, resolved, ctx)
    _check_parameters(document["parameters"], ctx)
    applied.check(document, ctx)


def _check_bundled(
    components: Mapping[str, Any],
    resolved: Mapping[str, list[tuple[int, Mapping[str, Any]]]],
    ctx: Context,
) -> None:
    forms = set(components.get("forms", []))
    datasets = set(components.get("datasets", []))
    for index, cycle in resolved.get("cycles", []):
        for _, ref in stage_forms(cycle):
            if ref not in forms:
                message = f"cycle {_ref(cycle)} uses form {ref}, which the app does not bundle"
                ctx.add(("components", "cycles", index), TemplateErrorCode.NOT_BUNDLED, message)
    for index, library in resolved.get("kpiLibraries", []):
        used = {
            indicator["source"]["dataset"]
            for indicator in library.get("indicators", [])
            if indicator.get("source", {}).get("type") == "dataset"
        }
        for ref in sorted(used - datasets):
            message = (
                f"KPI library {_ref(library)} uses dataset {ref}, which the app does not bundle"
            )
            ctx.add(("components", "kpiLibraries", index), TemplateErrorCode.NOT_BUNDLED, message)


def _ref(document: Mapping[str, Any]) -> str:
    return f"{document.get('key')}@{document.get('version')}"


def _check_parameters(parameters: Mapping[str, Any], ctx: Context) -> None:
    schema = parameters["schema"]
    problems = embedded_schema_errors(schema, "parameters", "schema")
    ctx.errors.extend(problems)
    ctx.errors.extend(i18n_errors(schema, "parameters", "schema"))
    if problems:
        return
    ctx.errors.extend(
        parameter_errors(parameters, parameters["defaults"], "parameters", "defaults")
    )
