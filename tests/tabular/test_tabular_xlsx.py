""".xlsx workbooks: choosing the sheet, row numbers, cells; both engines alike."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from perfloop.tabular import Columns, Engine, FileError, SheetError, open_table

ENGINES: list[Engine] = ["calamine", "openpyxl"]
ORG = Columns(
    {"employee_no": ["工号"], "name": ["姓名"], "hire_date": ["入职日期", "start_date"]},
    required=["employee_no", "name"],
)


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> Engine:
    engine: Engine = request.param
    return engine


def workbook(
    tmp_path: Path, sheets: dict[str, dict[str, Any]], hidden: tuple[str, ...] = ()
) -> Path:
    """Sheets of cells by reference (``{"B3": value}``), in order."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, cells in sheets.items():
        sheet = book.create_sheet(title)
        for ref, value in cells.items():
            sheet[ref] = value
        if title in hidden:
            sheet.sheet_state = "hidden"
    path = tmp_path / "org.xlsx"
    book.save(path)
    return path


INSTRUCTIONS = {"A1": "填写说明：每行一名员工", "A2": "日期格式：2026-10-15"}
DATA = {
    "A1": "工号",
    "B1": "姓名",
    "C1": "入职日期",
    "A2": "E001",
    "B2": "张三",
    "C2": dt.date(2026, 1, 5),
    "A4": "E002",
    "B4": "李四",
    "C4": dt.datetime(2026, 1, 5, 9, 30),
    "A5": " ",
}


def read(path: Path, **options: Any) -> tuple[str | None, list[tuple[int, list[Any]]]]:
    with open_table(path, **options) as table:
        return table.sheet, [(n, list(cells)) for n, cells in table]


def test_the_data_sheet_after_an_instructions_sheet_is_chosen(
    tmp_path: Path, engine: Engine
) -> None:
    path = workbook(tmp_path, {"说明": INSTRUCTIONS, "员工": DATA})
    with open_table(path, columns=ORG, engine=engine) as table:
        assert (table.sheet, table.sheets) == ("员工", ("说明", "员工"))
        assert table.header.row == 1
        assert table.header.positions == ((0, "employee_no"), (1, "name"), (2, "hire_date"))
        assert table.encoding is None
        rows = [(n, list(cells)) for n, cells in table]
    # row 3 and row 5 (spaces only) are blank: skipped, their numbers kept
    assert rows == [
        (2, ["E001", "张三", dt.date(2026, 1, 5)]),
        (4, ["E002", "李四", dt.datetime(2026, 1, 5, 9, 30)]),
    ]


def test_without_columns_the_first_non_empty_visible_sheet_is_read(
    tmp_path: Path, engine: Engine
) -> None:
    path = workbook(
        tmp_path, {"空": {}, "lists": {"A1": "x"}, "说明": INSTRUCTIONS, "员工": DATA}, ("lists",)
    )
    sheet, rows = read(path, engine=engine)
    assert sheet == "说明"
    assert rows == [(2, ["日期格式：2026-10-15"])]


@pytest.mark.parametrize("sheet", ["员工", " 员工 ", 2, "2"])
def test_a_sheet_by_name_or_by_its_position_from_one(
    tmp_path: Path, engine: Engine, sheet: str | int
) -> None:
    path = workbook(tmp_path, {"说明": INSTRUCTIONS, "员工": DATA})
    name, rows = read(path, sheet=sheet, engine=engine)
    assert name == "员工"
    assert [n for n, _ in rows] == [2, 4]


def test_a_named_sheet_is_read_even_when_hidden_or_not_matching(
    tmp_path: Path, engine: Engine
) -> None:
    path = workbook(tmp_path, {"说明": INSTRUCTIONS, "员工": DATA}, ("说明",))
    assert read(path, sheet=1, engine=engine) == ("说明", [(2, ["日期格式：2026-10-15"])])


@pytest.mark.parametrize("sheet", ["Sheet9", 0, 3, "3"])
def test_an_unknown_sheet_is_refused_listing_the_sheets(
    tmp_path: Path, engine: Engine, sheet: str | int
) -> None:
    path = workbook(tmp_path, {"说明": INSTRUCTIONS, "员工": DATA})
    with pytest.raises(SheetError) as caught:
        open_table(path, sheet=sheet, engine=engine)
    error = caught.value
    assert error.sheets == ("说明", "员工")
    assert f"has no sheet {sheet!r} (sheets: 1 '说明', 2 '员工'" in error.message
    assert "工作表：1 '说明', 2 '员工'" in error.message_zh


