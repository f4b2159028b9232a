"""A payout list and the exports of a company of 10,000 people: the time they take and
the memory they hold.

    .venv/bin/python bench/payouts_export.py \\
        [--database-url postgresql://postgres@127.0.0.1:5432/bench_payouts] [--people 10000]

Without ``--database-url`` it runs on SQLite (a temporary file). It builds the company
and its signed plans and reviews as ``bench/score_cycle.py`` does, runs the scoring and
publishes the results, and sets a base amount per grade (the build is not one of the
figures). Then, as HR:

- **generate**: ``payouts.generate`` (the results read and the lines written in
  batches, the standard scoring's multiplier by rating);
- **export**: ``exports.export`` of the payout list and of the results, to .xlsx and
  to CSV in a temporary folder, with the file sizes;
- **memory** (``--memory``, a separate run: tracemalloc slows Python several times):
  the peak of Python's allocations during each, which stays flat with the number of
  people when the rows stream.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale
import score_cycle

from perfloop.authz import EnforcerCache
from perfloop.services import exports, jobs, payouts, results
from perfloop.services.core.caller import resolve_caller
from perfloop.settings import normalize_database_url
from perfloop.store import make_engine, make_sessionmaker, upgrade
from perfloop.store.org import Employee


def _trace(memory: bool) -> None:
    if memory:
        tracemalloc.start()


def _peak(memory: bool) -> float:
    """Peak MB since _trace (tracemalloc slows Python several times: timings are taken
    in a run without it, ``--memory`` measures the memory only)."""
    if not memory:
        return float("nan")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


async def main(url: str, people: int, folder: Path, memory: bool) -> None:
    if url.startswith("postgresql"):
        await scale.reset_postgres(url)
    engine = make_engine(url)
    dialect = engine.dialect.name
    await upgrade(engine)
    started = time.perf_counter()
    company = await scale.build(engine, people)
    await score_cycle.plans_and_reviews(engine, company.cycle_id)
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        hr = await resolve_caller(session, EnforcerCache(), scale.SLUG, company.hr)
        await jobs.start_scoring_run(session, hr, company.cycle_id)
    if dialect == "postgresql":
        await jobs.run_worker(engine, wait=False)
    else:
        await jobs.wait_in_process()
    async with sessions() as session:
        published = await results.publish(session, hr, company.cycle_id, None)
        grades = set((await session.execute(select(Employee.grade).distinct())).scalars())
        for n, grade in enumerate(sorted(grades)):
            await payouts.set_base_amount(session, hr, "grade", grade, Decimal(8000 + 1000 * n))
    print(f"{dialect}: {people:,} people, {published:,} results published, "
          f"built in {time.perf_counter() - started:.1f} s")  # fmt: skip
    async with sessions() as session:
        _trace(memory)
        started = time.perf_counter()
        done = await payouts.generate(session, hr, company.cycle_id)
        seconds = time.perf_counter() - started
        peak = _peak(memory)
    print(f"generate: {seconds:.2f} s for {done.view.people:,} lines "
          f"(total {done.view.amount}); peak {peak:.1f} MB")  # fmt: skip
    for key in ("payouts", "results"):
        for fmt in ("xlsx", "csv"):
            path = folder / f"{key}.{fmt}"
            async with sessions() as session:
                _trace(memory)
                started = time.perf_counter()
                with path.open("wb") as out:
                    written = await exports.export(
                        session, hr, key, exports.ExportQuery(company.cycle_id), fmt, out
                    )
                seconds = time.perf_counter() - started
                peak = _peak(memory)
            print(f"export {key} {fmt}: {seconds:.2f} s, {written.rows:,} rows, "
                  f"{path.stat().st_size / 1e6:.1f} MB file; peak {peak:.1f} MB")  # fmt: skip
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--memory", action="store_true", help="peak memory (slow timings)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'payouts.db'}"
        asyncio.run(main(normalize_database_url(url), args.people, Path(folder), args.memory))
