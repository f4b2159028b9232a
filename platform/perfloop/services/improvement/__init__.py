"""Improvement: what a cycle's published results lead to — improvement plans opened by
the app template's rule and carried into the next cycle, and candidate lists (promotion,
reward, training, improvement) with HR's decisions and the training needs by topic.

Other domains use these names only; the modules behind them are this domain's own. The
carry into the next cycle's plans is ``services.plans``' own (``plans/carry.py``), which
reads the plans this domain opened.
"""

from __future__ import annotations

from perfloop.services.improvement.apply import Applied, apply_published, apply_results
from perfloop.services.improvement.candidates import (
    DECISIONS,
    CandidateListView,
    CandidateView,
    TrainingNeed,
    candidate_lists,
    candidate_page,
    decide,
    training_needs,
)
from perfloop.services.improvement.followup import (
    OUTCOMES,
    CheckinView,
    ImprovementPlanView,
    PlanEdit,
    add_checkin,
    close_plan,
    get_plan,
    plan_page,
    update_plan,
)
from perfloop.services.improvement.rules import AppRules

__all__ = [
    "DECISIONS",
    "OUTCOMES",
    "AppRules",
    "Applied",
    "CandidateListView",
    "CandidateView",
    "CheckinView",
    "ImprovementPlanView",
    "PlanEdit",
    "TrainingNeed",
    "add_checkin",
    "apply_published",
    "apply_results",
    "candidate_lists",
    "candidate_page",
    "close_plan",
    "decide",
    "get_plan",
    "plan_page",
    "training_needs",
    "update_plan",
]
