"""Goals: the goal tree of a cycle, top-down allocation, bottom-up proposals and the gap report.

Other domains use these names only; the modules behind them are this
domain's own.
"""

from __future__ import annotations

from perfloop.services.goals.reads import (
    GapView,
    GoalView,
    goal_gap_report,
    goal_page,
    list_goals,
    owner_label,
)
from perfloop.services.goals.tree import (
    EDITABLE,
    LENGTHS,
    LEVELS,
    UNIT_LEVELS,
    GoalData,
    create_goal,
    delete_goal,
    propose,
    update_goal,
)

__all__ = [
    "EDITABLE",
    "LENGTHS",
    "LEVELS",
    "UNIT_LEVELS",
    "GapView",
    "GoalData",
    "GoalView",
    "create_goal",
    "delete_goal",
    "goal_gap_report",
    "goal_page",
    "list_goals",
    "owner_label",
    "propose",
    "update_goal",
]
