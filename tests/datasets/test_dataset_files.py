"""Dataset files as users send them, read by perfloop.tabular: GBK CSV files,
Chinese dates, workbooks with an instructions tab, ``--sheet``, ``--encoding``,
a file with only a header. Through the service (both databases) and the CLI."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from dataset_helpers import HR, NORTH_LEAD, caller_for
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from perfloop.cli.main import app
from perfloop.services import datasets
from perfloop.services.core.errors import ServiceError
from perfloop.settings import get_settings
from perfloop.store.datasets import DatasetRecord
from perfloop.tabular import DATE_FORMS_ZH

Publish = Callable[[], Awaitable[str]]
HEADER = ["order_id", "owner_email", "customer_id", "order_date", "amount", "status", "deal_type"]
runner = CliRunner()


def write_csv(path: Path, rows: list[list[Any]], encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as f:
        out = csv.writer(f)
        out.writerow(HEADER)
        out.writerows(rows)
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    """Sheets in tab order, each a list of rows (the header included when wanted)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def order(order_id: str, day: Any = "2025-03-01", customer: str = "客户甲") -> list[Any]:
    return [order_id, NORTH_LEAD, customer, day, "100", "paid", "new"]


INSTRUCTIONS = [["填写说明"], ["每行一笔订单；日期可写 2026年10月15日"], ["Fill one order per row"]]


async def stored(session: AsyncSession, dataset: str) -> dict[str, dict[str, Any]]:
    rows = await session.execute(
        select(DatasetRecord.record_key, DatasetRecord.data).where(
            DatasetRecord.dataset_key == dataset.split("@")[0]
        )
    )
    return {row.record_key: row.data for row in rows}


# -- the service, on SQLite and PostgreSQL ----------------------------------------------


async def test_a_gbk_csv_with_chinese_and_slashed_dates_stores_iso_dates(
    session: AsyncSession, publish_dataset: Publish, tmp_path: Path
) -> None:
    # given a CSV saved by Excel on a Chinese Windows (GBK), dates in several forms
    dataset = await publish_dataset()
    hr = await caller_for(session, HR)
    rows = [
        order("G1", "2026年10月15日", "华北客户"),
        order("G2", "2026/10/5"),
        order("G3", "2026.1.2"),
        order("G4", "20261016"),
        order("G5", "2026-10-17"),
    ]
    path = write_csv(tmp_path / "orders.csv", rows, encoding="gbk")
    # when it is imported without saying its encoding
    report = await datasets.import_file(session, hr, 0, dataset, path, workers=0)
    # then it is read as GBK and the dates are stored as YYYY-MM-DD
    assert (report.committed, report.inserted, report.errors) == (1, 5, [])
    records = await stored(session, dataset)
    assert {k: v["order_date"] for k, v in records.items()} == {
        "G1": "2026-10-15",
        "G2": "2026-10-05",
        "G3": "2026-01-02",
        "G4": "2026-10-16",
        "G5": "2026-10-17",
    }
    assert records["G1"]["customer_id"] == "华北客户"


async def test_xlsx_dates_in_every_form_are_stored_as_iso(
    session: AsyncSession, publish_dataset: Publish, tmp_path: Path
) -> None:
    dataset = await publish_dataset()
    hr = await caller_for(session, HR)
    path = write_xlsx(
        tmp_path / "orders.xlsx",
        {
            "订单": [
                HEADER,
                order("X1", dt.datetime(2026, 10, 15)),
                order("X2", "2026年10月16日"),
                order("X3", 46312),  # an Excel serial in a cell that lost its date format
            ]
        },
    )
    report = await datasets.import_file(session, hr, 0, dataset, path, workers=0)
    assert (report.inserted, report.errors) == (3, [])
    records = await stored(session, dataset)
    assert [records[k]["order_date"] for k in ("X1", "X2", "X3")] == [
        "2026-10-15",
        "2026-10-16",
        "2026-10-17",
    ]


async def test_a_bad_date_names_row_and_column_and_the_accepted_forms(
    session: AsyncSession, publish_dataset: Publish, tmp_path: Path
) -> None:
    dataset = await publish_dataset()
    hr = await caller_for(session, HR)
    rows = [order("B1"), order("B2", "next friday"), order("B3", "2026年2月30日")]
    path = write_csv(tmp_path / "orders.csv", rows)
    report = await datasets.import_file(session, hr, 0, dataset, path, workers=0)
    assert report.rejected == 1
    assert [(e.row, e.field) for e in report.errors] == [(3, "order_date"), (4, "order_date")]
    first, second = (e.message for e in report.errors)
    assert "'next friday' is not a date" in first
    for form in ("2026-10-15", "2026/10/15", "2026年10月15日", "20261015"):
        assert form in first
    assert DATE_FORMS_ZH in first  # and in Chinese
    assert "no such day" in second


