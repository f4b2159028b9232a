"""Benchmark: dataset ingest against a raw driver insert of the same rows.

    .venv/bin/python bench/ingest.py                  # 1,000,000 rows, SQLite
    .venv/bin/python bench/ingest.py --rows 100000 --pg postgresql://postgres@127.0.0.1/bench

Generates a CSV of sales orders (7 fields, in order-date order as an export
from an order system is) and imports it into the built-in ``sales-orders@1``
dataset through ``perfloop.services.datasets.import_file`` — the code path of
``perfloop import dataset``: streaming read, type conversion, jsonschema-rs
validation, JSON encoding, idempotent batches stored with executemany (SQLite)
or COPY (PostgreSQL). Then it inserts the same rows into an empty copy of the
same table with the bare driver (sqlite3 ``executemany``; asyncpg
``copy_records_to_table``), timing only the driver calls, and prints both
rates and their ratio, and the peak memory. PostgreSQL runs when ``--pg`` or
PERFLOOP_TEST_DATABASE_URL is given, in a schema of its own that is dropped
afterwards.

Prints numbers; asserts nothing. Targets: >= 100,000 rows/s and >= 0.5x raw.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import json
import os
import resource
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

FIELDS = ["order_id", "owner_email", "customer_id", "order_date", "amount", "status", "deal_type"]
STATUSES = ["paid"] * 7 + ["pending", "refunded", "cancelled"]
DEALS = ["new", "expansion", "renewal"]
START = dt.date(2025, 1, 1)
COLUMNS = (
    "tenant_id",
    "dataset_key",
    "dataset_version",
    "record_key",
    "subject",
    "date",
    "data",
    "batch_id",
)


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


def raw_batches(path: Path, batch_size: int) -> Iterator[list[tuple[Any, ...]]]:
    """The same rows as the import stores, built outside the timed part."""
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    batch: list[tuple[Any, ...]] = []
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        next(reader)
        for oid, email, cust, day, amount, status, deal in reader:
            record = {
                "order_id": oid,
                "owner_email": email,
                "customer_id": cust,
                "order_date": day,
                "amount": float(amount),
                "status": status,
                "deal_type": deal,
            }
            batch.append((1, "sales-orders", 1, oid, email, day, encode(record), 1))
            if len(batch) == batch_size:
                yield batch
                batch = []
    if batch:
        yield batch


async def prepare_database(url: str, **engine_args: Any) -> Any:
    from perfloop.services.templates import sync_builtin_templates
    from perfloop.store import make_engine, make_sessionmaker, upgrade
    from perfloop.store.models import Tenant

    engine = make_engine(url, **engine_args)
    await upgrade(engine)
    async with make_sessionmaker(engine)() as session:
        await sync_builtin_templates(session)
        tenant = Tenant(slug="bench", name="bench")
        session.add(tenant)
        await session.commit()
    return engine


async def run_import(engine: Any, csv_path: Path, batch_size: int, workers: int) -> float:
    from sqlalchemy import select

    from perfloop.services.datasets import import_file
    from perfloop.store import make_sessionmaker
    from perfloop.store.models import Tenant

    samples: list[float] = []

    def on_batch(_: Any) -> None:
        samples.append(rss_mb())

    async with make_sessionmaker(engine)() as session:
        tenant_id = (
            await session.execute(select(Tenant.id).where(Tenant.slug == "bench"))
        ).scalar_one()
        await session.commit()
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
    assert report.ok, report
    assert report.inserted == report.received, report
    tenth = samples[len(samples) // 10] if samples else float("nan")
    print(
        f"  perfloop import   {report.inserted:>10,} rows in {took:6.2f} s = "
        f"{report.inserted / took:>9,.0f} rows/s  "
        f"(RSS after 10% of batches {tenth:.0f} MB, at the end {samples[-1]:.0f} MB)"
    )
    return report.inserted / took


def raw_sqlite(db: Path, csv_path: Path, batch_size: int) -> float:
    connection = sqlite3.connect(db)
    connection.execute("PRAGMA journal_mode=WAL")
    sql = (
        "INSERT INTO dataset_records (tenant_id, dataset_key, dataset_version, record_key, "
        "subject, date, data, batch_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    )
    spent, rows = 0.0, 0
    for batch in raw_batches(csv_path, batch_size):
        began = time.perf_counter()
        with connection:
            connection.executemany(sql, batch)
        spent += time.perf_counter() - began
        rows += len(batch)
    connection.close()
    print(f"  sqlite3 raw       {rows:>10,} rows in {spent:6.2f} s = {rows / spent:>9,.0f} rows/s")
    return rows / spent


async def raw_postgres(url: str, schema: str, csv_path: Path, batch_size: int) -> float:
    import asyncpg  # type: ignore[import-untyped]

    connection = await asyncpg.connect(url, server_settings={"search_path": schema})
    spent, rows = 0.0, 0
    try:
        for batch in raw_batches(csv_path, batch_size):
            records = [(*r[:5], dt.date.fromisoformat(r[5]), *r[6:]) for r in batch]
            began = time.perf_counter()
            async with connection.transaction():
                await connection.copy_records_to_table(
                    "dataset_records", records=records, columns=COLUMNS, schema_name=schema
                )
            spent += time.perf_counter() - began
            rows += len(batch)
    finally:
        await connection.close()
    print(f"  asyncpg COPY raw  {rows:>10,} rows in {spent:6.2f} s = {rows / spent:>9,.0f} rows/s")
    return rows / spent


def verdict(ours: float, raw: float) -> None:
    ratio = ours / raw
    good = ours >= 100_000 and ratio >= 0.5
    print(
        f"  ratio {ratio:.2f}x raw; target >= 100,000 rows/s and >= 0.5x: "
        f"{'met' if good else 'NOT met'}"
    )


async def bench_sqlite(tmp: Path, csv_path: Path, args: argparse.Namespace) -> None:
    print("SQLite")
    engine = await prepare_database(f"sqlite+aiosqlite:///{tmp / 'import.db'}")
    try:
        ours = await run_import(engine, csv_path, args.batch_size, args.workers)
    finally:
        await engine.dispose()
    raw_engine = await prepare_database(f"sqlite+aiosqlite:///{tmp / 'raw.db'}")
    await raw_engine.dispose()
    raw = raw_sqlite(tmp / "raw.db", csv_path, args.batch_size)
    verdict(ours, raw)


async def bench_postgres(url: str, csv_path: Path, args: argparse.Namespace) -> None:
    import asyncpg

    from perfloop.settings import normalize_database_url

    print("PostgreSQL")
    plain = url.replace("postgresql+asyncpg://", "postgresql://")
    results: dict[str, float] = {}
    for label in ("import", "raw"):
        schema = f"bench_ingest_{label}_{os.getpid()}"
        admin = await asyncpg.connect(plain)
        await admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            engine = await prepare_database(
                normalize_database_url(url),
                connect_args={"server_settings": {"search_path": schema}},
            )
            try:
                if label == "import":
                    results[label] = await run_import(
                        engine, csv_path, args.batch_size, args.workers
                    )
            finally:
                await engine.dispose()
            if label == "raw":
                results[label] = await raw_postgres(plain, schema, csv_path, args.batch_size)
        finally:
            await admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
            await admin.close()
    verdict(results["import"], results["raw"])


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=1, help="validation processes (0: none)")
    parser.add_argument("--pg", default=os.environ.get("PERFLOOP_TEST_DATABASE_URL"))
    parser.add_argument("--no-sqlite", action="store_true")
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
            await bench_sqlite(tmp, csv_path, args)
        if args.pg:
            await bench_postgres(args.pg, csv_path, args)
    print(
        f"peak RSS: this process {peak_mb():.0f} MB, "
        f"largest worker {peak_mb(resource.RUSAGE_CHILDREN):.0f} MB"
    )


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
