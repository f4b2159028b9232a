"""Evaluate a formula typed by a user (the formula playground).

Rules:

- A formula that does not compile is an outcome with ``error`` set, not an
  exception: the text came from a person, and they need to see where it is
  wrong. Warnings (where the formula means something else than in Excel)
  come with the value.
- ``data`` is a JSON object (or null, read as ``{}``); anything else is
  ``INVALID`` on ``data``.
- ``variables``, when given, is a JSON Schema (Draft 2020-12) of the data:
  the formula is compiled against it, so a misspelt name is an error with a
  suggestion instead of a silent null, and the data must satisfy it. A
  schema that is not a JSON object or not a valid schema is ``INVALID`` on
  ``variables``; data that does not satisfy it is ``INVALID`` on ``data``,
  with the path of the offending value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from jsonschema.exceptions import SchemaError  # type: ignore[import-untyped]
from jsonschema.validators import Draft202012Validator  # type: ignore[import-untyped]

from perfloop.authz import Permission
from perfloop.engine import FormulaError, FormulaWarning, compile, to_json
from perfloop.services.core.errors import ErrorCode, ServiceError, UserError

if TYPE_CHECKING:
    from perfloop.services.core.caller import Caller

#: Data errors reported at once; the rest are left for the next try.
MAX_DATA_ERRORS = 10


@dataclass(frozen=True)
class FormulaOutcome:
    value: Any  # JSON-able; error values are {"error": "#DIV/0!", ...}
    explanation: dict[str, Any] | None
    error: FormulaError | None
    warnings: tuple[FormulaWarning, ...] = field(default=())


def _check_variables(variables: Any, data: Mapping[str, Any]) -> None:
    if not isinstance(variables, Mapping):
        raise ServiceError.one(
            ErrorCode.INVALID, "variables must be a JSON Schema object", ("variables",)
        )
    try:
        Draft202012Validator.check_schema(variables)
    except SchemaError as exc:
        where = "/".join(str(p) for p in exc.path)
        raise ServiceError.one(
            ErrorCode.INVALID,
            f"variables is not a valid JSON Schema{f' at {where}' if where else ''}: {exc.message}",
            ("variables", *(str(p) for p in exc.path)),
        ) from None
    validator = Draft202012Validator(variables)
    problems = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.path)))
    if problems:
        raise ServiceError(
            [
                UserError(
                    ErrorCode.INVALID,
                    f"data{''.join(f'[{p!r}]' for p in e.path)} does not match variables: "
                    f"{e.message}",
                    ("data", *(str(p) for p in e.path)),
                )
                for e in problems[:MAX_DATA_ERRORS]
            ]
        )


def run_formula(
    text: str, data: Any, *, explain: bool = False, variables: Any = None
) -> FormulaOutcome:
    """Compile ``text`` (against ``variables`` when given) and evaluate it over ``data``."""
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ServiceError.one(ErrorCode.INVALID, "data must be a JSON object", ("data",))
    if variables is not None:
        _check_variables(variables, data)
    try:
        formula = compile(text, variables)
    except FormulaError as exc:
        return FormulaOutcome(value=None, explanation=None, error=exc)
    if explain:
        tree = formula.explain(data)
        return FormulaOutcome(
            value=to_json(tree.value),
            explanation=to_json(tree.to_dict()),
            error=None,
            warnings=formula.warnings,
        )
    return FormulaOutcome(
        value=to_json(formula.evaluate(data)),
        explanation=None,
        error=None,
        warnings=formula.warnings,
    )


def evaluate_formula(
    caller: Caller, text: str, data: Any, *, explain: bool = False, variables: Any = None
) -> FormulaOutcome:
    caller.require(Permission.FORMULA_EVALUATE)
    return run_formula(text, data, explain=explain, variables=variables)
