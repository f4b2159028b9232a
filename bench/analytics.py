"""Analytics at company scale: a cycle's dashboard and trends, wall time and Python memory.

    .venv/bin/python bench/analytics.py [--people 10000] [--database-url URL]

Loads the demo company into a fresh SQLite file (or the PostgreSQL database given:
**its public schema is dropped and recreated**), adds ``--people`` employees with a
plan of four items and their actuals (``plan_report._company``) and a published result
each (a total and a band, written directly: the scoring run has its own bench), then
reads as HR: the company's dashboard, one department's, a trend of the company's root
unit and of one indicator over the cycle. Prints the wall time of each and (a second
read, under ``tracemalloc``) the peak of Python allocations.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import plan_report
from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from perfloop.authz import EnforcerCache
from perfloop.demo import load_demo
from perfloop.services import analytics
from perfloop.services.core.caller import Caller, resolve_caller
from perfloop.services.templates import sync_builtin_templates
from perfloop.settings import normalize_database_url
from perfloop.store import make_engine, make_sessionmaker, upgrade
from perfloop.store.core import utcnow
from perfloop.store.org import Employee, OrgUnit
from perfloop.store.plans import Scorecard
from perfloop.store.results import Result

HR = "hr@demo.perfloop.dev"
BANDS = ((95, "S"), (85, "A"), (70, "B"), (60, "C"), (0, "D"))
BATCH = 2_000


async def _results(sessions: async_sessionmaker[AsyncSession], cycle: int) -> None:
    """A published result for every plan of the cycle."""
    async with sessions() as session:
        plans = (
            await session.execute(
                select(Scorecard.id, Scorecard.tenant_id, Scorecard.employee_id).where(
                    Scorecard.cycle_id == cycle
                )
            )
        ).all()
        now = utcnow()
        for start in range(0, len(plans), BATCH):
            rows = []
            for card, tenant, employee in plans[start : start + BATCH]:
                total = float(40 + employee % 61)
                band = next(b for floor, b in BANDS if total >= floor)
                rows.append(
                    {"tenant_id": tenant, "cycle_id": cycle, "employee_id": employee,
                     "version": 1, "status": "published", "scorecard_id": card,
                     "scorecard_revision": 1, "scoring_ref": "standard-scoring@1",
                     "templates": {}, "inputs": {}, "kpi_part": total, "total": total,
                     "rating": band, "multiplier": 1.0, "explanation": {},
                     "published_at": now}
                )  # fmt: skip
            await session.execute(insert(Result), rows)
        await session.commit()


Read = Callable[[AsyncSession, Caller], Awaitable[Any]]


async def _measure(sessions: async_sessionmaker[AsyncSession], read: Read) -> tuple[float, int]:
    async with sessions() as session:
        hr = await resolve_caller(session, EnforcerCache(), "demo", HR)
        started = time.perf_counter()
        await read(session, hr)
        took = time.perf_counter() - started
    async with sessions() as session:
        hr = await resolve_caller(session, EnforcerCache(), "demo", HR)
        tracemalloc.start()
        await read(session, hr)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return took, peak


async def main(url: str, people: int) -> None:
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
    cycle = await plan_report._company(sessions, people)
    await _results(sessions, cycle)
    async with sessions() as session:
        tenant = (await session.execute(select(Employee.tenant_id).limit(1))).scalar_one()
        root = (
            await session.execute(
                select(OrgUnit.id).where(OrgUnit.tenant_id == tenant, OrgUnit.parent_id.is_(None))
            )
        ).scalar_one()
        department = (
            await session.execute(
                select(OrgUnit.id).where(OrgUnit.parent_id == root).order_by(OrgUnit.id).limit(1)
            )
        ).scalar_one()
    print(f"{engine.dialect.name}: demo company + {people:,} people × 4 items, a result each")
    reads: dict[str, Read] = {
        "dashboard, company": lambda s, c: analytics.dashboard(s, c, cycle, ranked=10),
        "dashboard, a department": lambda s, c: analytics.dashboard(
            s, c, cycle, org_unit_id=department, ranked=10
        ),
        "trend, the root unit": lambda s, c: analytics.trend(
            s, c, analytics.Subject(org_unit_id=root), cycle_id=cycle, last=1
        ),
        "trend, an indicator": lambda s, c: analytics.trend(
            s, c, analytics.Subject(indicator="revenue"), cycle_id=cycle, last=1
        ),
    }
    for name, read in reads.items():
        took, peak = await _measure(sessions, read)
        print(f"  {name:26} {took * 1000:8.0f} ms  peak {peak / 2**20:7.1f} MiB")
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = normalize_database_url(args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}")
        asyncio.run(main(url, args.people))
