"""compile(): formula text -> a checked, compiled Formula."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from perfloop.engine.formulas.checker import check
from perfloop.engine.formulas.codegen import build
from perfloop.engine.formulas.errors import FormulaError, FormulaWarning
from perfloop.engine.formulas.interp import UNEXPECTED, Explanation, Interpreter
from perfloop.engine.formulas.nodes import Node
from perfloop.engine.formulas.syntax import parse


class Formula:
    """A compiled formula: evaluate it many times, explain it when asked.

    `evaluate(data)` runs generated Python code (no re-parsing); it never
    raises for any data: impossible results are error values such as
    `#DIV/0!`, missing data is null (None).
    """

    __slots__ = ("_interpreter", "evaluate", "names", "source", "text", "tree", "warnings")

    def __init__(
        self,
        text: str,
        tree: Node,
        names: frozenset[str],
        warnings: tuple[FormulaWarning, ...] = (),
    ) -> None:
        self.text = text
        self.tree = tree
        #: The names the formula reads from the caller's data (first path segments).
        self.names = names
        #: Where the formula relies on a deliberate difference from Excel.
        self.warnings = warnings
        self._interpreter = Interpreter(text, tree)
        fast, source = build(tree, self._slow, self._interpreter.record_body)
        #: The generated Python source, for the curious and for debugging.
        self.source = source
        #: evaluate(data) -> value; the generated function itself, bound once.
        self.evaluate = fast

    def _slow(self, data: Mapping[str, Any]) -> Any:
        try:
            return self._interpreter.evaluate(data)
        except Exception:  # pragma: no cover - a bug; never let it reach the caller
            return UNEXPECTED

    def evaluate_reference(self, data: Mapping[str, Any]) -> Any:
        """Evaluate with the interpreter only (the reference the fast code must match)."""
        return self._slow(data)

    def explain(self, data: Mapping[str, Any]) -> Explanation:
        """The evaluation as a tree of sub-expressions with their values."""
        return self._interpreter.explain(data)

    def __repr__(self) -> str:
        return f"Formula({self.text!r})"


def _compile(
    text: str, variables: Mapping[str, Any] | None, constants: Mapping[str, Any] | None
) -> Formula:
    tree = parse(text)
    root, names, warnings = check(text, tree, variables, constants)
    return Formula(text, root, names, warnings)


@lru_cache(maxsize=2048)
def _cached(text: str, variables_json: str | None, constants_json: str | None) -> Formula:
    variables = json.loads(variables_json) if variables_json is not None else None
    constants = json.loads(constants_json) if constants_json is not None else None
    return _compile(text, variables, constants)


def _key(value: Mapping[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, allow_nan=False)


def compile(
    text: str,
    variables: Mapping[str, Any] | None = None,
    *,
    constants: Mapping[str, Any] | None = None,
) -> Formula:
    """Parse, check and compile a formula.

    `variables` is a JSON-Schema-like description of the data
    (`{"type": "object", "properties": {...}}`): when given, an unknown name
    is an error with a "did you mean" suggestion and an array of objects
    makes `SUM(items, expr)` evaluate `expr` per record. When None, any
    name is allowed and missing data is null at run time.

    `constants` are named values fixed at compile time (a scoring scheme's
    parameters); they are inlined into the code.

    Formulas are immutable and cached by their text, variables and constants.
    Raises FormulaError. A formula that compiles but relies on a deliberate
    difference from Excel lists it in `Formula.warnings` (FormulaWarning).
    """
    if not isinstance(text, str):
        raise FormulaError("syntax", "a formula must be text")
    try:
        return _cached(text, _key(variables), _key(constants))
    except (TypeError, ValueError):  # not JSON-able: compile without the cache
        return _compile(text, variables, constants)


def check_formula(text: str, variables: Mapping[str, Any] | None = None) -> FormulaError | None:
    """The FormulaError compile() would raise, or None when the formula is fine."""
    try:
        compile(text, variables)
    except FormulaError as error:
        return error
    return None
