"""planReport at company scale: wall time and Python memory of one page.

    .venv/bin/python bench/plan_report.py [--people 20000] [--database-url URL]
        [--compare-with OLD_REPORTS_PY]

Loads the demo company into a fresh SQLite file (or the PostgreSQL database given:
**its public schema is dropped and recreated**), adds ``--people`` employees spread
over the demo's org units, each with a plan of four items and an actual for each
item, then reads the first page (20 rows) of HR's report by org unit, and by org
unit and indicator. Prints the wall time and (in a second read) the peak of Python
allocations (``tracemalloc``) of each. ``--compare-with`` loads another ``reports.py`` (e.g.
the one before the report was paged in SQL, from ``git show``) and measures its
``plan_report`` the same way, checking that both pages hold the same rows.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import importlib.util
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from perfloop.authz import EnforcerCache
from perfloop.demo import load_demo
from perfloop.services import plans
from perfloop.services.core.caller import resolve_caller
from perfloop.services.templates import sync_builtin_templates
from perfloop.settings import normalize_database_url
from perfloop.store import make_engine, make_sessionmaker, upgrade
from perfloop.store.cycles import Cycle
from perfloop.store.identity import Tenant
from perfloop.store.org import Employee, OrgUnit
from perfloop.store.plans import Actual, Scorecard, ScorecardItem

HR = "hr@demo.perfloop.dev"
ITEMS = (("revenue", "higher", "sum", 1000.0), ("calls", "lower", "avg", 50.0),
         ("nps", "higher", "avg", 70.0), ("crm", "higher", None, 95.0))  # fmt: skip
BATCH = 2_000


async def _company(sessions: async_sessionmaker[AsyncSession], people: int) -> int:
    """Add ``people`` employees with plans and actuals to the demo's first cycle."""
    async with sessions() as session:
        tenant = (await session.execute(select(Tenant.id).where(Tenant.slug == "demo"))).scalar()
        units = list(
            (await session.execute(select(OrgUnit.id).where(OrgUnit.tenant_id == tenant))).scalars()
        )
        cycle = (await session.execute(select(Cycle).where(Cycle.tenant_id == tenant))).scalar()
        assert tenant is not None
        assert cycle is not None
        for start in range(0, people, BATCH):
            count = min(BATCH, people - start)
            employees = [
                {"tenant_id": tenant, "org_unit_id": units[n % len(units)],
                 "employee_no": f"B{n:07d}", "name": f"Bench {n}", "email": f"b{n}@bench.test",
                 "position": "Staff", "grade": "P3", "hire_date": dt.date(2020, 1, 1)}
                for n in range(start, start + count)
            ]  # fmt: skip
            ids = (
                await session.execute(insert(Employee).returning(Employee.id), employees)
            ).scalars()
            cards = [
                {"tenant_id": tenant, "cycle_id": cycle.id, "employee_id": e,
                 "scoring_ref": "standard-scoring@1", "status": "draft", "revision": 1}
                for e in ids
            ]  # fmt: skip
            card_ids = list(
                (await session.execute(insert(Scorecard).returning(Scorecard.id), cards)).scalars()
            )
            items = [
                {"tenant_id": tenant, "scorecard_id": c, "position": p, "key": key,
                 "title": key, "indicator_key": key, "direction": direction,
                 "aggregation": aggregation, "source": {"type": "manual"}, "target": target,
                 "weight": 25.0}
                for c in card_ids
                for p, (key, direction, aggregation, target) in enumerate(ITEMS)
            ]  # fmt: skip
            item_ids = list(
                (
                    await session.execute(insert(ScorecardItem).returning(ScorecardItem.id), items)
                ).scalars()
            )
            actuals = [
                {"tenant_id": tenant, "item_id": i, "period_start": cycle.starts_on,
                 "period_end": cycle.ends_on, "value": float(i % 97), "source": "manual"}
                for i in item_ids
            ]  # fmt: skip
            await session.execute(insert(Actual), actuals)
            await session.commit()
        cycle_id: int = cycle.id
        return cycle_id


def _load(path: str) -> Any:
    spec = importlib.util.spec_from_file_location("old_reports", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


async def _measure(sessions: Any, report: Any, cycle: int, by: list[str]) -> tuple[Any, float, int]:
    """The page, its wall time (untraced), and the peak of Python allocations (a second
    read, under tracemalloc, which slows Python down several times)."""
    async with sessions() as session:
        hr = await resolve_caller(session, EnforcerCache(), "demo", HR)
        started = time.perf_counter()
        page = await report(session, hr, cycle, by, first=20)
        took = time.perf_counter() - started
    async with sessions() as session:
        hr = await resolve_caller(session, EnforcerCache(), "demo", HR)
        tracemalloc.start()
        await report(session, hr, cycle, by, first=20)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return page, took, peak


async def main(url: str, people: int, compare_with: str | None) -> None:
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
    cycle = await _company(sessions, people)
    print(f"{engine.dialect.name}: demo company + {people:,} people × {len(ITEMS)} items")
    ways = [("now", plans.plan_report)]
    if compare_with:
        ways.append(("compared", _load(compare_with).plan_report))
    for by in (["org_unit"], ["org_unit", "indicator"]):
        pages = {}
        for name, report in ways:
            page, took, peak = await _measure(sessions, report, cycle, by)
            pages[name] = [(r.org_unit_id, r.indicator_key, r.people, r.items, r.behind)
                           for r in page.items]  # fmt: skip
            print(f"  {'+'.join(by):20} {name:9} {took * 1000:8.0f} ms  "
                  f"peak {peak / 2**20:7.1f} MiB  {page.total_count} rows")  # fmt: skip
        if len(pages) == 2:
            assert pages["now"] == pages["compared"], "the two reports' pages differ"
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--database-url")
    parser.add_argument("--compare-with")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = normalize_database_url(args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}")
        asyncio.run(main(url, args.people, args.compare_with))
