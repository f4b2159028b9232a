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
    """`perfloop.engine.<name>`, or None when the engine or the name is absent."""
    engine = load_engine()
    return None if engine is None else getattr(engine, name, None)
