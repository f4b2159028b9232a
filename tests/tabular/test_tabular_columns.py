"""Header rows: aliases in Chinese and English, normalisation, problems reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfloop.tabular import (
    CellError,
    Columns,
    HeaderError,
    column_letter,
    normalize_header,
    open_table,
    parse_date,
)

ORG = Columns(
    {
        "employee_no": ["工号", "emp_no"],
        "name": ["姓名"],
        "email": ["邮箱", "e-mail"],
        "hire_date": ["入职日期", "start_date"],
    },
    required=["employee_no", "name", "email"],
)


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 1, 25, 26, 27, 701, 702)] == [
        "A",
        "B",
        "Z",
        "AA",
        "AB",
        "ZZ",
        "AAA",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Employee No ", "employee_no"),
        ("employee-no", "employee_no"),
        ("ＥＭＰＬＯＹＥＥ＿ＮＯ", "employee_no"),
        ("\ufeffEmail", "email"),
        ("Start  -  Date", "start_date"),
        ("入职日期", "入职日期"),
        (None, ""),
    ],
)
def test_normalize_header(text: str | None, expected: str) -> None:
    assert normalize_header(text) == expected


def test_chinese_and_english_aliases_name_the_canonical_columns() -> None:
    header = ORG.match(["工号", " Name ", "E-Mail", "Start Date", ""], row=2)
    assert header.fields == ("employee_no", "name", "email", "hire_date", None)
    assert header.positions[0] == (0, "employee_no")
    assert header.letter("hire_date") == "D"
    assert header.letter("status") == ""
    assert header.record(["E1", "张三", "a@b.c"]) == {
        "employee_no": "E1",
        "name": "张三",
        "email": "a@b.c",
        "hire_date": None,
    }


def test_every_header_problem_is_reported_with_its_letter() -> None:
    with pytest.raises(HeaderError) as caught:
        ORG.match(["工号", "emp_no", "姓名", "部门"], row=3, path=Path("org.csv"))
    error = caught.value
    assert error.row == 3
    assert [(p.kind, p.column, p.letters) for p in error.problems] == [
        ("unknown", "部门", ("D",)),
        ("repeated", "employee_no", ("A", "B")),
        ("missing", "email", ()),
    ]
    assert error.message.startswith("org.csv: the header (row 3) has problems:")
    assert "column D '部门' is not one of: employee_no (工号, emp_no), name (姓名)" in error.message
    assert "column employee_no appears more than once: A '工号', B 'emp_no'" in error.message
    assert "required column email (邮箱, e-mail) is missing" in error.message
    assert "表头（第 3 行）有问题" in error.message_zh
    assert "第 D 列“部门”不是可识别的列" in error.message_zh
    assert "列 employee_no 出现了多次：A 列“工号”、B 列“emp_no”" in error.message_zh
    assert "缺少必填列 email (邮箱, e-mail)" in error.message_zh


def test_unknown_columns_may_be_ignored_and_are_listed() -> None:
    lenient = Columns(ORG.aliases, required=ORG.required, unknown="ignore")
    header = lenient.match(["工号", "姓名", "邮箱", "部门"])
    assert header.fields[3] is None
    assert header.unknown == (("D", "部门"),)


def test_names_without_aliases_serve_a_dataset() -> None:
    fields = Columns(["order_id", "amount", "orderDate"], required=["order_id"])
    header = fields.match(["Order ID", "amount", "orderdate"])
    assert header.fields == ("order_id", "amount", "orderDate")
    with pytest.raises(HeaderError, match="column C 'qty' is not one of: order_id, amount"):
        fields.match(["order_id", "amount", "qty"])


def test_aliases_that_would_name_two_columns_are_refused() -> None:
    with pytest.raises(ValueError, match="would name both"):
        Columns({"a": ["x"], "b": ["X "]})
    with pytest.raises(ValueError, match="are not columns"):
        Columns(["a"], required=["b"])


def test_a_header_problem_in_a_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "org.csv"
    path.write_text("工号,姓名\nE1,张三\n", encoding="utf-8")
    with pytest.raises(HeaderError, match=r"org\.csv: the header \(row 1\).*email"):
        open_table(path, columns=ORG)


def test_a_cell_error_names_row_column_and_letter() -> None:
    header = ORG.match(["工号", "姓名", "邮箱", "入职日期"], row=1)
    try:
        parse_date("someday")
    except ValueError as exc:
        error = header.cell_error(7, "hire_date", exc)  # type: ignore[arg-type]
    assert isinstance(error, CellError)
    assert (error.row, error.column, error.letter) == (7, "hire_date", "D")
    assert str(error).startswith("row 7, column D (hire_date): 'someday' is not a date")
    assert "第 7 行 D 列（hire_date）：“someday”不是日期" in str(error)
    plain = header.cell_error(8, "email", "is empty", "为空")
    assert str(plain) == "row 8, column C (email): is empty / 第 8 行 C 列（email）：为空"
