"""Review cycles: periods, opening a cycle from its template, stages, guards and transitions.

Other domains use these names only; the modules behind them are this
domain's own.
"""

from __future__ import annotations

from perfloop.services.cycles.guards import (
    GUARDS,
    HOOKS,
    Guard,
    GuardFailure,
    GuardsFailed,
    Hook,
    register_guard,
    set_hook,
)
from perfloop.services.cycles.lifecycle import (
    AdvanceResult,
    CycleView,
    OverdueStage,
    advance_cycle,
    get_cycle,
    list_cycles,
    open_cycle,
    overdue_stages,
    transitions_of,
)
from perfloop.services.cycles.periods import (
    PERIOD_KINDS,
    PERIODS_GUARD,
    PERIODS_STAGE,
    SUMMARY_PHASES,
    Period,
    due_on,
    parse_period,
    period_containing,
    stages_of,
    sub_periods,
)

__all__ = [
    "GUARDS",
    "HOOKS",
    "PERIODS_GUARD",
    "PERIODS_STAGE",
    "PERIOD_KINDS",
    "SUMMARY_PHASES",
    "AdvanceResult",
    "CycleView",
    "Guard",
    "GuardFailure",
    "GuardsFailed",
    "Hook",
    "OverdueStage",
    "Period",
    "advance_cycle",
    "due_on",
    "get_cycle",
    "list_cycles",
    "open_cycle",
    "overdue_stages",
    "parse_period",
    "period_containing",
    "register_guard",
    "set_hook",
    "stages_of",
    "sub_periods",
    "transitions_of",
]
