"""Where jobs run: procrastinate on PostgreSQL, an asyncio task on SQLite.

On PostgreSQL a started job is deferred to procrastinate's queue (its tables live in
the same database, created by migration 0008) as "start job N"; the worker that takes
it writes the job's parts and defers one task per part ("run part i of job N", in one
batch), and the ``perfloop worker`` processes — on any machine reaching the database —
run the parts, each as many at once as its ``--concurrency``. On SQLite (the embedded
default) the same parts run in the serving process, one at a time, as an asyncio task
started after the request that started the job has committed; no worker is needed.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import procrastinate
from procrastinate.app import WorkerOptions
from procrastinate.types import JSONDict
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from perfloop.authz import EnforcerCache
from perfloop.services.core.errors import ErrorCode
from perfloop.services.jobs.records import ACTIVE, FAILED, set_state
from perfloop.services.jobs.runner import execute, run_part, start, this_process
from perfloop.store import make_sessionmaker
from perfloop.store.jobs import Job

if TYPE_CHECKING:
    from sqlalchemy.engine import URL
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

log = logging.getLogger(__name__)

#: the procrastinate queue perfloop's jobs go to
QUEUE = "perfloop-jobs"
#: the procrastinate task "start job N" (the job's row says what to do); the name is
#: the one of the task that ran whole jobs, so a job queued before still starts
TASK = "perfloop.run_job"
#: the procrastinate task "run part i of job N"
PART_TASK = "perfloop.run_job_part"
#: Parts a ``perfloop worker`` runs at once by default: while one part waits for the
#: database, Python works on another, so a two-core machine keeps both cores busy.
CONCURRENCY = 2

_in_process: set[asyncio.Task[None]] = set()


def _part_kwargs(job_id: int, index: int) -> JSONDict:
    return {"job_id": job_id, "index": index}


async def run_job(context: procrastinate.JobContext, job_id: int) -> None:
    """Start job ``job_id`` and queue its parts, one task each, in one batch."""
    sessions = context.additional_context["sessions"]
    indexes = await start(sessions, job_id)
    if not indexes:
        return
    try:
        await context.app.configure_task(PART_TASK, queue=QUEUE).batch_defer_async(
            *(_part_kwargs(job_id, index) for index in indexes)
        )
    except Exception:  # the job must not stay running forever, blocking the next request
        log.exception("the parts of job %s could not be queued", job_id)
        async with sessions() as session:
            await set_state(
                session, job_id, status=FAILED, error_code=str(ErrorCode.JOB_FAILED),
                error=f"the job's parts could not be queued (logged as job {job_id}); try again",
            )  # fmt: skip


async def run_job_part(context: procrastinate.JobContext, job_id: int, index: int) -> None:
    await run_part(context.additional_context["sessions"], job_id, index, context.worker_name or "")


def queue_url(url: URL) -> str:
    """The libpq address of the database behind a SQLAlchemy URL (procrastinate
    connects with psycopg, not asyncpg)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def make_queue(url: URL, **pool: Any) -> procrastinate.App:
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=queue_url(url), **pool)
    )
    app.task(name=TASK, queue=QUEUE, pass_context=True)(run_job)
    app.task(name=PART_TASK, queue=QUEUE, pass_context=True)(run_job_part)
    return app


def _engine(session: AsyncSession) -> AsyncEngine:
    bind = session.bind
    if isinstance(bind, AsyncConnection):
        return bind.engine
    assert bind is not None, "sessions are bound to an engine (perfloop.store.make_sessionmaker)"
    return bind


