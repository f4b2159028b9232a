"""CSV files: encodings (given and detected), rows and their numbers, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfloop.tabular import Columns, DecodeError, FileError, detect_encoding, open_table

ROWS = [["工号", "姓名", "部门"], ["E001", "张三", "销售部"], ["E002", "李四", "研发部"]]
TEXT = "".join(",".join(row) + "\r\n" for row in ROWS)


def write(tmp_path: Path, data: bytes, name: str = "people.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def read_all(path: Path, **options: object) -> tuple[str | None, list[tuple[int, list[str]]]]:
    with open_table(path, **options) as table:  # type: ignore[arg-type]
        header = [table.header.texts]
        return table.encoding, [(table.header.row, list(header[0]))] + [
            (n, list(cells)) for n, cells in table
        ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("gbk"), "gb18030"),
        ((TEXT + "E003,䶮,研发部\r\n").encode("gb18030"), "gb18030"),
    ],
    ids=["utf-8", "utf-8-bom", "gbk", "gb18030"],
)
def test_the_encoding_is_detected_and_reported(tmp_path: Path, data: bytes, expected: str) -> None:
    path = write(tmp_path, data)
    encoding, rows = read_all(path)
    assert encoding == expected
    assert rows[:3] == [(1, ROWS[0]), (2, ROWS[1]), (3, ROWS[2])]  # no BOM in the first header
    with open_table(path) as table:
        assert table.encoding_detected


def test_a_short_gbk_file_is_not_taken_for_korean(tmp_path: Path) -> None:
    # charset-normalizer alone calls these few bytes cp949
    path = write(tmp_path, "姓名\n王五\n".encode("gbk"))
    assert detect_encoding(path) == "gb18030"
    assert read_all(path)[1] == [(1, ["姓名"]), (2, ["王五"])]


def test_a_few_chinese_words_among_ascii_are_gbk_not_korean(tmp_path: Path) -> None:
    # charset-normalizer calls this cp949 and finds GB18030 a little less plausible
    rows = [
        ["order_id", "owner_email", "customer_id", "order_date", "amount"],
        ["G1", "sales-north.lead@demo.perfloop.dev", "华北客户", "2026年10月15日", "100"],
        ["G3", "sales-north.lead@demo.perfloop.dev", "客户甲", "2026.1.2", "100"],
        ["G4", "sales-north.lead@demo.perfloop.dev", "客户甲", "20261016", "100"],
    ]
    path = write(tmp_path, "".join(",".join(r) + "\r\n" for r in rows).encode("gbk"))
    assert detect_encoding(path) == "gb18030"
    assert read_all(path)[1][1] == (2, rows[1])


def test_a_character_cut_at_the_sample_boundary_does_not_mislead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("perfloop.tabular.encoding.SAMPLE_BYTES", 20)
    line = "E001,张三三三\n".encode()  # 20 bytes would end inside a character
    path = write(tmp_path, "工号,姓名\n".encode() + line * 5)
    assert detect_encoding(path) == "utf-8"
    no_newline = write(tmp_path, ("张" * 40).encode(), "one-line.csv")
    assert detect_encoding(no_newline) == "utf-8"


def test_an_explicit_encoding_is_used(tmp_path: Path) -> None:
    path = write(tmp_path, TEXT.encode("gbk"))
    encoding, rows = read_all(path, encoding="gbk")
    assert encoding == "gbk"
    assert rows[1] == (2, ROWS[1])
    with open_table(path, encoding="gbk") as table:
        assert not table.encoding_detected


def test_utf8_given_for_a_file_with_a_bom_drops_the_bom(tmp_path: Path) -> None:
    path = write(tmp_path, b"\xef\xbb\xbf" + TEXT.encode())
    encoding, rows = read_all(path, encoding="utf-8")
    assert encoding == "utf-8-sig"
    assert rows[0] == (1, ROWS[0])


def test_an_unknown_encoding_name_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, TEXT.encode())
    with pytest.raises(FileError, match="not an encoding known") as caught:
        open_table(path, encoding="klingon")
    assert "不是可识别的编码" in str(caught.value)


def test_bytes_not_in_the_given_encoding_name_file_line_and_encoding(tmp_path: Path) -> None:
    good = "".join(f"E{i:03d},name{i},dept\n" for i in range(5000)).encode()
    path = write(tmp_path, b"id,name,dept\n" + good + "E999,张三,销售\n".encode("gbk"))
    with open_table(path, encoding="utf-8") as table, pytest.raises(DecodeError) as caught:
        for _ in table:
            pass
    error = caught.value
    assert (error.encoding, error.line, error.path) == ("utf-8", 5002, path)
    assert "people.csv: line 5002 is not valid utf-8 text" in error.message
    assert "--encoding gb18030" in error.message
    assert "第 5002 行" in error.message_zh
    assert "--encoding" in error.message_zh


def test_a_wrong_guess_from_the_sample_is_reported_while_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("perfloop.tabular.encoding.SAMPLE_BYTES", 64)
    path = write(tmp_path, b"a,b\n" + b"x,y\n" * 40 + "张,三\n".encode("gbk"))
    assert detect_encoding(path) == "utf-8"
    with pytest.raises(DecodeError, match="line 42") as caught, open_table(path) as table:
        list(table)
    assert caught.value.encoding == "utf-8"


def test_blank_rows_are_skipped_and_keep_their_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, b'\n , \na,b\nx,1\n\n,\n  ,\ny,2\n"multi\nline",3\nz,4\n')
    with open_table(path) as table:
        assert table.header.row == 3
        assert table.header.fields == ("a", "b")
        assert list(table) == [
            (4, ["x", "1"]),
            (8, ["y", "2"]),
            (9, ["multi\nline", "3"]),
            (10, ["z", "4"]),
        ]


def test_cells_are_raw_text(tmp_path: Path) -> None:
    path = write(tmp_path, b"a,b\n x ,1.50\n")
    with open_table(path) as table:
        assert list(table) == [(2, [" x ", "1.50"])]


def test_a_header_only_file_yields_no_rows(tmp_path: Path) -> None:
    path = write(tmp_path, "工号,姓名\r\n\r\n".encode())
    with open_table(path, columns=Columns({"employee_no": ["工号"], "name": ["姓名"]})) as table:
        assert table.header.positions == ((0, "employee_no"), (1, "name"))
        assert list(table) == []


@pytest.mark.parametrize("data", [b"", b"\n\n , \n"], ids=["empty", "blank"])
def test_a_file_without_a_header_is_refused(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(FileError, match="empty: its first row must name the columns") as caught:
        open_table(write(tmp_path, data))
    assert "第一行应为列名" in caught.value.message_zh


@pytest.mark.parametrize("name", ["people.xls", "people.txt", "people"])
def test_other_suffixes_are_refused(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, TEXT.encode(), name)
    with pytest.raises(FileError, match=r"only \.csv and \.xlsx files can be read") as caught:
        open_table(path)
    assert "只能读取 .csv 和 .xlsx 文件" in caught.value.message_zh
    assert ("save an .xls workbook as .xlsx" in caught.value.message) == name.endswith(".xls")


def test_a_missing_file_is_a_file_error(tmp_path: Path) -> None:
    with pytest.raises(FileError, match="no such file"):
        open_table(tmp_path / "nowhere.csv")


def test_a_binary_file_is_not_taken_for_text(tmp_path: Path) -> None:
    path = write(tmp_path, bytes(range(256)) * 64)
    with pytest.raises(FileError, match="is not text in any encoding known"):
        open_table(path)
