"""The lazily imported `perfloop.engine` (formulas and scoring), or None before it exists."""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["engine_function", "load_engine"]


def load_engine() -> Any | None:
    """`perfloop.engine`, imported on first use; None only when the module is absent.

    Imported by name so that templates load without paying for the formula
    grammar until a formula needs checking; a failure inside the engine
    itself is not hidden.
    """
    try:
        return importlib.import_module("perfloop.engine")
    except ModuleNotFoundError as exc:
        if exc.name == "perfloop.engine":
            return None
        raise


def engine_function(name: str) -> Any | None:
    """`perfloop.engine.<name>`, else the same name in `perfloop.engine.scheme`.

    `check_scoring_template` lives in `perfloop.engine.scheme` and is not (yet)
    re-exported by `perfloop.engine`.
    """
    engine = load_engine()
    if engine is None:
        return None
    found = getattr(engine, name, None)
    if found is None:
        try:
            found = getattr(importlib.import_module("perfloop.engine.scheme"), name, None)
        except ModuleNotFoundError as exc:
            if exc.name != "perfloop.engine.scheme":
                raise
    return found
