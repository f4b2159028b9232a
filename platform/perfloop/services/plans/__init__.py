"""Performance plans: scorecards (items, targets, weights, tasks, signatures),
actuals and check-ins, progress reads and reports.

Other domains use these names only; the modules behind them are this
domain's own.
"""

from __future__ import annotations

from perfloop.services.plans.actuals import (
    FailedItem,
    RefreshResult,
    check_in,
    enter_actual,
    list_checkins,
    missing_actual_count,
    refresh_actuals,
)
from perfloop.services.plans.common import (
    DEFAULT_SCORING,
    PlanRules,
    employee_in_scope,
    get_cycle,
    in_cycle_period,
    indicators_of,
    invalid,
    not_found,
    position_name,
    rules_for_employees,
    scorecard_in_scope,
    template_bodies,
)
from perfloop.services.plans.items import (
    SCORE_SETTINGS,
    TASK_STATUSES,
    ItemInput,
    TargetOverride,
    TaskInput,
    weight_errors,
)
from perfloop.services.plans.reads import (
    ItemView,
    ScorecardView,
    TaskView,
    get_scorecard,
    scorecards_by_id,
    team_scorecard_page,
    team_scorecards,
)
from perfloop.services.plans.reports import DIMENSIONS, ReportRow, plan_report
from perfloop.services.plans.scorecards import (
    SIGNERS,
    AssignmentCheck,
    BulkResult,
    ItemsResult,
    Signature,
    assign_items,
    check_assignment,
    set_items,
    sign,
    sign_many,
    unsigned_plan_count,
    update_task,
)

__all__ = [
    "DEFAULT_SCORING",
    "DIMENSIONS",
    "SCORE_SETTINGS",
    "SIGNERS",
    "TASK_STATUSES",
    "AssignmentCheck",
    "BulkResult",
    "FailedItem",
    "ItemInput",
    "ItemView",
    "ItemsResult",
    "PlanRules",
    "RefreshResult",
    "ReportRow",
    "ScorecardView",
    "Signature",
    "TargetOverride",
    "TaskInput",
    "TaskView",
    "assign_items",
    "check_assignment",
    "check_in",
    "employee_in_scope",
    "enter_actual",
    "get_cycle",
    "get_scorecard",
    "in_cycle_period",
    "indicators_of",
    "invalid",
    "list_checkins",
    "missing_actual_count",
    "not_found",
    "plan_report",
    "position_name",
    "refresh_actuals",
    "rules_for_employees",
    "scorecard_in_scope",
    "scorecards_by_id",
    "set_items",
    "sign",
    "sign_many",
    "team_scorecard_page",
    "team_scorecards",
    "template_bodies",
    "unsigned_plan_count",
    "update_task",
    "weight_errors",
]
