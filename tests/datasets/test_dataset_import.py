"""Importing CSV and .xlsx files: typed cells, per-row errors, resumable batches."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from dataset_helpers import HR, NORTH_LEAD, caller_for
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from perfloop.cli.main import app
from perfloop.services import datasets
from perfloop.services.core.errors import ServiceError
from perfloop.services.datasets import batches as store
from perfloop.services.datasets import records
from perfloop.store.datasets import DatasetBatch, DatasetRecord

Publish = Callable[[], Awaitable[str]]
HEADER = ["order_id", "owner_email", "customer_id", "order_date", "amount", "status", "deal_type"]


def write_csv(path: Path, rows: list[list[Any]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(header)
        out.writerows(rows)
    return path


def orders(count: int, start: int = 0) -> list[list[Any]]:
    return [
        [f"SO-{i:05d}", NORTH_LEAD, f"C{i}", f"2025-01-{1 + i % 28:02d}", f"{i}.5", "paid", "new"]
        for i in range(start, start + count)
    ]


async def count_records(session: AsyncSession, dataset: str) -> int:
    query = select(func.count()).where(DatasetRecord.dataset_key == dataset.split("@")[0])
    return int((await session.execute(query)).scalar_one())


async def test_csv_cells_are_converted_and_bad_cells_name_row_and_column(
    session: AsyncSession, publish_dataset: Publish, tmp_path: Path
) -> None:
    dataset = await publish_dataset()
    hr = await caller_for(session, HR)
    rows = orders(3)
    rows[1][4] = "lots"  # spreadsheet row 3: amount is not a number
    rows[2][6] = "gift"  # row 4: not one of the deal types
    path = write_csv(tmp_path / "orders.csv", rows)
    report = await datasets.import_file(session, hr, 0, dataset, path, batch_size=10, workers=0)
    assert (report.rejected, report.inserted, report.invalid_rows) == (1, 0, 2)
    assert [(e.row, e.field) for e in report.errors] == [(3, "amount"), (4, "deal_type")]
    assert "'lots' is not a number" in report.errors[0].message
    assert await count_records(session, dataset) == 0
    # fixed, the file imports, and amounts are numbers in the stored JSON
    rows[1][4], rows[2][6] = "1,200", "renewal"
    report = await datasets.import_file(
        session, hr, 0, dataset, write_csv(path, rows), batch_size=10, workers=0
    )
    assert (report.committed, report.inserted) == (1, 3)
    stored = (
        await session.execute(
            select(DatasetRecord.data).where(
                DatasetRecord.record_key == "SO-00001",
                DatasetRecord.dataset_key == dataset.split("@")[0],
            )
        )
    ).scalar_one()
    assert stored["amount"] == 1200


async def test_header_must_match_the_dataset(
    session: AsyncSession, publish_dataset: Publish, tmp_path: Path
) -> None:
    dataset = await publish_dataset()
    hr = await caller_for(session, HR)
    path = write_csv(tmp_path / "x.csv", [], header=[*HEADER[:-1], "colour"])
    with pytest.raises(ServiceError) as info:
        await datasets.import_file(session, hr, 0, dataset, path, workers=0)
    assert "'colour'" in info.value.errors[0].message


async def test_import_resumes_after_a_failure_mid_file(
    session: AsyncSession,
    publish_dataset: Publish,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a file of 5 batches, and a store that crashes on the third
    dataset = await publish_dataset()
    hr = await caller_for(session, HR)
    path = write_csv(tmp_path / "orders.csv", orders(50))
    real_store = store.store_batch
    calls = 0

    async def crashing(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise ConnectionError("the database went away")
        return await real_store(*args, **kwargs)

    monkeypatch.setattr(records, "store_batch", crashing)  # where import_file looks it up
    with pytest.raises(ConnectionError):
        await datasets.import_file(session, hr, 0, dataset, path, batch_size=10, workers=0)
    await session.rollback()
    assert await count_records(session, dataset) == 20
    # when the same file is imported again
    monkeypatch.setattr(records, "store_batch", real_store)
    report = await datasets.import_file(session, hr, 0, dataset, path, batch_size=10, workers=0)
    # then the two committed batches are skipped and the rest stored, once
    assert (report.replayed, report.committed, report.inserted) == (2, 3, 30)
    assert await count_records(session, dataset) == 50
    keys = (
        (
            await session.execute(
                select(DatasetBatch.batch_key).where(
                    DatasetBatch.dataset_key == dataset.split("@")[0]
                )
            )
        )
        .scalars()
        .all()
    )
    assert len(keys) == len(set(keys)) == 5
    # and a third run stores nothing
    again = await datasets.import_file(session, hr, 0, dataset, path, batch_size=10, workers=0)
    assert (again.replayed, again.inserted) == (5, 0)


async def test_batches_are_stored_and_reported_in_file_order(
    session: AsyncSession, publish_dataset: Publish, tmp_path: Path
) -> None:
    # given batches of 10: the second repeats half of the first's keys, the
    # third has a bad cell (on PostgreSQL the second is written while the
    # first commits, and must wait for that commit to see its keys)
    dataset = await publish_dataset()
    hr = await caller_for(session, HR)
    rows = [*orders(10), *orders(10, start=5), *orders(10, start=20), *orders(10, start=30)]
    rows[25][4] = "lots"
    seen: list[tuple[str, str, int, int]] = []
    report = await datasets.import_file(
        session,
        hr,
        0,
        dataset,
        write_csv(tmp_path / "orders.csv", rows),
        batch_size=10,
        workers=0,
        on_batch=lambda o: seen.append((o.batch_key[-2:], o.status, o.inserted, o.skipped)),
    )
    assert seen == [
        ("00", "committed", 10, 0),
        ("01", "committed", 5, 5),
        ("02", "rejected", 0, 0),
        ("03", "committed", 10, 0),
    ]
    assert (report.committed, report.rejected, report.inserted, report.skipped) == (3, 1, 25, 5)
    assert await count_records(session, dataset) == 25


async def test_a_worker_process_prepares_the_same_batches(
    session: AsyncSession, publish_dataset: Publish, tmp_path: Path
) -> None:
    dataset = await publish_dataset()
    hr = await caller_for(session, HR)
    rows = orders(35)
    rows[12][3] = "2025-02-30"
    path = write_csv(tmp_path / "orders.csv", rows)
    report = await datasets.import_file(session, hr, 0, dataset, path, batch_size=10, workers=2)
    assert (report.batches, report.committed, report.rejected, report.inserted) == (4, 3, 1, 25)
    assert [(e.row, e.field) for e in report.errors] == [(14, "order_date")]


def test_cli_imports_csv_and_xlsx_and_skips_what_is_committed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    monkeypatch.setenv("PERFLOOP_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["demo", "load"]).exit_code == 0
    # a CSV of 25 orders in batches of 10
    path = write_csv(tmp_path / "orders.csv", orders(25))
    first = runner.invoke(
        app, ["import", "dataset", "sales-orders", str(path), "--batch-size", "10"]
    )
    assert first.exit_code == 0, first.output
    assert "3 committed" in first.output
    assert "25 record(s) stored" in first.output
    again = runner.invoke(
        app, ["import", "dataset", "sales-orders@1", str(path), "--batch-size", "10"]
    )
    assert again.exit_code == 0, again.output
    assert "3 already imported" in again.output
    assert "0 record(s) stored" in again.output
    # an .xlsx with typed cells (a real date, a number, an integer id)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append([9001, NORTH_LEAD, "C1", dt.datetime(2025, 3, 1), 99.5, "paid", "renewal"])
    sheet.append(["SO-9002", NORTH_LEAD, "C2", "2025-03-02", "oops", "paid", "new"])
    xlsx = tmp_path / "orders.xlsx"
    book.save(xlsx)
    bad = runner.invoke(app, ["import", "dataset", "sales-orders", str(xlsx), "--user", HR])
    assert bad.exit_code == 1
    assert "row 3, amount" in bad.output
    assert "1 rejected" in bad.output
    sheet.cell(row=3, column=5, value=12)
    book.save(xlsx)
    good = runner.invoke(app, ["import", "dataset", "sales-orders", str(xlsx), "--user", HR])
    assert good.exit_code == 0, good.output
    assert "2 record(s) stored" in good.output
    # an employee may not import
    denied = runner.invoke(
        app,
        ["import", "dataset", "sales-orders", str(xlsx), "--user", "employee@demo.perfloop.dev"],
    )
    assert denied.exit_code == 1
    assert "may not ingest" in denied.output
