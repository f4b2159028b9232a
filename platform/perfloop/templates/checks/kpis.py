"""KPI libraries: unique indicator keys, dataset aggregations over real fields, sound formulas."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from perfloop.templates._context import Context, fields_of, types_of
from perfloop.templates.checks.datasets import DATE_FORMATS
from perfloop.templates.errors import TemplateErrorCode
from perfloop.templates.formulas import check_formula_text, formula_names
from perfloop.templates.meta import json_type, short

__all__ = ["check"]

_NUMERIC = {"number", "integer"}
_ORDERED_OPS = {"lt", "lte", "gt", "gte"}


def check(document: Mapping[str, Any], ctx: Context) -> None:
    indicators = document["indicators"]
    keys = [indicator["key"] for indicator in indicators]
    seen: set[str] = set()
    for index, key in enumerate(keys):
        if key in seen:
            message = f"indicator key {key!r} is used more than once"
            ctx.add(("indicators", index, "key"), TemplateErrorCode.DUPLICATE_KEY, message)
        seen.add(key)
    for index, indicator in enumerate(indicators):
        source = indicator["source"]
        at = ("indicators", index, "source")
        if source["type"] == "dataset":
            _check_dataset_source(source, at, ctx)
        elif source["type"] == "formula":
            problem = check_formula_text(source["formula"], seen)
            if problem is not None:
                where = f" (line {problem.line}, column {problem.column})" if problem.line else ""
                ctx.add((*at, "formula"), TemplateErrorCode.FORMULA, problem.message + where)
    _check_cycles(indicators, ctx)


def _check_dataset_source(
    source: Mapping[str, Any], at: tuple[str | int, ...], ctx: Context
) -> None:
    dataset = ctx.resolve(source["dataset"], "dataset", (*at, "dataset"))
    if dataset is None:
        return
    # a resolved dataset is trusted to be valid, but stay safe if it is not
    fields = {k: v for k, v in fields_of(dataset.get("records")).items() if isinstance(v, Mapping)}
    field = source.get("field")
    if field is not None:
        if field not in fields:
            ctx.add((*at, "field"), TemplateErrorCode.UNKNOWN_FIELD, _unknown(field, source))
        elif source["op"] != "count" and not types_of(fields[field]) & _NUMERIC:
            message = f"{source['op']} needs a numeric field; {field!r} is not"
            ctx.add((*at, "field"), TemplateErrorCode.FIELD_TYPE, message)
    for role in ("subjectField", "dateField"):
        name = source.get(role)
        if name is None:
            continue
        if name not in fields:
            ctx.add((*at, role), TemplateErrorCode.UNKNOWN_FIELD, _unknown(name, source))
        elif role == "dateField" and fields[name].get("format") not in DATE_FORMATS:
            message = f"dateField {name!r} must have format date or date-time"
            ctx.add((*at, role), TemplateErrorCode.FIELD_TYPE, message)
    for index, clause in enumerate(source.get("filter", [])):
        _check_clause(clause, fields, source, (*at, "filter", index), ctx)


def _unknown(name: str, source: Mapping[str, Any]) -> str:
    return f"dataset {source['dataset']} has no field {name!r}"


def _check_clause(
    clause: Mapping[str, Any],
    fields: Mapping[str, Any],
    source: Mapping[str, Any],
    at: tuple[str | int, ...],
    ctx: Context,
) -> None:
    name, op, value = clause["field"], clause["op"], clause["value"]
    if name not in fields:
        ctx.add((*at, "field"), TemplateErrorCode.UNKNOWN_FIELD, _unknown(name, source))
        return
    sub = fields[name]
    allowed = types_of(sub)
    values = value if isinstance(value, list) else [value]
    for candidate in values:
        kind = json_type(candidate)
        fits = kind in allowed or (
            kind == "number" and "integer" in allowed and float(candidate).is_integer()
        )
        if candidate is None and op in ("eq", "ne"):
            fits = True
        if not fits:
            message = (
                f"{short(candidate)} is a {kind}; field {name!r} holds {', '.join(sorted(allowed))}"
            )
            ctx.add((*at, "value"), TemplateErrorCode.FIELD_TYPE, message)
        elif (
            isinstance(sub.get("enum"), list)
            and candidate is not None
            and candidate not in sub["enum"]
        ):
            message = (
                f"{short(candidate)} is not a value of {name!r} ({short(sub['enum'])}); "
                "the filter never matches"
            )
            ctx.add((*at, "value"), TemplateErrorCode.FIELD_TYPE, message)
    if op in _ORDERED_OPS and not allowed & (_NUMERIC | {"string"}):
        ctx.add((*at, "op"), TemplateErrorCode.FIELD_TYPE, f"{op} cannot compare field {name!r}")


def _check_cycles(indicators: list[Mapping[str, Any]], ctx: Context) -> None:
    """A formula may not depend on itself, directly or through other formulas."""
    position = {ind["key"]: i for i, ind in enumerate(indicators)}
    reads = {
        ind["key"]: sorted(formula_names(ind["source"]["formula"]) & position.keys())
        for ind in indicators
        if ind["source"]["type"] == "formula"
    }
    done: set[str] = set()
    for start in reads:
        cycle = _visit(start, reads, [], done)
        if cycle is not None:
            message = "formula depends on itself: " + " → ".join([*cycle, cycle[0]])
            at = ("indicators", position[cycle[0]], "source", "formula")
            ctx.add(at, TemplateErrorCode.CIRCULAR_REFERENCE, message)


def _visit(
    node: str, reads: Mapping[str, list[str]], path: list[str], done: set[str]
) -> list[str] | None:
    """Depth-first search; returns the first cycle found through `node` (each node visited once)."""
    if node in path:
        return path[path.index(node) :]
    if node in done or node not in reads:
        return None
    path.append(node)
    for nxt in reads[node]:
        cycle = _visit(nxt, reads, path, done)
        if cycle is not None:
            done.update(path)
            return cycle
    path.pop()
    done.add(node)
    return None
