"""The formula playground: evaluate a formula over sample data."""

from __future__ import annotations

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.permissions import requires
from perfloop.api.core.scalars import JSON
from perfloop.authz import Permission
from perfloop.engine import FormulaError
from perfloop.engine import FormulaWarning as EngineWarning
from perfloop.services import formulas as service


@strawberry.type(description="Why a formula does not compile, and where.")
class FormulaProblem:
    code: str
    message: str
    line: int
    column: int
    excerpt: str = strawberry.field(description="The source line with a caret under the problem.")
    suggestion: str | None = strawberry.field(description="A close name, for a misspelt one.")

    @classmethod
    def from_error(cls, error: FormulaError) -> FormulaProblem:
        return cls(
            code=error.code,
            message=error.message,
            line=error.line,
            column=error.column,
            excerpt=error.excerpt,
            suggestion=error.suggestion,
        )


@strawberry.type(
    description="Where a formula that compiles means something else than the same text in "
    "Excel (docs/formulas.md lists the codes)."
)
class FormulaWarning:
    code: str = strawberry.field(description="e.g. excel-power, excel-boolean-aggregate.")
    message: str
    line: int
    column: int
    excerpt: str = strawberry.field(description="The source line with a caret under the place.")

    @classmethod
    def from_warning(cls, warning: EngineWarning) -> FormulaWarning:
        return cls(
            code=warning.code,
            message=warning.message,
            line=warning.line,
            column=warning.column,
            excerpt=warning.excerpt,
        )


@strawberry.type
class FormulaEvaluation:
    value: JSON | None = strawberry.field(
        description='The result; an error value reads {"error": "#DIV/0!", "message": ...}.'
    )
    explanation: JSON | None = strawberry.field(
        description="With explain: the evaluation tree {text, value, children}."
    )
    errors: list[FormulaProblem]
    warnings: list[FormulaWarning] = strawberry.field(
        description="The formula compiled, but Excel would read it differently here."
    )


@strawberry.type
class FormulaQueries:
    @strawberry.field(
        description="Evaluate a formula over data (a JSON object); nothing is stored. With "
        "variables (a JSON Schema of the data), an unknown name is an error with a suggestion "
        "and the data must match it.",
        extensions=requires(Permission.FORMULA_EVALUATE),
    )
    def evaluate_formula(
        self,
        info: Info,
        formula: str,
        data: JSON | None = None,
        explain: bool = False,
        variables: JSON | None = None,
    ) -> FormulaEvaluation:
        outcome = service.evaluate_formula(
            info.context.caller, formula, data, explain=explain, variables=variables
        )
        return FormulaEvaluation(
            value=JSON(outcome.value),
            explanation=JSON(outcome.explanation) if outcome.explanation is not None else None,
            errors=[FormulaProblem.from_error(outcome.error)] if outcome.error else [],
            warnings=[FormulaWarning.from_warning(w) for w in outcome.warnings],
        )
