"""Semantic checks, one module per template kind; each adds to a `Context`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from perfloop.templates._context import Context
from perfloop.templates.checks import apps, cycles, datasets, forms, kpis, scoring

__all__ = ["CHECKS"]

CHECKS: Mapping[str, Callable[[Mapping[str, Any], Context], None]] = {
    "form": forms.check,
    "kpi-library": kpis.check,
    "scoring": scoring.check,
    "cycle": cycles.check,
    "dataset": datasets.check,
    "app": apps.check,
}
