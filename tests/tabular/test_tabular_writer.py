"""The writer every export uses: .xlsx and CSV read back as a user's spreadsheet would
read them — Chinese text intact, numbers numeric, dates as dates, text never a formula."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest

from perfloop.tabular import write_table

HEADERS = ["姓名", "金额", "系数", "日期", "时间", "备注"]
ROWS = [
    ["张三", Decimal("18000.75"), 1.5, dt.date(2026, 3, 31),
     dt.datetime(2026, 4, 1, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))), "=1+1"],
    ["李四\x01", Decimal("0.00"), float("nan"), None, None, "-3 天"],
]  # fmt: skip


def test_xlsx_keeps_types_and_never_writes_a_formula() -> None:
    # when the rows are written as .xlsx
    out = io.BytesIO()
    assert write_table(out, "xlsx", HEADERS, ROWS, sheet_title="发放/名单") == 2
    # then openpyxl reads the same values back with their types
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    assert sheet is not None
    assert sheet.title == "发放 名单"
    header, first, second = list(sheet.iter_rows(values_only=True))
    assert list(header) == HEADERS
    assert first[:4] == ("张三", 18000.75, 1.5, dt.datetime(2026, 3, 31))
    assert first[4] == dt.datetime(2026, 4, 1, 0, 30)  # in UTC
    assert first[5] == "=1+1"
    assert sheet["F2"].data_type == "s"
    assert sheet["B2"].number_format == "#,##0.00"
    assert sheet["D2"].is_date
    assert second[:3] == ("李四", 0, None)  # a control character dropped, NaN empty


def test_csv_has_a_bom_plain_numbers_and_no_formula_starts() -> None:
    # when the rows are written as CSV
    out = io.BytesIO()
    write_table(out, "csv", HEADERS, ROWS)
    body = out.getvalue()
    # then it starts with the UTF-8 BOM and reads back as UTF-8
    assert body.startswith(b"\xef\xbb\xbf")
    header, first, second = csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""))
    assert header == HEADERS
    assert first == ["张三", "18000.75", "1.5", "2026-03-31", "2026-04-01 00:30:00", "'=1+1"]
    assert second[1:3] == ["0.00", ""]
    assert second[5] == "'-3 天"
    assert b"\r\n" in body
    assert not out.closed  # the caller's stream stays open


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown format 'ods'"):
        write_table(io.BytesIO(), "ods", HEADERS, ROWS)
