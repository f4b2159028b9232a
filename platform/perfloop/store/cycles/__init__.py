"""The cycles tables: cycles, their stages (in template order, with due dates) and the stage log."""

from __future__ import annotations

from perfloop.store.cycles.models import Cycle, CycleStage, CycleTransition

__all__ = ["Cycle", "CycleStage", "CycleTransition"]