def test_no_sheet_with_the_expected_header_is_refused(tmp_path: Path, engine: Engine) -> None:
    path = workbook(tmp_path, {"说明": INSTRUCTIONS, "other": {"A1": "x", "A2": 1}})
    with pytest.raises(SheetError, match="no sheet starts with a header naming") as caught:
        open_table(path, columns=ORG, engine=engine)
    assert "employee_no (工号)" in caught.value.message
    assert "1 '说明', 2 'other'" in caught.value.message
    assert "请用 --sheet 指定" in caught.value.message_zh


def test_an_empty_workbook_is_refused(tmp_path: Path, engine: Engine) -> None:
    path = workbook(tmp_path, {"Sheet1": {}})
    with pytest.raises(SheetError, match="has no sheet with data"):
        open_table(path, engine=engine)
    with pytest.raises(FileError, match=r"'Sheet1'.* is empty"):
        open_table(path, sheet="Sheet1", engine=engine)


def test_a_header_only_sheet_yields_no_rows(tmp_path: Path, engine: Engine) -> None:
    path = workbook(tmp_path, {"员工": {"A1": "工号", "B1": "姓名"}})
    assert read(path, columns=ORG, engine=engine) == ("员工", [])


def test_rows_and_columns_keep_their_places_when_the_data_starts_lower_right(
    tmp_path: Path, engine: Engine
) -> None:
    cells = {"B3": "工号", "C3": "姓名", "B4": "E001", "C4": "张三", "C7": "王五"}
    path = workbook(tmp_path, {"员工": cells})
    with open_table(path, columns=ORG, engine=engine) as table:
        assert table.header.row == 3
        assert table.header.letter("name") == "C"
        rows = [(n, list(c)[:3]) for n, c in table]
    assert rows == [(4, [None, "E001", "张三"]), (7, [None, None, "王五"])]


def test_cell_values_are_the_same_with_either_engine(tmp_path: Path, engine: Engine) -> None:
    values = {
        "A1": "a",
        "A2": 1500,
        "B2": 2.5,
        "C2": True,
        "D2": dt.date(2026, 10, 15),
        "E2": dt.datetime(2026, 10, 15, 8, 0),
        "F2": "  text ",
        "H2": 46310,
    }
    path = workbook(tmp_path, {"s": values})
    _, rows = read(path, engine=engine)
    assert rows == [
        (
            2,
            [
                1500,
                2.5,
                True,
                dt.date(2026, 10, 15),
                dt.datetime(2026, 10, 15, 8),
                "  text ",
                None,
                46310,
            ],
        )
    ]
    assert type(rows[0][1][0]) is int


def test_a_file_that_is_not_a_workbook_is_refused(tmp_path: Path, engine: Engine) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_text("工号,姓名\n", encoding="utf-8")
    with pytest.raises(FileError, match=r"not a readable \.xlsx workbook"):
        open_table(path, engine=engine)


def _damaged(path: Path, change: Callable[[bytes], bytes | None]) -> Path:
    """A copy of the workbook at ``path`` with its first sheet's XML changed (None: left out)."""
    out = path.with_name("damaged.xlsx")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data: bytes | None = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = change(data)  # type: ignore[arg-type]
            if data is not None:
                target.writestr(item, data)
    return out


@pytest.mark.parametrize(
    "change",
    [lambda xml: xml[: len(xml) // 2], lambda xml: None],
    ids=["sheet XML cut short", "sheet missing from the archive"],
)
def test_a_damaged_workbook_is_a_file_error_however_far_the_damage_lies(
    tmp_path: Path, engine: Engine, change: Callable[[bytes], bytes | None]
) -> None:
    # given a workbook whose sheet is damaged past its header (openpyxl streams: it finds
    # the damage while the rows are read, calamine while the sheet is opened)
    rows = {f"A{n}": f"E{n:04d}" for n in range(2, 2000)} | {"A1": "工号", "B1": "姓名"}
    path = _damaged(workbook(tmp_path, {"员工": rows}), change)
    # when it is read, then the file is refused as a whole, saying which (openpyxl passes
    # over a sheet missing from the archive, so it finds no sheet with data)
    refused = r"damaged\.xlsx (is not a readable \.xlsx workbook|has no sheet with data)"
    with pytest.raises(FileError, match=refused):
        read(path, engine=engine, columns=ORG)


def test_auto_uses_streaming_openpyxl_above_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from perfloop.tabular import xlsx

    path = workbook(tmp_path, {"员工": DATA})
    assert type(xlsx.open_book(path)).__name__ == "_CalamineBook"
    monkeypatch.setattr(xlsx, "CALAMINE_LIMIT", 100)
    assert type(xlsx.open_book(path)).__name__ == "_OpenpyxlBook"
    assert read(path, columns=ORG)[1][0] == (2, ["E001", "张三", dt.date(2026, 1, 5)])
