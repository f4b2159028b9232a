"""The formula playground: evaluate a formula over sample data."""

from __future__ import annotations

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.permissions import requires
from perfloop.api.core.scalars import JSON
from perfloop.authz import Permission
from perfloop.engine import FormulaError
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


@strawberry.type
class FormulaEvaluation:
    value: JSON | None = strawberry.field(
        description='The result; an error value reads {"error": "#DIV/0!", "message": ...}.'
    )
    explanation: JSON | None = strawberry.field(
        description="With explain: the evaluation tree {text, value, children}."
    )
    errors: list[FormulaProblem]


@strawberry.type
class FormulaQueries:
    @strawberry.field(
        description="Evaluate a formula over data (a JSON object); nothing is stored.",
        extensions=requires(Permission.FORMULA_EVALUATE),
    )
    def evaluate_formula(
        self, info: Info, formula: str, data: JSON | None = None, explain: bool = False
    ) -> FormulaEvaluation:
        outcome = service.evaluate_formula(info.context.caller, formula, data, explain=explain)
        return FormulaEvaluation(
            value=JSON(outcome.value),
            explanation=JSON(outcome.explanation) if outcome.explanation is not None else None,
            errors=[FormulaProblem.from_error(outcome.error)] if outcome.error else [],
        )
