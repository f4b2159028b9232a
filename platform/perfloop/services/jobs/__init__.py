"""Jobs: long work run outside the request (on procrastinate's PostgreSQL queue, or
in-process on SQLite), with progress clients read.

Other domains use these names only; the modules behind them are this domain's own.
"""

from __future__ import annotations

from perfloop.services.jobs.assign import ASSIGN_ITEMS, start_assign_items
from perfloop.services.jobs.queue import (
    CONCURRENCY,
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
    SKIPPED,
    SUCCEEDED,
    JobKind,
    JobPartView,
    JobView,
    create_job,
    follow_job,
    get_job,
    job_parts,
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
    "CONCURRENCY",
    "FAILED",
    "QUEUE",
    "QUEUED",
    "REFRESH_ACTUALS",
    "RUNNING",
    "SCORE_RESULTS",
    "SKIPPED",
    "SUCCEEDED",
    "JobKind",
    "JobPartView",
    "JobView",
    "create_job",
    "departments",
    "departments_within",
    "dispatch",
    "execute",
    "follow_job",
    "get_job",
    "in_parts",
    "job_parts",
    "register",
    "resume_in_process",
    "run_worker",
    "start_assign_items",
    "start_refresh_actuals",
    "start_scoring_run",
    "wait_in_process",
]
