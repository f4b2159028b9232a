"""Benchmark: dataset ingest against a raw driver insert of the same rows.

    .venv/bin/python bench/ingest.py                  # 1,000,000 rows, SQLite
    .venv/bin/python bench/ingest.py --no-sqlite --repeat 3 \
        --pg postgresql://postgres@127.0.0.1/perfloop_bench

Generates a CSV of sales orders (7 fields, in order-date order as an export
from an order system is) and imports it into the built-in ``sales-orders@1``
dataset through ``perfloop.services.datasets.import_file`` — the code path of
``perfloop import dataset``: streaming read, type conversion, jsonschema-rs
validation, JSON encoding, idempotent batches stored with executemany (SQLite)
or binary COPY (PostgreSQL). Then it inserts the same rows (the same JSON text,
keys in the same order) into an empty copy of the same table — same columns,
same indexes — with the bare driver (sqlite3 ``executemany``; asyncpg
``copy_records_to_table``), timing only the driver calls, and prints both
rates and their ratio, the client CPU per row, and the peak memory.
PostgreSQL runs when ``--pg`` or PERFLOOP_TEST_DATABASE_URL is given, each run
in a schema of its own that is dropped afterwards, after a ``CHECKPOINT`` when
the user may issue one.

With ``--repeat N`` the import and the raw insert alternate N times (which
goes first alternates too), each into a fresh database or schema, and the
medians and the spread are printed: on a shared machine one run proves little.
``--index-cost`` adds a raw COPY into the table without its two secondary
indexes (the unique record key and the subject/date index), which shows what
they cost the server: most of the gap between a COPY into a bare table and
into this one.

Prints numbers; asserts nothing. Targets: >= 100,000 rows/s and >= 0.5x raw.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import datetime as dt
import json
import os
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

FIELDS = ["order_id", "owner_email", "customer_id", "order_date", "amount", "status", "deal_type"]
# the import sets a record's fields in the CSV's order for SQLite and in jsonb's
# key order (shorter first) for PostgreSQL; the raw insert sends the same text
JSONB_ORDER = sorted(FIELDS, key=lambda name: (len(name.encode()), name.encode()))
STATUSES = ["paid"] * 7 + ["pending", "refunded", "cancelled"]
DEALS = ["new", "expansion", "renewal"]
START = dt.date(2025, 1, 1)


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def generate(path: Path, rows: int) -> None:
    people = [f"sales{i:02d}@demo.perfloop.dev" for i in range(60)]
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(FIELDS)
        for i in range(rows):
            out.writerow(
                (
                    f"SO-{i:08d}",
                    people[(i * 7) % len(people)],
                    f"C{(i * 31) % 5003:05d}",
                    (START + dt.timedelta(days=i * 90 // rows)).isoformat(),
                    f"{((i * 7919) % 100000) / 10:.2f}",
                    STATUSES[i % len(STATUSES)],
                    DEALS[(i // 3) % len(DEALS)],
                )
            )


def raw_batches(path: Path, batch_size: int, order: list[str]) -> Iterator[list[tuple[Any, ...]]]:
    """The same rows as the import stores, built outside the timed part."""
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    batch: list[tuple[Any, ...]] = []
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        next(reader)
        for cells in reader:
            values: dict[str, Any] = dict(zip(FIELDS, cells, strict=True))
            amount = float(values["amount"])
            values["amount"] = int(amount) if amount.is_integer() else amount
            record = {name: values[name] for name in order}
            oid, email, day = cells[0], cells[1], cells[3]
            # in the import's column order (perfloop.ingest.pgcopy.COLUMNS)
            batch.append((1, 1, "sales-orders", 1, oid, email, day, encode(record)))
            if len(batch) == batch_size:
                yield batch
                batch = []
    if batch:
        yield batch


async def prepare_database(url: str, **engine_args: Any) -> Any:
    from perfloop.services.templates import sync_builtin_templates
    from perfloop.store import make_engine, make_sessionmaker, upgrade
    from perfloop.store.identity import Tenant

    engine = make_engine(url, **engine_args)
    await upgrade(engine)
    async with make_sessionmaker(engine)() as session:
        await sync_builtin_templates(session)
        tenant = Tenant(slug="bench", name="bench")
        session.add(tenant)
        await session.commit()
    return engine


def cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


async def run_import(engine: Any, csv_path: Path, batch_size: int, workers: int) -> float:
    from sqlalchemy import select

    from perfloop.services.datasets import import_file
    from perfloop.store import make_sessionmaker
    from perfloop.store.identity import Tenant

    samples: list[float] = []

    def on_batch(_: Any) -> None:
        samples.append(rss_mb())

    async with make_sessionmaker(engine)() as session:
        tenant_id = (
            await session.execute(select(Tenant.id).where(Tenant.slug == "bench"))
        ).scalar_one()
        await session.commit()
        mine, children = cpu_seconds(resource.RUSAGE_SELF), cpu_seconds(resource.RUSAGE_CHILDREN)
        began = time.perf_counter()
        report = await import_file(
            session,
            None,
            tenant_id,
            "sales-orders@1",
            csv_path,
            batch_size=batch_size,
            workers=workers,
            on_batch=on_batch,
        )
        took = time.perf_counter() - began
        mine = cpu_seconds(resource.RUSAGE_SELF) - mine
        children = cpu_seconds(resource.RUSAGE_CHILDREN) - children
    assert report.ok, report
    assert report.inserted == report.received, report
    rows = report.inserted
    tenth = samples[len(samples) // 10] if samples else float("nan")
    print(
        f"  perfloop import   {rows:>10,} rows in {took:6.2f} s = {rows / took:>9,.0f} rows/s  "
        f"(CPU/row: this process {mine / rows * 1e6:.1f} us, workers "
        f"{children / rows * 1e6:.1f} us; RSS after 10% of batches {tenth:.0f} MB, "
        f"at the end {samples[-1]:.0f} MB)"
    )
    return rows / took


def raw_sqlite(db: Path, csv_path: Path, batch_size: int) -> float:
    connection = sqlite3.connect(db)
    connection.execute("PRAGMA journal_mode=WAL")
    from perfloop.ingest.pgcopy import COLUMNS

    names, marks = ", ".join(COLUMNS), ", ".join("?" * len(COLUMNS))
    sql = f"INSERT INTO dataset_records ({names}) VALUES ({marks})"  # noqa: S608 (our columns)
    spent, rows = 0.0, 0
    for batch in raw_batches(csv_path, batch_size, FIELDS):
        began = time.perf_counter()
        with connection:
            connection.executemany(sql, batch)
        spent += time.perf_counter() - began
        rows += len(batch)
    connection.close()
    print(f"  sqlite3 raw       {rows:>10,} rows in {spent:6.2f} s = {rows / spent:>9,.0f} rows/s")
    return rows / spent


async def raw_postgres(
    url: str, schema: str, csv_path: Path, batch_size: int, label: str = "raw"
) -> float:
    import asyncpg  # type: ignore[import-untyped]

    from perfloop.ingest.pgcopy import COLUMNS

    connection = await asyncpg.connect(url, server_settings={"search_path": schema})
    spent, rows = 0.0, 0
    try:
        for batch in raw_batches(csv_path, batch_size, JSONB_ORDER):
            records = [(*r[:6], dt.date.fromisoformat(r[6]), r[7]) for r in batch]
            began = time.perf_counter()
            async with connection.transaction():
                await connection.copy_records_to_table(
                    "dataset_records", records=records, columns=COLUMNS, schema_name=schema
                )
            spent += time.perf_counter() - began
            rows += len(batch)
    finally:
        await connection.close()
    name, note = "asyncpg COPY raw", ""
    if label != "raw":
        name, note = "COPY raw, PK only", "  (no subject/date index, no unique record key)"
    print(f"  {name:<17} {rows:>10,} rows in {spent:6.2f} s = {rows / spent:>9,.0f} rows/s{note}")
    return rows / spent


def verdict(ours: float, ratio: float, prefix: str = "") -> None:
    good = ours >= 100_000 and ratio >= 0.5
    print(
        f"  {prefix}ratio {ratio:.2f}x raw; target >= 100,000 rows/s and >= 0.5x: "
        f"{'met' if good else 'NOT met'}"
    )


def summary(name: str, ours: list[float], raw: list[float]) -> None:
    if len(ours) < 2:
        return
    ratios = [o / r for o, r in zip(ours, raw, strict=True)]
    print(
        f"{name}, {len(ours)} alternating runs: import median {statistics.median(ours):,.0f} "
        f"rows/s (min {min(ours):,.0f}, max {max(ours):,.0f}); raw median "
        f"{statistics.median(raw):,.0f} (min {min(raw):,.0f}, max {max(raw):,.0f}); "
        f"ratio of each pair: min {min(ratios):.2f}x, max {max(ratios):.2f}x"
    )
    verdict(statistics.median(ours), statistics.median(ratios), "median import rate and ")


def remove_database(tmp: Path, name: str) -> None:
    for path in tmp.glob(f"{name}*"):  # with its -wal and -shm files
        path.unlink()


async def sqlite_import(tmp: Path, csv_path: Path, args: argparse.Namespace) -> float:
    db = tmp / "import.db"
    engine = await prepare_database(f"sqlite+aiosqlite:///{db}")
    try:
        return await run_import(engine, csv_path, args.batch_size, args.workers)
    finally:
        await engine.dispose()
        remove_database(tmp, "import.db")


async def sqlite_raw(tmp: Path, csv_path: Path, args: argparse.Namespace) -> float:
    engine = await prepare_database(f"sqlite+aiosqlite:///{tmp / 'raw.db'}")
    await engine.dispose()
    try:
        return raw_sqlite(tmp / "raw.db", csv_path, args.batch_size)
    finally:
        remove_database(tmp, "raw.db")


async def alternate(
    name: str,
    ours: Callable[[], Awaitable[float]],
    raw: Callable[[], Awaitable[float]],
    repeat: int,
) -> None:
    """Run the import and the raw insert ``repeat`` times each, taking turns
    at going first, and print each pair and the medians."""
    print(name)
    rates: dict[str, list[float]] = {"ours": [], "raw": []}
    for run in range(repeat):
        turns = [("ours", ours), ("raw", raw)]
        for label, contender in turns if run % 2 == 0 else reversed(turns):
            rates[label].append(await contender())
        verdict(rates["ours"][-1], rates["ours"][-1] / rates["raw"][-1])
    summary(name, rates["ours"], rates["raw"])


async def postgres_run(url: str, label: str, csv_path: Path, args: argparse.Namespace) -> float:
    import asyncpg

    from perfloop.settings import normalize_database_url

    plain = url.replace("postgresql+asyncpg://", "postgresql://")
    schema = f"bench_ingest_{label}_{os.getpid()}"
    admin = await asyncpg.connect(plain)
    await admin.execute(f'CREATE SCHEMA "{schema}"')
    with contextlib.suppress(asyncpg.InsufficientPrivilegeError):
        # every run starts after a checkpoint: one that begins during a run
        # makes the next write of each page log the whole page, slowing
        # whichever contender it happens to fall on
        await admin.execute("CHECKPOINT")
    try:
        engine = await prepare_database(
            normalize_database_url(url),
            connect_args={"server_settings": {"search_path": schema}},
        )
        try:
            if label == "import":
                return await run_import(engine, csv_path, args.batch_size, args.workers)
        finally:
            await engine.dispose()
        if label == "unindexed":  # the table as it would be without the two secondary indexes
            await admin.execute(
                f'DROP INDEX "{schema}".ix_dataset_records_subject_date;'
                f'ALTER TABLE "{schema}".dataset_records '
                "DROP CONSTRAINT uq_dataset_records_tenant_id_dataset_key_record_key"
            )
        return await raw_postgres(plain, schema, csv_path, args.batch_size, label)
    finally:
        await admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=1, help="validation processes (0: none)")
    parser.add_argument("--pg", default=os.environ.get("PERFLOOP_TEST_DATABASE_URL"))
    parser.add_argument("--repeat", type=int, default=1, help="alternating runs of each")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument(
        "--index-cost",
        action="store_true",
        help="PostgreSQL: also COPY raw into the table without its two secondary indexes",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="perfloop-bench-") as name:
        tmp = Path(name)
        csv_path = tmp / "sales-orders.csv"
        began = time.perf_counter()
        generate(csv_path, args.rows)
        size = csv_path.stat().st_size / 1e6
        print(
            f"{args.rows:,} sales orders, 7 fields, {size:.0f} MB CSV "
            f"(generated in {time.perf_counter() - began:.1f} s); batches of "
            f"{args.batch_size:,}, {args.workers} validation worker(s), {os.cpu_count()} CPUs"
        )
        if not args.no_sqlite:
            await alternate(
                "SQLite",
                lambda: sqlite_import(tmp, csv_path, args),
                lambda: sqlite_raw(tmp, csv_path, args),
                args.repeat,
            )
        if args.pg:
            url = args.pg
            await alternate(
                "PostgreSQL",
                lambda: postgres_run(url, "import", csv_path, args),
                lambda: postgres_run(url, "raw", csv_path, args),
                args.repeat,
            )
            if args.index_cost:
                await postgres_run(url, "unindexed", csv_path, args)
    print(
        f"peak RSS: this process {peak_mb():.0f} MB, "
        f"largest worker {peak_mb(resource.RUSAGE_CHILDREN):.0f} MB"
    )


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
