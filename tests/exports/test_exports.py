"""Exports through the API download and the CLI: a round trip of each built-in list
(read back with openpyxl and csv: Chinese text intact, numbers numeric), the caller's
scope, streaming in batches, and clear errors for bad arguments."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import openpyxl
import pytest

from perfloop.authz import Permission
from perfloop.services import exports
from support.payouts import generate, published_cycle, set_base

if TYPE_CHECKING:
    import httpx
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from support.company import Company

ACTUALS = {"emp": 120, "lead": 80, "other": 79}


async def download(
    company: Company, path: str, as_user: str | None = "hr", **params: Any
) -> httpx.Response:
    headers = {}
    if as_user is not None:
        token = company.gql.token(company.email(as_user), tenant=company.slug)
        headers["Authorization"] = f"Bearer {token}"
    return await company.gql.http.get(path, params=params, headers=headers)


def xlsx_rows(body: bytes) -> list[tuple[Any, ...]]:
    workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    return [tuple(row) for row in workbook.active.iter_rows(values_only=True)]  # type: ignore[union-attr]


def csv_rows(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


@pytest.fixture
async def cycle(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> str:
    """Published results of emp, lead, other and a generated payout list."""
    cycle = await published_cycle(company, engine, sessions, ACTUALS)
    await set_base(company, "GRADE", "P3", "10000")
    assert (await generate(company, cycle))["errors"] == []
    return cycle


async def test_the_payout_list_as_xlsx_keeps_chinese_text_and_numbers(
    company: Company, cycle: str
) -> None:
    # when HR downloads the payout list as .xlsx
    response = await download(company, "/exports/payouts", cycle=cycle, format="xlsx")
    # then it is a workbook whose header is Chinese and whose amounts are numbers
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert f"payouts-cycle{cycle}.xlsx" in response.headers["content-disposition"]
    header, *rows = xlsx_rows(response.content)
    assert header[:3] == ("工号", "姓名", "部门")
    by_name = {row[1]: row for row in rows}
    assert set(by_name) == {"Emp", "Lead", "Other"}
    emp = dict(zip(header, by_name["Emp"], strict=True))
    assert emp["部门"] == "t1 部门"
    assert emp["档次"] == "extra"
    assert isinstance(emp["奖金金额"], int | float)
    assert emp["奖金金额"] == 15000.0
    assert isinstance(emp["依据值"], float)
    assert emp["依据值"] == 1.2
    assert isinstance(emp["结果版本"], int)
    assert response.headers["x-export-rows"] == "3"


async def test_results_as_csv_with_a_bom_and_english_headers(company: Company, cycle: str) -> None:
    # when HR downloads the results as CSV with English headers
    response = await download(company, "/exports/results", cycle=cycle, format="csv", lang="en")
    # then the file opens as UTF-8 (BOM), one row a person, numbers plain
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    header, *rows = csv_rows(response.content)
    assert header[0] == "Employee no."
    assert "Bonus multiplier" in header
    assert len(rows) == 3
    row = dict(zip(header, rows[0], strict=True))
    assert row["Org unit"].endswith("部门")
    float(row["Total"])
    assert row["Version"] == "1"


async def test_a_teams_plans_with_their_items(company: Company, cycle: str) -> None:
    # when the head downloads the plans of team t1
    response = await download(
        company, "/exports/plans", as_user="head", cycle=cycle, orgUnit=str(company.units["t1"])
    )
    # then the items of the team's people, Chinese titles intact, targets numeric
    header, *rows = xlsx_rows(response.content)
    assert {r[1] for r in rows} == {"Emp", "Lead"}
    assert {r[header.index("指标名称")] for r in rows} == {"销售额"}
    assert all(r[header.index("目标值")] == 100 for r in rows)
    # and in English, the items' English titles
    english = await download(
        company, "/exports/plans", as_user="head", cycle=cycle, lang="en",
        orgUnit=str(company.units["t1"]),
    )  # fmt: skip
    header, *rows = xlsx_rows(english.content)
    assert {r[header.index("Item")] for r in rows} == {"Sales"}


async def test_each_caller_exports_only_their_scope(company: Company, cycle: str) -> None:
    # the head's payout export holds their subtree; an employee's results hold themself
    head = xlsx_rows(
        (await download(company, "/exports/payouts", as_user="head", cycle=cycle)).content
    )
    assert {r[1] for r in head[1:]} == {"Emp", "Lead"}
    own = xlsx_rows(
        (await download(company, "/exports/results", as_user="emp", cycle=cycle)).content
    )
    assert [r[1] for r in own[1:]] == ["Emp"]
    # and an employee may not export the payouts at all
    refused = await download(company, "/exports/payouts", as_user="emp", cycle=cycle)
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_cache_buster_is_ignored_and_an_unknown_argument_is_not(
    company: Company, cycle: str
) -> None:
    # a browser adds &_=<time> so a repeated download is not served from its cache
    busted = await download(company, "/exports/results", cycle=cycle, format="csv", _="1733371200")
    assert busted.status_code == 200, busted.text
    # an argument the list does not take is still refused, by name
    refused = await download(company, "/exports/results", cycle=cycle, colour="red")
    assert refused.status_code == 400, refused.text
    assert refused.json()["errors"][0]["path"] == ["colour"]


@pytest.mark.parametrize(
    ("path", "params", "status", "where"),
    [
        ("/exports/nothing", {"format": "xlsx"}, 400, "list"),
        ("/exports/results", {"format": "pdf"}, 400, "format"),
        ("/exports/results", {"lang": "fr"}, 400, "lang"),
        ("/exports/payouts", {"version": "x"}, 400, "version"),
        ("/exports/payouts", {"version": "99"}, 404, "version"),
    ],
)
async def test_bad_arguments_are_clear_errors(
    company: Company, cycle: str, path: str, params: dict[str, str], status: int, where: str
) -> None:
    response = await download(company, path, cycle=cycle, **params)
    assert response.status_code == status, response.text
    error = response.json()["errors"][0]
    assert error["path"] == [where]
    assert "payouts" in error["message"] or where != "list"  # the known lists are named


async def test_a_missing_cycle_token_or_another_tenants_cycle(
    company: Company, cycle: str, other_tenant: str
) -> None:
    assert (await download(company, "/exports/results")).status_code == 400  # no cycle
    for bad in ("abc", "999999", "-1"):
        missing = await download(company, "/exports/results", cycle=bad)
        assert missing.status_code == 404, bad
        assert missing.json()["errors"][0]["path"] == ["cycle"]
    assert (
        await download(company, "/exports/results", as_user=None, cycle=cycle)
    ).status_code == 401
    bad_token = await company.gql.http.get(
        "/exports/results", params={"cycle": cycle}, headers={"Authorization": "Bearer nope"}
    )
    assert bad_token.status_code == 401


async def test_rows_are_read_in_batches(
    company: Company, cycle: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given batches of one row (keyset pagination across batches)
    from perfloop.services.exports import lists

    monkeypatch.setattr(lists, "BATCH", 1)
    # when the results are exported
    rows = xlsx_rows((await download(company, "/exports/results", cycle=cycle)).content)
    # then every person comes once, by employee number
    assert [r[0] for r in rows[1:]] == sorted(r[0] for r in rows[1:])
    assert len(rows) == 4


def test_a_list_is_registered_once() -> None:
    with pytest.raises(ValueError, match="registered already"):
        exports.register(exports.RESULTS)
    assert {e.key for e in exports.export_lists()} >= {"results", "plans", "payouts"}
    assert exports.PAYOUTS.permission is Permission.PAYOUT_READ


def _cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    perfloop = str(Path(sys.executable).parent / "perfloop")
    env = {**os.environ, "PERFLOOP_DATABASE_URL": url}
    return subprocess.run(  # noqa: S603 (our own command, the test's arguments)
        [perfloop, "export", *args], capture_output=True, text=True, env=env, check=False
    )


async def test_the_cli_writes_the_same_files(
    company: Company, cycle: str, engine: AsyncEngine, tmp_path: Path
) -> None:
    url = engine.url.render_as_string(hide_password=False)
    common = ["--cycle", cycle, "--as", company.email("hr"), "--tenant", company.slug]
    # when HR exports the payouts as CSV and the results as .xlsx
    out = tmp_path / "发放.csv"
    done = await asyncio.to_thread(
        _cli, url, "payouts", *common, "--format", "csv", "--output", str(out)
    )
    assert done.returncode == 0, done.stderr
    assert "3 row(s)" in done.stdout
    header, *rows = csv_rows(out.read_bytes())
    assert header[0] == "工号"
    assert len(rows) == 3
    xlsx = tmp_path / "results.xlsx"
    done = await asyncio.to_thread(_cli, url, "results", *common, "--output", str(xlsx))
    assert done.returncode == 0, done.stderr
    assert len(xlsx_rows(xlsx.read_bytes())) == 4
    # and a bad list or format fails in one line, leaving no file
    bad = tmp_path / "bad.xlsx"
    done = await asyncio.to_thread(_cli, url, "nothing", *common, "--output", str(bad))
    assert done.returncode == 1
    assert "LIST: unknown export list 'nothing'" in done.stderr
    done = await asyncio.to_thread(
        _cli, url, "results", *common, "--format", "ods", "--output", str(bad)
    )
    assert done.returncode == 1
    assert "--format" in done.stderr
    done = await asyncio.to_thread(
        _cli, url, "results", "--cycle", cycle, "--as", "nobody@x.test", "--tenant", company.slug,
        "--output", str(bad),
    )  # fmt: skip
    assert done.returncode == 1
    assert "--as: no active user 'nobody@x.test'" in done.stderr
    assert not bad.exists()
    assert not [p.name for p in os.scandir(tmp_path) if p.name.endswith(".part")]
