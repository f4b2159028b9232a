"""Reviews: who reviews whom at a cycle's review stages, drafts and submissions of
form answers, external raters' links, anonymity and the review part of a result.

Other domains use these names only; the modules behind them are this
domain's own. ``missing_form_count`` is what the cycles' ``forms-submitted``
guard counts.
"""

from __future__ import annotations

from perfloop.services.reviews.answers import (
    MAX_REASON,
    AnswersInvalid,
    answer_errors,
    reopen,
    save_answers,
)
from perfloop.services.reviews.assignments import (
    CreateResult,
    PeersResult,
    choose_peers,
    create_assignments,
    decide_proposal,
    propose_peers,
)
from perfloop.services.reviews.common import ANONYMOUS, RELATIONS, STATUSES
from perfloop.services.reviews.external import (
    DEFAULT_TTL_DAYS,
    ExternalForm,
    Invitation,
    external_form,
    invite_external,
    submit_external,
)
from perfloop.services.reviews.reads import (
    AssignmentView,
    RelationView,
    SummaryView,
    anonymity_minimums,
    assignment_page,
    assignment_view,
    assignment_views,
    get_assignment,
    missing_form_count,
    ratings_for,
    review_summary,
)

__all__ = [
    "ANONYMOUS",
    "DEFAULT_TTL_DAYS",
    "MAX_REASON",
    "RELATIONS",
    "STATUSES",
    "AnswersInvalid",
    "AssignmentView",
    "CreateResult",
    "ExternalForm",
    "Invitation",
    "PeersResult",
    "RelationView",
    "SummaryView",
    "anonymity_minimums",
    "answer_errors",
    "assignment_page",
    "assignment_view",
    "assignment_views",
    "choose_peers",
    "create_assignments",
    "decide_proposal",
    "external_form",
    "get_assignment",
    "invite_external",
    "missing_form_count",
    "propose_peers",
    "ratings_for",
    "reopen",
    "review_summary",
    "save_answers",
    "submit_external",
]
