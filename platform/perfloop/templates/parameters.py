"""App parameters: defaults merged with a tenant's overrides, checked by schema and constraints.

The service layer calls `merge_parameters` before installing an app, so an
override that breaks the parameter schema or a constraint ("section weights
add up to 100") is reported and nothing is written.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any

from jsonschema.validators import Draft202012Validator  # type: ignore[import-untyped]

from perfloop.templates.errors import TemplateError, TemplateErrorCode, pointer, sort_errors
from perfloop.templates.meta import json_type, schema_errors

__all__ = ["merge_parameters", "parameter_errors"]

_CODE = TemplateErrorCode.INVALID_PARAMETERS


@lru_cache(maxsize=256)
def _validator(schema_json: str) -> Any:
    schema = json.loads(schema_json)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        current = merged.get(key)
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            merged[key] = _deep_merge(current, value)
        else:
            merged[key] = value
    return merged


def merge_parameters(
    app: Mapping[str, Any], overrides: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], list[TemplateError]]:
    """The app's defaults with `overrides` merged in (objects deeply, arrays replaced).

    Returns the values and their problems; pointers are into the values.
    """
    parameters = app["parameters"]
    values = _deep_merge(parameters["defaults"], overrides or {})
    return values, parameter_errors(parameters, values)


def parameter_errors(
    parameters: Mapping[str, Any], values: Mapping[str, Any], *at: str | int
) -> list[TemplateError]:
    """Problems of `values` against an app's `parameters` block, pointed below `at`."""
    schema_json = json.dumps(parameters["schema"], sort_keys=True)
    errors = list(schema_errors(_validator(schema_json), values, *at, code=_CODE))
    if errors:  # constraints assume the shape the schema promises
        return sort_errors(errors)
    for index, constraint in enumerate(parameters.get("constraints", [])):
        errors.extend(_constraint_errors(constraint, values, at, index))
    return sort_errors(errors)


def _lookup(values: object, path: str) -> tuple[bool, object]:
    node = values
    for raw in path.split("/")[1:]:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False, None
    return True, node


def _constraint_errors(
    constraint: Mapping[str, Any], values: Mapping[str, Any], at: Sequence[str | int], index: int
) -> Iterator[TemplateError]:
    path = constraint["path"]
    where = pointer(*at) + path
    found, node = _lookup(values, path)
    note = f" ({constraint['message']['en']})" if "message" in constraint else ""
    if not found:
        yield TemplateError(
            where, _CODE, f"constraint {index} names {path or '/'}, which has no value"
        )
        return
    items = list(node.values()) if isinstance(node, Mapping) else node
    if not isinstance(items, list):
        yield TemplateError(
            where, _CODE, f"expected an object or an array, found {json_type(node)}"
        )
        return
    field = constraint.get("field")
    if field is not None:
        items = [item.get(field) if isinstance(item, Mapping) else None for item in items]
    if not all(isinstance(n, int | float) and not isinstance(n, bool) for n in items):
        yield TemplateError(where, _CODE, "the values to check must all be numbers")
        return
    check = constraint["check"]
    if check == "sum":
        total = sum(items)
        if abs(total - constraint["equals"]) > 1e-9:
            message = f"values add up to {total:g}, not {constraint['equals']:g}{note}"
            yield TemplateError(where, TemplateErrorCode.WEIGHTS, message)
        return
    pairs = list(itertools.pairwise(items))
    ordered = all(a < b for a, b in pairs) if check == "ascending" else all(a > b for a, b in pairs)
    if not ordered:
        by = f" by {field}" if field else ""
        yield TemplateError(where, _CODE, f"values must be strictly {check}{by}{note}")