async def test_workbooks_are_read_from_the_data_sheet_or_the_one_named(
    session: AsyncSession, publish_dataset: Publish, tmp_path: Path
) -> None:
    dataset = await publish_dataset()
    hr = await caller_for(session, HR)
    path = write_xlsx(
        tmp_path / "orders.xlsx",
        {
            "说明": INSTRUCTIONS,
            "一月": [HEADER, order("W1"), order("W2")],
            "二月": [HEADER, order("W3")],
        },
    )
    # by default the first sheet whose header names fields: the instructions are passed over
    report = await datasets.import_file(session, hr, 0, dataset, path, workers=0)
    assert report.inserted == 2
    # a sheet by position (counted from 1) or by name
    by_number = await datasets.import_file(session, hr, 0, dataset, path, sheet=3, workers=0)
    assert by_number.inserted == 1
    by_name = await datasets.import_file(session, hr, 0, dataset, path, sheet="二月", workers=0)
    assert (by_name.inserted, by_name.skipped) == (0, 1)  # W3 is there already
    assert set(await stored(session, dataset)) == {"W1", "W2", "W3"}
    # an unknown sheet is refused, listing the sheets
    with pytest.raises(ServiceError) as info:
        await datasets.import_file(session, hr, 0, dataset, path, sheet="三月", workers=0)
    message = info.value.errors[0].message
    assert "no sheet '三月'" in message
    assert "1 '说明', 2 '一月', 3 '二月'" in message


async def test_a_header_only_file_stores_nothing_and_is_not_an_error(
    session: AsyncSession, publish_dataset: Publish, tmp_path: Path
) -> None:
    dataset = await publish_dataset()
    hr = await caller_for(session, HR)
    for path in (
        write_csv(tmp_path / "empty.csv", []),
        write_xlsx(tmp_path / "empty.xlsx", {"订单": [HEADER]}),
    ):
        report = await datasets.import_file(session, hr, 0, dataset, path, workers=2)
        assert report.ok
        assert (report.batches, report.received, report.inserted) == (0, 0, 0)


async def test_a_worker_process_reads_a_gbk_file_and_reports_its_problems(
    session: AsyncSession, publish_dataset: Publish, tmp_path: Path
) -> None:
    dataset = await publish_dataset()
    hr = await caller_for(session, HR)
    gbk = write_csv(tmp_path / "orders.csv", [order("P1", "2026年1月5日")], encoding="gbk")
    report = await datasets.import_file(session, hr, 0, dataset, gbk, workers=1)
    assert report.inserted == 1
    # a file-level problem found in a worker arrives whole, in both languages
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("order_id,colour\nX,red\n", encoding="utf-8")
    with pytest.raises(ServiceError) as info:
        await datasets.import_file(session, hr, 0, dataset, wrong, workers=1)
    message = info.value.errors[0].message
    assert "'colour'" in message
    assert "表头" in message


# -- the command line -----------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A SQLite database with the demo tenant, shared by this module's CLI tests."""
    folder = tmp_path_factory.mktemp("dataset-cli")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PERFLOOP_DATABASE_URL", f"sqlite+aiosqlite:///{folder / 'cli.db'}")
        get_settings.cache_clear()
        assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
        assert runner.invoke(app, ["demo", "load"]).exit_code == 0
        yield folder
    get_settings.cache_clear()


def imported(*args: str) -> Any:
    return runner.invoke(app, ["import", "dataset", "sales-orders", *args])


def test_cli_detects_gbk_and_takes_an_encoding(cli_database: Path) -> None:
    gbk = write_csv(cli_database / "gbk.csv", [order("C-GBK", "2026年10月15日")], encoding="gbk")
    # detected by default
    result = imported(str(gbk))
    assert result.exit_code == 0, result.output
    assert "1 record(s) stored" in result.output
    # a wrong --encoding: the file is refused, naming the line and the option
    wrong = imported(str(gbk), "--encoding", "utf-8")
    assert wrong.exit_code == 1
    assert "line 2 is not valid utf-8 text" in wrong.output
    assert "--encoding gb18030" in wrong.output
    # the right one given explicitly
    again = write_csv(cli_database / "gbk2.csv", [order("C-GBK2", "2026/10/16")], encoding="gbk")
    given = imported(str(again), "--encoding", "gbk")
    assert given.exit_code == 0, given.output
    assert "1 record(s) stored" in given.output
    # an encoding that does not exist
    unknown = imported(str(again), "--encoding", "klingon")
    assert unknown.exit_code == 1
    assert "not an encoding known" in unknown.output


def test_cli_reads_a_sheet_by_name_or_number(cli_database: Path) -> None:
    path = write_xlsx(
        cli_database / "months.xlsx",
        {
            "说明": INSTRUCTIONS,
            "一月": [HEADER, order("C-JAN")],
            "二月": [HEADER, order("C-FEB1"), order("C-FEB2")],
        },
    )
    first = imported(str(path))
    assert first.exit_code == 0, first.output
    assert "1 record(s) stored" in first.output  # 一月: the first data sheet
    by_number = imported(str(path), "--sheet", "3")
    assert by_number.exit_code == 0, by_number.output
    assert "2 record(s) stored" in by_number.output
    by_name = imported(str(path), "--sheet", "二月", "--batch-size", "1")
    assert by_name.exit_code == 0, by_name.output
    assert "2 already present" in by_name.output
    missing = imported(str(path), "--sheet", "9")
    assert missing.exit_code == 1
    assert "no sheet '9'" in missing.output


def test_cli_header_only_and_bad_dates(cli_database: Path) -> None:
    empty = imported(str(write_csv(cli_database / "empty.csv", [])))
    assert empty.exit_code == 0, empty.output
    assert "0 batch(es)" in empty.output
    assert "no rows below its header" in empty.output
    bad = imported(str(write_csv(cli_database / "bad.csv", [order("C-BAD", "15/10/2026")])))
    assert bad.exit_code == 1
    assert "row 2, order_date" in bad.output
    assert "'15/10/2026' is not a date; accepted: 2026-10-15" in bad.output
    assert "2026年10月15日" in bad.output
