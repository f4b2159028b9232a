"""Jobs: long work run outside the request (on procrastinate's PostgreSQL queue, or
in-process on SQLite), with progress clients read.

Other domains use these names only; the modules behind them are this domain's own.
"""

from __future__ import annotations

from perfloop.services.jobs.assign import ASSIGN_ITEMS, start_assign_items
from perfloop.services.jobs.queue import (
    QUEUE,
    dispatch,
    resume_in_process,
    run_worker,
    wait_in_process,
)
from perfloop.services.jobs.records import (
    ACTIVE,
    FAILED,
    QUEUED,
    RUNNING,
    SUCCEEDED,
    JobKind,
    JobView,
    create_job,
    get_job,
    register,
)
from perfloop.services.jobs.refresh import (
    REFRESH_ACTUALS,
    departments,
    departments_within,
    in_parts,
    start_refresh_actuals,
)
from perfloop.services.jobs.runner import execute
from perfloop.services.jobs.scoring import SCORE_RESULTS, start_scoring_run

__all__ = [
    "ACTIVE",
    "ASSIGN_ITEMS",
    "FAILED",
    "QUEUE",
    "QUEUED",
    "REFRESH_ACTUALS",
    "RUNNING",
    "SCORE_RESULTS",
    "SUCCEEDED",
    "JobKind",
    "JobView",
    "create_job",
    "departments",
    "departments_within",
    "dispatch",
    "execute",
    "get_job",
    "in_parts",
    "register",
    "resume_in_process",
    "run_worker",
    "start_assign_items",
    "start_refresh_actuals",
    "start_scoring_run",
    "wait_in_process",
]
