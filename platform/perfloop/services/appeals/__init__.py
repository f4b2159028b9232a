"""Appeals (申诉) against published results, decided by the reviewer the cycle
template's rule assigns, with versioned results and a trail; feedback meetings
recorded against a result.

Other domains use these names only; the modules behind them are this domain's own.
``open_appeal_count`` is what the cycles' ``appeals-resolved`` guard counts.
"""

from __future__ import annotations

from perfloop.services.appeals.appeals import (
    ADJUSTED,
    DECIDED,
    DECISIONS,
    OPEN,
    UPHELD,
    DecideInput,
    decide_appeal,
    file_appeal,
    open_appeal_count,
)
from perfloop.services.appeals.meetings import (
    ActionInput,
    MeetingInput,
    MeetingView,
    meeting_page,
    record_meeting,
)
from perfloop.services.appeals.reads import AppealView, TrailEntry, appeal_page, get_appeal
from perfloop.services.appeals.rules import AppealRules, rules_of

__all__ = [
    "ADJUSTED",
    "DECIDED",
    "DECISIONS",
    "OPEN",
    "UPHELD",
    "ActionInput",
    "AppealRules",
    "AppealView",
    "DecideInput",
    "MeetingInput",
    "MeetingView",
    "TrailEntry",
    "appeal_page",
    "decide_appeal",
    "file_appeal",
    "get_appeal",
    "meeting_page",
    "open_appeal_count",
    "record_meeting",
    "rules_of",
]
