"""An app's rules for applying results (``improvement``, ``lists``): every formula
compiles against the names a published result gives, the improvement form is a form the
app bundles, and list keys are unique. The names are defined here, once, for the check
and for ``services.improvement``, which evaluates the rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from perfloop.engine import FormulaError, compile
from perfloop.templates._context import Context
from perfloop.templates.errors import TemplateErrorCode

__all__ = ["ITEM_FIELDS", "ITEM_VARIABLES", "RESULT_VARIABLES", "check"]

_NUMBER: Final = {"type": "number"}
_TEXT: Final = {"type": "string"}
#: an item of a result, as the result stored it
ITEM_FIELDS: Final[dict[str, Any]] = {
    **dict.fromkeys(("key", "title", "unit", "direction"), _TEXT),
    **dict.fromkeys(("target", "actual", "weight", "completion", "score"), _NUMBER),
}
_RESULT_NAMES: Final[dict[str, Any]] = {
    "rating": _TEXT,
    **dict.fromkeys(("total", "kpi", "review", "multiplier"), _NUMBER),
    "items": {"type": "array", "items": {"type": "object", "properties": ITEM_FIELDS}},
    "params": {"type": "object"},
}
#: what a result-wide rule reads (``when``, ``met``)
RESULT_VARIABLES: Final[dict[str, Any]] = {"type": "object", "properties": _RESULT_NAMES}
#: what a per-item rule reads (``gap``, a list's ``items``, ``carry.target``)
ITEM_VARIABLES: Final[dict[str, Any]] = {
    "type": "object",
    "properties": {**_RESULT_NAMES, **ITEM_FIELDS},
}


def _formula(ctx: Context, at: tuple[str | int, ...], text: Any, *, per_item: bool) -> None:
    if not isinstance(text, str):
        return
    try:
        compile(text, ITEM_VARIABLES if per_item else RESULT_VARIABLES)
    except FormulaError as exc:
        ctx.add(at, TemplateErrorCode.FORMULA, str(exc))


def check(document: Mapping[str, Any], ctx: Context) -> None:
    rule = document.get("improvement")
    if isinstance(rule, Mapping):
        for name, per_item in (("when", False), ("gap", True), ("met", False)):
            _formula(ctx, ("improvement", name), rule.get(name), per_item=per_item)
        carry = rule.get("carry")
        if isinstance(carry, Mapping):
            _formula(ctx, ("improvement", "carry", "target"), carry.get("target"), per_item=True)
        form = rule.get("form")
        forms = document.get("components", {}).get("forms", [])
        if isinstance(form, str) and form not in forms:
            message = f"the improvement form {form} is not bundled by the app"
            ctx.add(("improvement", "form"), TemplateErrorCode.NOT_BUNDLED, message)
    seen: set[str] = set()
    for n, entry in enumerate(document.get("lists") or []):
        if not isinstance(entry, Mapping):
            continue
        _formula(ctx, ("lists", n, "when"), entry.get("when"), per_item=False)
        _formula(ctx, ("lists", n, "items"), entry.get("items"), per_item=True)
        key = entry.get("key")
        if isinstance(key, str):
            if key in seen:
                ctx.add(("lists", n, "key"), TemplateErrorCode.DUPLICATE_KEY, f"list {key} twice")
            seen.add(key)
