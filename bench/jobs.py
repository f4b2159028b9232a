"""The company-wide refresh of actuals: synchronous (one call, the whole tenant)
against the job (one part per department, each committing), on the demo company.

    .venv/bin/python bench/jobs.py [--database-url URL] [--rounds 3]

Without ``--database-url`` it uses a fresh SQLite file; with a PostgreSQL URL it
uses that database (**its public schema is dropped and recreated**) and runs the
job through procrastinate with a worker in this process, as the tests do. Prints,
per round, the wall time of each way, the job's parts and its result, and checks
that both ways wrote the same number of actuals.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from sqlalchemy import select, text

from perfloop.authz import EnforcerCache
from perfloop.demo import load_demo
from perfloop.services import jobs, plans
from perfloop.services.core.caller import resolve_caller
from perfloop.services.templates import sync_builtin_templates
from perfloop.settings import normalize_database_url
from perfloop.store import make_engine, make_sessionmaker, upgrade
from perfloop.store.cycles import Cycle
from perfloop.store.jobs import Job

HR = "hr@demo.perfloop.dev"


async def main(url: str, rounds: int) -> None:
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    await upgrade(engine)
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        await sync_builtin_templates(session)
        await load_demo(session, if_empty=False)
    print(f"{engine.dialect.name}: demo company loaded")
    for n in range(1, rounds + 1):
        async with sessions() as session:
            hr = await resolve_caller(session, EnforcerCache(), "demo", HR)
            cycle_id = (await session.execute(select(Cycle.id).limit(1))).scalar_one()
            started = time.perf_counter()
            sync = await plans.refresh_actuals(session, hr, cycle_id)
            sync_s = time.perf_counter() - started
            started = time.perf_counter()
            view, _ = await jobs.start_refresh_actuals(session, hr, cycle_id)
            if engine.dialect.name == "postgresql":
                await jobs.run_worker(engine, wait=False)
            else:
                await jobs.wait_in_process()
            job_s = time.perf_counter() - started
            row = (
                await session.execute(
                    select(Job).where(Job.id == view.id).execution_options(populate_existing=True)
                )
            ).scalar_one()
        print(
            f"round {n}: synchronous {sync_s * 1000:.0f} ms ({sync.updated} actuals); "
            f"job {job_s * 1000:.0f} ms, {row.status}, {row.done}/{row.total} parts, "
            f"result {row.result}"
        )
        assert row.result is not None
        assert row.result["updated"] == sync.updated
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'jobs.db'}"
        asyncio.run(main(normalize_database_url(url), args.rounds))