async def dispatch(session: AsyncSession, job_id: int) -> None:
    """Have job ``job_id`` (committed) run: on the queue, or in this process."""
    engine = _engine(session)
    if engine.dialect.name == "postgresql":
        app = make_queue(engine.url, min_size=1, max_size=1)
        try:
            async with app.open_async():
                await app.configure_task(TASK, queue=QUEUE).defer_async(job_id=job_id)
        except Exception:  # the job must not stay queued forever, blocking the next request
            log.exception("job %s could not be queued", job_id)
            await set_state(
                session, job_id, status=FAILED, error_code=str(ErrorCode.JOB_FAILED),
                error=f"the job could not be queued (logged as job {job_id}); try again",
            )  # fmt: skip
        return
    _start_in_process(make_sessionmaker(engine), job_id)


#: The lock files this process holds, by database file: it resumes that database's jobs.
_resumers: dict[str, IO[bytes]] = {}


def _may_resume(engine: AsyncEngine) -> bool:
    """Whether this process resumes the jobs of the engine's SQLite file: the one that
    holds the lock file beside it (``perfloop.db.jobs.lock``, an advisory ``flock`` the
    system releases when the process ends). ``perfloop serve --workers N`` starts N
    processes; without it each would run every unfinished job again, at once."""
    database = engine.url.database
    if not database or database == ":memory:":
        return True  # a database no other process opens
    path = str(Path(database).resolve()) + ".jobs.lock"
    if path in _resumers:
        return True
    handle = open(path, "ab")  # noqa: SIM115 (held open: the lock lives as long as the process)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return False
    _resumers[path] = handle
    return True


async def resume_in_process(engine: AsyncEngine) -> int:
    """On SQLite, start again the jobs a stopped server left queued or running (the
    parts done stay done and are not run again; a part cut short runs again). Only one
    process per database file does (``_may_resume``). Returns how many."""
    if engine.dialect.name == "postgresql":
        return 0  # the queue keeps them for the workers
    if not _may_resume(engine):
        log.info("another process resumes the unfinished jobs of %s", engine.url.database)
        return 0
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        ids = (await session.execute(select(Job.id).where(Job.status.in_(ACTIVE)))).scalars().all()
    for job_id in ids:
        _start_in_process(sessions, job_id)
    return len(ids)


def _start_in_process(sessions: async_sessionmaker[AsyncSession], job_id: int) -> None:
    task = asyncio.create_task(execute(sessions, job_id))
    _in_process.add(task)
    task.add_done_callback(_in_process.discard)


async def wait_in_process() -> None:
    """Wait for the jobs running in this process (SQLite) to end: at shutdown, in tests."""
    while _in_process:
        await asyncio.gather(*list(_in_process))


async def run_worker(
    engine: AsyncEngine,
    *,
    wait: bool = True,
    concurrency: int = CONCURRENCY,
    name: str | None = None,
    signals: bool | None = None,
) -> None:
    """Run queued jobs' starts and parts (PostgreSQL), ``concurrency`` at once.
    ``wait=False`` returns once the queue is empty (tests); otherwise it runs until
    SIGINT/SIGTERM (``signals``, by default when waiting) or until cancelled,
    finishing the parts at hand. ``name`` is who the parts' rows say ran them
    (default: this machine and process)."""
    app = make_queue(engine.url, min_size=1, max_size=concurrency + 1)
    options: WorkerOptions = {
        "queues": [QUEUE],
        "wait": wait,
        "concurrency": concurrency,
        "name": name or this_process(),
        "listen_notify": wait,
        "install_signal_handlers": wait if signals is None else signals,
        "delete_jobs": "successful",  # the jobs table keeps the outcome
        "additional_context": {
            "sessions": make_sessionmaker(engine),
            "enforcers": EnforcerCache(),  # the worker's, as a server process has one
        },
    }
    async with app.open_async():
        await app.run_worker_async(**options)
        # not waiting, a worker stops when it finds the queue empty, which it may be
        # while a start it runs has not queued its parts yet: go on until it stays empty
        while not wait and await _queued(app):
            await app.run_worker_async(**options)


async def _queued(app: procrastinate.App) -> bool:
    return bool(list(await app.job_manager.list_jobs_async(queue=QUEUE, status="todo")))
