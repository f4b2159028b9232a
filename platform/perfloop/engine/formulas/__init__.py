"""The formula language: text → checked AST → generated Python (no I/O).

```
syntax     text → AST (lark grammar, limits)      checker   types and names, "did you mean"
codegen    AST → a Python function                interp    reference evaluator, explanations
functions  the whitelisted built-ins              runtime   guarded operators
completion COMPLETION by direction                formula   compile() and Formula
```

It knows nothing of scoring: the scoring rules (`perfloop.engine.scoring`)
are built on it, never the other way round.
"""

from __future__ import annotations

from perfloop.engine.formulas.completion import DIRECTIONS, Direction, completion_ratio
from perfloop.engine.formulas.errors import (
    ERROR_CODES,
    WARNING_CODES,
    FormulaError,
    FormulaErrorValue,
    FormulaWarning,
    to_json,
)
from perfloop.engine.formulas.formula import Formula, check_formula, compile
from perfloop.engine.formulas.functions import FUNCTIONS
from perfloop.engine.formulas.interp import Explanation

__all__ = [
    "DIRECTIONS",
    "ERROR_CODES",
    "FUNCTIONS",
    "WARNING_CODES",
    "Direction",
    "Explanation",
    "Formula",
    "FormulaError",
    "FormulaErrorValue",
    "FormulaWarning",
    "check_formula",
    "compile",
    "completion_ratio",
    "to_json",
]
