"""Evaluate a formula typed by a user (the formula playground)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from perfloop.authz import Permission
from perfloop.engine import FormulaError, compile, to_json
from perfloop.services.core.errors import ErrorCode, ServiceError

if TYPE_CHECKING:
    from perfloop.services.core.caller import Caller


@dataclass(frozen=True)
class FormulaOutcome:
    value: Any  # JSON-able; error values are {"error": "#DIV/0!", ...}
    explanation: dict[str, Any] | None
    error: FormulaError | None


def run_formula(text: str, data: Any, *, explain: bool = False) -> FormulaOutcome:
    """Compile and evaluate ``text`` over ``data`` (a JSON object or null).

    A formula that does not compile is an outcome with ``error`` set, not an
    exception: the text came from a person, and they need to see where it is wrong.
    """
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ServiceError.one(ErrorCode.INVALID, "data must be a JSON object", ("data",))
    try:
        formula = compile(text)
    except FormulaError as exc:
        return FormulaOutcome(value=None, explanation=None, error=exc)
    if explain:
        tree = formula.explain(data)
        return FormulaOutcome(
            value=to_json(tree.value), explanation=to_json(tree.to_dict()), error=None
        )
    return FormulaOutcome(value=to_json(formula.evaluate(data)), explanation=None, error=None)


def evaluate_formula(
    caller: Caller, text: str, data: Any, *, explain: bool = False
) -> FormulaOutcome:
    caller.require(Permission.FORMULA_EVALUATE)
    return run_formula(text, data, explain=explain)
