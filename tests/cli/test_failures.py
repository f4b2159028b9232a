"""A failing command says in one line what is wrong and what to do, and exits
with 1; it never shows a traceback (cli/failures.py)."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner, Result

from perfloop.cli import app
from perfloop.settings import get_settings

runner = CliRunner()
PERFLOOP = Path(sys.executable).with_name("perfloop")


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Where PERFLOOP_DATABASE_URL points: a SQLite file not created yet."""
    path = tmp_path / "cli.db"
    monkeypatch.setenv("PERFLOOP_DATABASE_URL", f"sqlite:///{path}")
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


@pytest.fixture
def demo_database(database: Path) -> Path:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["demo", "load"]).exit_code == 0
    return database


def one_line(result: Result, code: int = 1) -> str:
    """The failure's one line on standard error (checked: no traceback, the exit code)."""
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_a_missing_database_is_named_and_not_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given perfloop run from a folder without the default ./perfloop.db
    monkeypatch.delenv("PERFLOOP_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    # when a command needs the database
    line = one_line(runner.invoke(app, ["demo", "users"]))
    # then it says where it looked and what to run, and leaves no empty file behind
    assert f"no database at {tmp_path / 'perfloop.db'}" in line
    assert "perfloop db upgrade" in line
    assert not (tmp_path / "perfloop.db").exists()


def test_a_missing_database_through_the_installed_command(tmp_path: Path) -> None:
    # given the real entry point, run from an empty folder
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERFLOOP_")}
    # when
    done = subprocess.run(  # noqa: S603 (the installed perfloop, fixed arguments)
        [str(PERFLOOP), "token", "--user", "hr@demo.perfloop.dev"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # then
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("error: no database at ")
    assert len(done.stderr.splitlines()) == 1


def test_serve_checks_the_database_before_it_listens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given no database where the settings point (and a server that must not start)
    monkeypatch.setenv("PERFLOOP_DATABASE_URL", f"sqlite:///{tmp_path}/perfloop.db")
    get_settings.cache_clear()

    def started(*args: object, **kwargs: object) -> None:
        raise AssertionError("the server started")

    monkeypatch.setattr("uvicorn.run", started)
    # when / then the server does not start, and says why
    line = one_line(runner.invoke(app, ["serve"]))
    assert f"no database at {tmp_path / 'perfloop.db'}" in line


def test_db_upgrade_into_a_folder_that_does_not_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PERFLOOP_DATABASE_URL", f"sqlite:///{tmp_path}/nowhere/perfloop.db")
    get_settings.cache_clear()
    line = one_line(runner.invoke(app, ["db", "upgrade"]))
    assert f"the folder {tmp_path / 'nowhere'} does not exist" in line


def test_a_database_that_is_not_migrated(database: Path) -> None:
    # given an empty SQLite file
    sqlite3.connect(database).close()
    # when / then
    line = one_line(runner.invoke(app, ["token", "--user", "hr@demo.perfloop.dev"]))
    assert f"the SQLite database {database} has no perfloop tables" in line
    assert "run `perfloop db upgrade`" in line


def test_a_database_migrated_by_a_newer_perfloop(demo_database: Path) -> None:
    # given a database whose schema revision this perfloop does not know
    with sqlite3.connect(demo_database) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'from-the-future'")
    # when / then
    line = one_line(runner.invoke(app, ["demo", "users"]))
    assert "migrated by a newer perfloop (schema revision from-the-future)" in line


def test_a_file_that_is_not_a_database(database: Path) -> None:
    database.write_bytes(b"this is a spreadsheet, honestly" * 200)
    line = one_line(runner.invoke(app, ["demo", "users"]))
    assert "the file is not a SQLite database" in line


def _closed_port() -> int:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        port: int = listener.getsockname()[1]
    return port


def test_an_unreachable_postgresql(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a PostgreSQL address nothing listens on
    port = _closed_port()
    monkeypatch.setenv("PERFLOOP_DATABASE_URL", f"postgresql://perfloop:s3cret@127.0.0.1:{port}/x")
    get_settings.cache_clear()
    # when
    line = one_line(runner.invoke(app, ["demo", "users"]))
    # then the address is named, the password is not
    assert f"cannot reach PostgreSQL at 127.0.0.1:{port}, database 'x' (connection refused)" in line
    assert "PERFLOOP_DATABASE_URL" in line
    assert "s3cret" not in line


def _damaged_workbook(folder: Path) -> Path:
    """A workbook whose sheet XML is cut off in the middle."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["order_id", "owner_email", "order_date", "amount"])
    for n in range(500):
        sheet.append([f"SO-{n}", "sales1@demo.perfloop.dev", "2026-10-15", n])
    whole = folder / "whole.xlsx"
    book.save(whole)
    damaged = folder / "orders.xlsx"
    with zipfile.ZipFile(whole) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            target.writestr(item, data)
    return damaged


def test_a_damaged_workbook(demo_database: Path, tmp_path: Path) -> None:
    damaged = _damaged_workbook(tmp_path)
    # the dataset import reports it and exits with 1, the org import (a file
    # error, before any database work) with 2, as for a missing file
    dataset = runner.invoke(app, ["import", "dataset", "sales-orders", str(damaged)])
    assert "orders.xlsx is not a readable .xlsx workbook" in one_line(dataset)
    org = runner.invoke(app, ["import", "org", str(damaged)])
    assert "orders.xlsx is not a readable .xlsx workbook" in one_line(org, code=2)


def test_deeply_nested_data() -> None:
    # given --data nested past what Python's recursion can walk
    data = json.dumps({"a": json.loads("[" * 900 + "]" * 900)})
    # when / then
    line = one_line(runner.invoke(app, ["formula", "eval", "a", "--data", data]))
    assert line == (
        "error: --data is nested too deeply to evaluate: use fewer levels of lists and objects"
    )


def test_a_result_too_large_is_a_number_error_not_a_traceback() -> None:
    # given a number that Python would not turn into text once cubed
    data = '{"a": ' + "9" * 2000 + "}"
    result = runner.invoke(app, ["formula", "eval", "a * a * a", "--data", data])
    # then the formula's bound (docs/formulas.md) answers #NUM!, printed like any value
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert json.loads(result.stdout)["error"] == "#NUM!"


def test_a_number_in_data_too_long_to_read() -> None:
    data = '{"a": ' + "9" * 5000 + "}"
    line = one_line(runner.invoke(app, ["formula", "eval", "a", "--data", data]), code=2)
    assert line == "--data has a number of more than 4,300 digits"


def test_an_unexpected_failure_is_one_line_and_debug_shows_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a command that fails in a way nobody foresaw
    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("the unforeseen")

    monkeypatch.setattr("perfloop.templates.load_builtin_templates", broken)
    # when it runs, then one line names the failure and how to see more
    line = one_line(runner.invoke(app, ["templates", "list"]))
    assert line.startswith("error: unexpected KeyError: 'the unforeseen'")
    assert "perfloop --debug" in line
    # and with --debug (or PERFLOOP_DEBUG=1) the exception itself comes through
    debug = runner.invoke(app, ["--debug", "templates", "list"])
    assert isinstance(debug.exception, KeyError)
    by_env = runner.invoke(app, ["templates", "list"], env={"PERFLOOP_DEBUG": "1"})
    assert isinstance(by_env.exception, KeyError)


def test_a_reader_that_stops_reading_gets_no_traceback() -> None:
    # given the output piped to a reader that has gone (`perfloop export-schema | head -0`)
    with subprocess.Popen(  # noqa: S603 (the installed perfloop, fixed arguments)
        [str(PERFLOOP), "export-schema"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        process.stdout.close()
        # when it writes, then it stops with 1 and says nothing more
        errors = process.stderr.read()
        assert process.wait(timeout=120) == 1
    assert errors == b""
