"""Importing an org chart from CSV and .xlsx: happy paths, per-row errors, nothing half written."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

if TYPE_CHECKING:
    from support.company import Company
from perfloop.services.org import ImportFailed, import_org, read_table
from perfloop.store.core import AuditEvent
from perfloop.store.identity import Tenant
from perfloop.store.org import Employee, OrgUnit, Position

HEADER = [
    "employee_no", "name", "email", "org_unit_code", "org_unit_name", "parent_unit_code",
    "position", "grade", "hire_date", "manager_email",
]  # fmt: skip


def _rows(company: Company) -> list[list[str]]:
    return [
        ["M001", "销售总监", "boss@imp.test", "x-sales", "销售部", "co", "销售总监", "M3",
         "2019-04-01", company.email("exec")],
        ["M002", "华东组长", "east.lead@imp.test", "x-sales-east", "华东组", "x-sales", "组长",
         "M1", "2021-06-15", "boss@imp.test"],
        ["M003", "王小明", "xm.wang@imp.test", "x-sales-east", "", "", "销售代表", "P3",
         "2024/03/01", "east.lead@imp.test"],
        # an existing employee, moved into the new team with a new grade
        ["N004", "Emp", company.email("emp"), "x-sales-east", "", "", "销售代表", "P4",
         "2020-01-01", "east.lead@imp.test"],
    ]  # fmt: skip


def _csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _xlsx(path: Path, rows: list[list[str]], header: list[str]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


async def _tenant_id(session: AsyncSession, company: Company) -> int:
    found = await session.execute(select(Tenant.id).where(Tenant.slug == company.slug))
    return found.scalar_one()


async def _counts(session: AsyncSession, tenant_id: int) -> tuple[int, int, int]:
    counts = []
    for model in (OrgUnit, Employee, Position):
        query = select(func.count()).select_from(model).where(model.tenant_id == tenant_id)
        counts.append((await session.execute(query)).scalar_one())
    return counts[0], counts[1], counts[2]


async def test_csv_import_creates_and_updates(
    company: Company, session: AsyncSession, tmp_path: Path
) -> None:
    # given a CSV with a new department, a new team, two new people and one existing person
    tenant_id = await _tenant_id(session, company)
    rows = read_table(_csv(tmp_path / "org.csv", _rows(company)))
    # when it is imported
    report = await import_org(session, tenant_id, rows, source="org.csv")
    # then units, positions and people are there, wired to each other
    assert (report.units_created, report.employees_created, report.employees_updated) == (2, 3, 1)
    assert report.positions_created == 3
    session.expire_all()
    units = {
        u.code: u
        for u in (await session.execute(select(OrgUnit).where(OrgUnit.tenant_id == tenant_id)))
        .scalars()
        .all()
    }
    assert units["x-sales"].parent_id == units["co"].id
    assert (
        units["x-sales-east"].path
        == f"{units['co'].path}{units['x-sales'].id}/{units['x-sales-east'].id}/"
    )
    people = {
        e.email: e
        for e in (await session.execute(select(Employee).where(Employee.tenant_id == tenant_id)))
        .scalars()
        .all()
    }
    assert people["xm.wang@imp.test"].manager_id == people["east.lead@imp.test"].id
    assert people["boss@imp.test"].manager_id == company.people["exec"]
    moved = people[company.email("emp")]
    assert (moved.org_unit_id, moved.grade, moved.position) == (
        units["x-sales-east"].id,
        "P4",
        "销售代表",
    )
    assert str(people["xm.wang@imp.test"].hire_date) == "2024-03-01"
    # and the import is audited once
    events = await session.execute(
        select(AuditEvent.after).where(
            AuditEvent.tenant_id == tenant_id, AuditEvent.action == "org.import"
        )
    )
    assert [e["employees_created"] for e in events.scalars()] == [3]
    # and importing the same file again only updates
    again = await import_org(session, tenant_id, rows)
    assert (again.units_created, again.employees_created, again.employees_updated) == (0, 0, 4)


async def test_xlsx_import_with_chinese_headers(
    company: Company, session: AsyncSession, tmp_path: Path
) -> None:
    tenant_id = await _tenant_id(session, company)
    header = ["工号", "姓名", "邮箱", "部门编码", "部门名称", "上级部门编码", "职位", "职级",
              "入职日期", "上级邮箱"]  # fmt: skip
    import datetime as dt

    rows: list[list[object]] = [
        ["X01", "李雷", "li.lei@imp.test", "x-rd", "研发部", "co", "工程师", "P5",
         dt.datetime(2022, 5, 9), ""],
        ["X02", "韩梅梅", "han.mm@imp.test", "x-rd", "", "", "工程师", 4, "2023-07-01",
         "li.lei@imp.test"],
    ]  # fmt: skip
    table = read_table(_xlsx(tmp_path / "org.xlsx", rows, header))  # type: ignore[arg-type]
    report = await import_org(session, tenant_id, table)
    assert (report.units_created, report.employees_created) == (1, 2)
    han = (
        await session.execute(select(Employee).where(Employee.email == "han.mm@imp.test"))
    ).scalar_one()
    assert (han.grade, str(han.hire_date)) == ("4", "2023-07-01")


async def test_bad_rows_are_all_reported_and_nothing_is_written(
    company: Company, session: AsyncSession, tmp_path: Path
) -> None:
    # given a file with several bad rows among good ones
    tenant_id = await _tenant_id(session, company)
    before = await _counts(session, tenant_id)
    good = _rows(company)
    bad = [
        *good[:2],
        ["B001", "", "not-an-email", "x-sales-east", "", "", "销售代表", "P3", "someday", ""],
        ["M001", "重复", "dup@imp.test", "ghost", "", "", "销售代表", "P3", "2024-01-01", ""],
        ["B003", "无上级", "b3@imp.test", "x-sales-east", "", "", "销售代表", "P3", "2024-01-01",
         "nobody@imp.test"],
        ["B004", "怪部门", "b4@imp.test", "loop-a", "环A", "loop-b", "x", "P3", "2024-01-01", ""],
        ["B005", "怪部门", "b5@imp.test", "loop-b", "环B", "loop-a", "x", "P3", "2024-01-01", ""],
    ]  # fmt: skip
    rows = read_table(_csv(tmp_path / "bad.csv", bad))
    # when it is imported
    with pytest.raises(ImportFailed) as failed:
        await import_org(session, tenant_id, rows)
    # then every problem is reported with its row and column
    found = {(e.row, e.column) for e in failed.value.row_errors}
    assert {
        (4, "name"),
        (4, "email"),
        (4, "hire_date"),
        (5, "employee_no"),
        (5, "org_unit_name"),
        (6, "manager_email"),
    } <= found
    assert any(
        e.column == "parent_unit_code" and "subtree" in e.message for e in failed.value.row_errors
    )
    # and nothing was written, not even the good rows
    session.expire_all()
    assert await _counts(session, tenant_id) == before


async def test_manager_loops_in_the_file_are_reported(
    company: Company, session: AsyncSession
) -> None:
    tenant_id = await _tenant_id(session, company)
    base = {"org_unit_code": "t1", "position": "Staff", "grade": "P3", "hire_date": "2024-01-01"}
    a = {**base, "employee_no": "L1", "name": "a", "email": "a@imp.test"}
    b = {**base, "employee_no": "L2", "name": "b", "email": "b@imp.test"}
    rows = [(2, {**a, "manager_email": "b@imp.test"}), (3, {**b, "manager_email": "a@imp.test"})]
    with pytest.raises(ImportFailed) as failed:
        await import_org(session, tenant_id, rows)
    assert {(e.row, e.column) for e in failed.value.row_errors} == {
        (2, "manager_email"),
        (3, "manager_email"),
    }


async def test_missing_columns_are_reported(company: Company, session: AsyncSession) -> None:
    tenant_id = await _tenant_id(session, company)
    with pytest.raises(ImportFailed) as failed:
        await import_org(session, tenant_id, [(2, {"name": "x", "email": "x@imp.test"})])
    assert {e.column for e in failed.value.row_errors} == {
        "employee_no", "org_unit_code", "position", "grade", "hire_date",
    }  # fmt: skip


def test_the_command_imports_and_reports_row_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from perfloop.cli import app
    from perfloop.settings import get_settings

    # given a fresh database with the demo tenant
    monkeypatch.setenv("PERFLOOP_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["demo", "load"]).exit_code == 0
    # when a good file is imported
    lead = "sales-north.lead@demo.perfloop.dev"
    rows = [["Z01", "赵一", "zhao.yi@demo.perfloop.dev", "sales-north", "", "",
             "Sales Representative", "P3", "2025-09-01", lead]]  # fmt: skip
    good = runner.invoke(
        app, ["import", "org", str(_csv(tmp_path / "good.csv", rows)), "--tenant", "demo"]
    )
    # then it reports what it did
    assert good.exit_code == 0, good.output
    assert "1 employee(s) created" in good.output
    # when a bad file is imported, every problem is listed and the exit code is 1
    bad_rows = [
        ["Z02", "", "bad", "sales-north", "", "", "x", "P3", "someday", ""],
        ["Z03", "钱二", "qian@x.test", "ghost", "", "", "x", "P3", "2025-01-01", ""],
    ]
    bad = runner.invoke(
        app, ["import", "org", str(_csv(tmp_path / "bad.csv", bad_rows)), "--tenant", "demo"]
    )
    assert bad.exit_code == 1
    for text in ("nothing was imported", "hire_date", "org_unit_name"):
        assert text in bad.output
    # and an unknown tenant or a missing file are usage errors
    assert (
        runner.invoke(
            app, ["import", "org", str(tmp_path / "good.csv"), "--tenant", "nope"]
        ).exit_code
        == 2
    )
    assert runner.invoke(app, ["import", "org", str(tmp_path / "missing.csv")]).exit_code == 2
    get_settings.cache_clear()


# ---------------------------------------------------------------- files as users send them

INSTRUCTIONS = [["填写说明"], ["每行一名员工；入职日期可写 2026年10月15日"]]


def _book(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """A workbook of sheets in tab order, each a list of rows."""
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def _person(no: str, hire: object, unit: str = "co") -> list[object]:
    return [no, f"员工{no}", f"{no.lower()}@imp.test", unit, "", "", "销售代表", "P3", hire, ""]


async def test_a_gbk_csv_with_chinese_dates_imports(
    company: Company, session: AsyncSession, tmp_path: Path
) -> None:
    # given a CSV saved as GBK with Chinese headers and dates in several forms
    tenant_id = await _tenant_id(session, company)
    header = ["工号", "姓名", "邮箱", "部门编码", "部门名称", "上级部门编码", "职位", "职级",
              "入职日期", "上级邮箱"]  # fmt: skip
    rows = [
        _person("G01", "2026年10月15日"),
        _person("G02", "2026/3/1"),
        _person("G03", "2026.01.05"),
    ]
    path = tmp_path / "org.csv"
    with path.open("w", encoding="gbk", newline="") as f:
        csv.writer(f).writerows([header, *rows])
    # when it is read without saying its encoding, and imported
    table = read_table(path)
    assert table.encoding == "gb18030"
    report = await import_org(session, tenant_id, table)
    # then the names and dates are right
    assert report.employees_created == 3
    people = {
        e.employee_no: e
        for e in (await session.execute(select(Employee).where(Employee.tenant_id == tenant_id)))
        .scalars()
        .all()
    }
    assert people["G01"].name == "员工G01"
    assert [str(people[n].hire_date) for n in ("G01", "G02", "G03")] == [
        "2026-10-15",
        "2026-03-01",
        "2026-01-05",
    ]


async def test_a_workbook_is_read_from_its_data_tab(
    company: Company, session: AsyncSession, tmp_path: Path
) -> None:
    import datetime as dt

    tenant_id = await _tenant_id(session, company)
    path = _book(
        tmp_path / "org.xlsx",
        {
            "说明": INSTRUCTIONS,
            "员工": [HEADER, _person("W01", dt.date(2026, 10, 15)), _person("W02", 46311)],
        },
    )
    table = read_table(path)
    assert (table.sheet, [n for n, _ in table]) == ("员工", [2, 3])
    report = await import_org(session, tenant_id, table)
    assert report.employees_created == 2
    w02 = (
        await session.execute(select(Employee).where(Employee.employee_no == "W02"))
    ).scalar_one()
    assert str(w02.hire_date) == "2026-10-16"  # an Excel serial in a number cell


async def test_row_errors_name_row_column_and_letter_in_both_languages(
    company: Company, session: AsyncSession, tmp_path: Path
) -> None:
    tenant_id = await _tenant_id(session, company)
    rows = [_person("E01", "2026-01-01"), _person("E02", "10/15/2026")]
    with pytest.raises(ImportFailed) as failed:
        await import_org(session, tenant_id, read_table(_csv(tmp_path / "org.csv", rows)))
    [error] = failed.value.row_errors
    assert (error.row, error.column, error.letter) == (3, "hire_date", "I")
    assert "'10/15/2026' is not a date; accepted: 2026-10-15, 2026/10/15" in error.message
    assert "2026年10月15日" in error.message
    assert "“10/15/2026”不是日期；可用的格式" in error.message_zh
    assert str(error).startswith("row 3, column I (hire_date): '10/15/2026' is not a date")
    assert "/ 第 3 行 I 列（hire_date）：“10/15/2026”不是日期" in str(error)


async def test_a_header_only_file_and_a_bad_header_are_refused(
    company: Company, session: AsyncSession, tmp_path: Path
) -> None:
    tenant_id = await _tenant_id(session, company)
    # an empty chart: refused, saying so, in both languages
    empty = read_table(_csv(tmp_path / "empty.csv", []))
    assert empty == []
    with pytest.raises(ImportFailed) as failed:
        await import_org(session, tenant_id, empty)
    [error] = failed.value.row_errors
    assert error.row == 1
    assert "no rows below its header" in error.message
    assert "没有数据行" in error.message_zh
    # a repeated column, a required one missing: the header row, the columns, their letters
    header = [*HEADER[:-1], "工号"]
    header.remove("grade")
    with pytest.raises(ImportFailed) as failed:
        read_table(_csv(tmp_path / "bad.csv", [], header=header))
    found = {(e.row, e.column, e.letter) for e in failed.value.row_errors}
    assert found == {(1, "employee_no", "A, I"), (1, "grade", "")}
    assert any("职级" in e.message_zh for e in failed.value.row_errors)


def test_the_command_reads_encodings_sheets_and_explains_refusals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from perfloop.cli import app
    from perfloop.settings import get_settings

    monkeypatch.setenv("PERFLOOP_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["demo", "load"]).exit_code == 0

    def run(*args: str) -> Any:
        return runner.invoke(app, ["import", "org", *args])

    # a GBK CSV: detected
    gbk = tmp_path / "gbk.csv"
    with gbk.open("w", encoding="gbk", newline="") as f:
        csv.writer(f).writerows([HEADER, _person("K01", "2025年9月1日", "sales-north")])
    result = run(str(gbk))
    assert result.exit_code == 0, result.output
    assert "1 employee(s) created" in result.output
    # the wrong --encoding: refused, naming the line and the option; the right one imports
    wrong = run(str(gbk), "--encoding", "utf-8")
    assert wrong.exit_code == 2
    assert "line 2 is not valid utf-8 text" in wrong.output
    assert "--encoding gb18030" in wrong.output
    given = run(str(gbk), "--encoding", "gbk")
    assert given.exit_code == 0, given.output
    assert "0 employee(s) created, 1 updated" in given.output
    # a workbook: the data tab after the instructions, or the sheet named (by name or number)
    book = _book(
        tmp_path / "org.xlsx",
        {
            "说明": INSTRUCTIONS,
            "北区": [HEADER, _person("K02", "2025-09-02", "sales-north")],
            "新人": [HEADER, _person("K03", "2025-09-03", "sales-north")],
        },
    )
    default = run(str(book))
    assert default.exit_code == 0, default.output
    assert "(sheet '北区')" in default.output
    by_name = run(str(book), "--sheet", "新人")
    assert by_name.exit_code == 0, by_name.output
    assert "(sheet '新人')" in by_name.output
    assert "1 employee(s) created" in by_name.output
    by_number = run(str(book), "--sheet", "2")
    assert "(sheet '北区')" in by_number.output
    assert "0 employee(s) created, 1 updated" in by_number.output
    no_sheet = run(str(book), "--sheet", "4")
    assert no_sheet.exit_code == 2
    assert "has no sheet '4'" in no_sheet.output
    # a bad date: the row, the column and its letter, the forms accepted, in both languages
    bad = run(str(_csv(tmp_path / "bad.csv", [_person("K04", "Sept 1st", "sales-north")])))
    assert bad.exit_code == 1
    assert "1 problem(s); nothing was imported" in bad.output
    assert "row 2, column I (hire_date): 'Sept 1st' is not a date; accepted: 2026-10-15" in (
        bad.output
    )
    assert "第 2 行 I 列（hire_date）：“Sept 1st”不是日期" in bad.output
    # a header-only file: an empty chart is refused
    empty = run(str(_csv(tmp_path / "empty.csv", [])))
    assert empty.exit_code == 1
    assert "no rows below its header" in empty.output
    # a file that is not .csv or .xlsx
    old = tmp_path / "org.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    refused = run(str(old))
    assert refused.exit_code == 2
    assert "save an .xls workbook as .xlsx" in refused.output
    get_settings.cache_clear()
