"""A plugin metric against the built-in dataset aggregation of the same number, on a
company of 10,000 people.

    .venv/bin/python bench/plugins.py \\
        [--database-url postgresql://postgres@127.0.0.1:5432/bench_plugins] \\
        [--people 10000] [--repeat 3]

Without ``--database-url`` it runs on SQLite (a temporary file); the PostgreSQL
database is created if missing and its ``public`` schema dropped and recreated. It
builds the company as ``bench/scale.py`` does (departments of about 400 people, 20
sales orders per person in the quarter so far, the standard app, the quarter open) and
gives every person a signed plan of one item (``INSERT … SELECT``; the build is not one
of the figures). Then HR refreshes the whole company's actuals
(``plans.refresh_actuals``, one transaction), the item's source being in turn:

- **built-in**: ``{"type": "dataset", "dataset": "sales-orders@1", "op": "sum",
  "field": "amount", "filter": status = paid}``, computed in SQL (one ``GROUP BY``);
- **plugin**: the first-party ``sales.revenue`` (perfloop-sales), which loads the
  period's orders of every person and adds the paid ones up in Python; the metric cache
  is emptied first, so it computes;
- **cached**: ``sales.revenue`` again on the same data, answered by ``metric_cache``.

Each is the median of ``--repeat`` refreshes. It checks that both sources give every
person the same value, and prints the seconds, plugin ÷ built-in and cached ÷ plugin.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale

from perfloop.authz import EnforcerCache
from perfloop.plugins import get_registry
from perfloop.services import plans
from perfloop.services.core.caller import Caller, resolve_caller
from perfloop.settings import normalize_database_url
from perfloop.store import make_engine, make_sessionmaker, upgrade
from perfloop.store.plans import Actual, MetricCacheEntry, ScorecardItem

BUILTIN: dict[str, Any] = {
    "type": "dataset", "dataset": "sales-orders@1", "op": "sum", "field": "amount",
    "filter": [{"field": "status", "op": "eq", "value": "paid"}],
}  # fmt: skip
PLUGIN: dict[str, Any] = {"type": "plugin", "plugin": "sales", "metric": "revenue", "params": {}}


async def plans_of_one_item(engine: AsyncEngine, cycle_id: int) -> None:
    """Every person's signed plan with the one item ``revenue``."""
    as_json = "CAST(:source AS jsonb)" if engine.dialect.name == "postgresql" else ":source"
    now = dt.datetime.now(dt.UTC)
    async with make_sessionmaker(engine)() as session:
        tenant = (
            await session.execute(
                text("SELECT tenant_id FROM cycles WHERE id = :c"), {"c": cycle_id}
            )
        ).scalar_one()
        common = {"t": tenant, "c": cycle_id, "now": now}
        await session.execute(
            text(
                "INSERT INTO scorecards (tenant_id, cycle_id, employee_id, scoring_ref, status,"
                " revision, employee_signed_at, manager_signed_at, created_at, updated_at)"
                " SELECT tenant_id, :c, id, 'standard-scoring@1', 'signed', 1, :now, :now,"
                " :now, :now FROM employees WHERE tenant_id = :t"
            ),
            common,
        )
        await session.execute(
            text(
                "INSERT INTO scorecard_items (tenant_id, scorecard_id, position, key, title,"  # noqa: S608 (fixed)
                " direction, source, target, weight) SELECT tenant_id, id, 0, 'revenue',"
                f" 'Revenue', 'higher', {as_json}, 100000, 100 FROM scorecards"
                " WHERE cycle_id = :c"
            ),
            {**common, "source": json.dumps(BUILTIN)},
        )
        await session.commit()
    await scale._analyze(engine)


async def _use(engine: AsyncEngine, source: dict[str, Any], *, clear_cache: bool) -> None:
    async with make_sessionmaker(engine)() as session:
        await session.execute(update(ScorecardItem).values(source=source))
        if clear_cache:
            await session.execute(delete(MetricCacheEntry))
        await session.commit()


async def _refresh(engine: AsyncEngine, hr: Caller, cycle_id: int) -> float:
    async with make_sessionmaker(engine)() as session:
        started = time.perf_counter()
        done = await plans.refresh_actuals(session, hr, cycle_id)
        seconds = time.perf_counter() - started
    assert done.failed == [], done.failed[:3]
    return seconds


async def _actuals(engine: AsyncEngine) -> dict[int, float | None]:
    async with make_sessionmaker(engine)() as session:
        return dict((await session.execute(select(Actual.item_id, Actual.value))).all())


async def main(url: str, people: int, repeat: int) -> None:
    if get_registry().provider("sales", "revenue") is None:
        raise SystemExit("perfloop-sales is not installed (make install-dev installs it)")
    if url.startswith("postgresql"):
        await scale.reset_postgres(url)
    engine = make_engine(url)
    dialect = engine.dialect.name
    await upgrade(engine)
    started = time.perf_counter()
    company = await scale.build(engine, people)
    await plans_of_one_item(engine, company.cycle_id)
    print(f"{dialect}: {people:,} people × {scale.ORDERS} orders, plans of one item built "
          f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
    async with make_sessionmaker(engine)() as session:
        hr = await resolve_caller(session, EnforcerCache(), scale.SLUG, company.hr)
    timings: dict[str, list[float]] = {"built-in": [], "plugin": [], "cached": []}
    for _ in range(repeat):
        await _use(engine, BUILTIN, clear_cache=False)
        timings["built-in"].append(await _refresh(engine, hr, company.cycle_id))
        builtin_values = await _actuals(engine)
        await _use(engine, PLUGIN, clear_cache=True)
        timings["plugin"].append(await _refresh(engine, hr, company.cycle_id))
        plugin_values = await _actuals(engine)
        timings["cached"].append(await _refresh(engine, hr, company.cycle_id))
        assert plugin_values == builtin_values, "the two sources disagree"
        assert len(plugin_values) == people
        assert all(plugin_values.values())
    median = {what: statistics.median(seconds) for what, seconds in timings.items()}
    for what, seconds in median.items():
        print(
            f"{what}: {seconds:.2f} s (median of {repeat}; "
            f"{seconds / people * 1e6:.0f} µs a person)"
        )
    print(f"ratio plugin / built-in: {median['plugin'] / median['built-in']:.2f}")
    print(f"ratio cached / plugin: {median['cached'] / median['plugin']:.2f}")
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'plugins.db'}"
        asyncio.run(main(normalize_database_url(url), args.people, args.repeat))
