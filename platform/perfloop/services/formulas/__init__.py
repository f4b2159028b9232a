"""Formulas: evaluate a formula the way a template would, for the formula playground.

Other domains use these names only; the modules behind them are this
domain's own.
"""

from __future__ import annotations

from perfloop.services.formulas.evaluate import FormulaOutcome, evaluate_formula, run_formula

__all__ = ["FormulaOutcome", "evaluate_formula", "run_formula"]
