"""The lists of issue 12 as files: candidates, training needs, improvement plans,
awards, annual results and appeals, through the API download and the CLI, read back
with openpyxl and csv (headers in both languages, Chinese intact, numbers numeric),
each under the caller's own permission and scope, with their own arguments."""

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

from support.appeals import decide, decision, filed
from support.appeals import published_cycle as appeal_cycle
from support.awards import install, open_period, score
from support.improvement import apply

if TYPE_CHECKING:
    import httpx
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from support.company import Company

STAR = "star-of-the-period"
ANNOUNCE = """
mutation($cycle: ID!, $award: String!) {
  announceAwards(cycle: $cycle, award: $award) { announced errors { code message } }
}"""


async def download(
    company: Company, path: str, as_user: str | None = "hr", **params: Any
) -> httpx.Response:
    token = company.gql.token(company.email(as_user), tenant=company.slug) if as_user else ""
    headers = {"Authorization": f"Bearer {token}"} if as_user else {}
    return await company.gql.http.get(path, params=params, headers=headers)


def xlsx_rows(body: bytes) -> list[tuple[Any, ...]]:
    workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    return [tuple(row) for row in workbook.active.iter_rows(values_only=True)]  # type: ignore[union-attr]


def csv_rows(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def _cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    perfloop = str(Path(sys.executable).parent / "perfloop")
    env = {**os.environ, "PERFLOOP_DATABASE_URL": url}
    return subprocess.run(  # noqa: S603 (our own command, the test's arguments)
        [perfloop, "export", *args], capture_output=True, text=True, env=env, check=False
    )


class Year:
    def __init__(self, summary: str, q1: str, q2: str) -> None:
        self.summary, self.q1, self.q2 = summary, q1, q2


@pytest.fixture
async def year(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> Year:
    """2026 of the standard app: Q1 (emp a at 60 %, lead at 59 %, other at target) with
    its results applied (candidate lists, lead's improvement plan), Q2 (lead ahead of
    emp and head in d1: lead is d1's star)."""
    app = await install(company)
    summary = await open_period(company, app, "2026")
    q1 = await open_period(company, app, "2026-Q1")
    q2 = await open_period(company, app, "2026-Q2")
    await score(company, engine, sessions, q1,
                {"emp": {"a": 60}, "lead": {"a": 59}, "other": {"a": 100}})  # fmt: skip
    await score(company, engine, sessions, q2,
                {"emp": {"a": 110}, "lead": {"a": 120}, "head": {"a": 100}})  # fmt: skip
    applied = await apply(company, q1)
    assert applied["errors"] == [], applied
    return Year(summary, q1, q2)


def as_dicts(rows: list[Any]) -> list[dict[str, Any]]:
    """Rows by header (an .xlsx row read back ends at its last non-empty cell)."""
    header, *body = rows
    return [dict(zip(header, [*row, *[None] * (len(header) - len(row))], strict=True))
            for row in body]  # fmt: skip


async def cli(engine: AsyncEngine, company: Company, who: str, *args: str) -> Any:
    url = engine.url.render_as_string(hide_password=False)
    common = ["--as", company.email(who), "--tenant", company.slug]
    return await asyncio.to_thread(_cli, url, *args, *common)


async def test_candidates_by_list_with_the_reason_in_the_files_language(
    company: Company, year: Year, engine: AsyncEngine, tmp_path: Path
) -> None:
    # when HR downloads the training list as .xlsx (Chinese headers)
    response = await download(company, "/exports/candidates", cycle=year.q1, list="training")
    assert response.status_code == 200, response.text
    assert f"candidates-cycle{year.q1}-training.xlsx" in response.headers["content-disposition"]
    rows = as_dicts(xlsx_rows(response.content))
    # then each entry of the list, with the Chinese reason and numbers as numbers
    assert {r["姓名"] for r in rows} == {"Emp", "Lead"}
    assert {r["名单"] for r in rows} == {"training"}
    assert all(r["原因"].startswith("完成率低于") or "完成率" in r["原因"] for r in rows)
    assert all(isinstance(r["结果版本"], int) for r in rows)
    assert {r["状态"] for r in rows} == {"proposed"}
    # and every list as CSV with English headers and English reasons
    response = await download(company, "/exports/candidates", cycle=year.q1, format="csv",
                              lang="en")  # fmt: skip
    every = as_dicts(csv_rows(response.content))
    assert sorted((r["List"], r["Name"]) for r in every) == [
        ("improvement", "Lead"), ("promotion", "Other"), ("reward", "Other"),
        ("training", "Emp"), ("training", "Lead"),
    ]  # fmt: skip
    promotion = next(r for r in every if r["List"] == "promotion")
    assert promotion["Reason"] == "rating S (total 100) with every item at target"
    assert promotion["List title"] == "Promotion"
    # an unknown list, status or argument is a clear error naming what exists
    unknown = await download(company, "/exports/candidates", cycle=year.q1, list="nope")
    assert unknown.status_code == 400
    error = unknown.json()["errors"][0]
    assert error["path"] == ["list"]
    assert "promotion" in error["message"]
    bad = await download(company, "/exports/candidates", cycle=year.q1, status="maybe")
    assert (bad.status_code, bad.json()["errors"][0]["path"]) == (400, ["status"])
    extra = await download(company, "/exports/candidates", cycle=year.q1, award=STAR)
    assert extra.status_code == 400
    assert extra.json()["errors"][0]["path"] == ["award"]
    assert "list, status" in extra.json()["errors"][0]["message"]
    # a manager (no candidate.read) is refused
    refused = await download(company, "/exports/candidates", as_user="head", cycle=year.q1)
    assert refused.status_code == 403
    # and the CLI writes the promotion list
    out = tmp_path / "晋升.csv"
    done = await cli(engine, company, "hr", "candidates", "--cycle", year.q1, "--arg",
                     "list=promotion", "--format", "csv", "--output", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    header, *lines = csv_rows(out.read_bytes())
    assert header[:3] == ["工号", "姓名", "名单"]
    assert [line[1:3] for line in lines] == [["Other", "promotion"]]
    assert "各项指标均达标" in lines[0][header.index("原因")]
    done = await cli(engine, company, "hr", "candidates", "--cycle", year.q1, "--arg",
                     "list=nope", "--output", str(tmp_path / "x.xlsx"))  # fmt: skip
    assert done.returncode == 1
    assert "--arg list: unknown list 'nope'" in done.stderr
    assert not (tmp_path / "x.xlsx").exists()


async def test_training_needs_count_people_and_name_those_the_reader_sees(
    company: Company, year: Year, engine: AsyncEngine, tmp_path: Path
) -> None:
    response = await download(company, "/exports/training-needs", cycle=year.q1)
    assert response.status_code == 200, response.text
    header, *rows = xlsx_rows(response.content)
    assert header == ("培训主题", "人数", "来自候选名单", "来自改进计划", "人员")
    assert [r[:4] for r in rows] == [("Revenue", 2, 2, 1)]
    assert set(rows[0][4].split("、")) == {"Emp", "Lead"}
    per_unit = await download(company, "/exports/training-needs", cycle=year.q1,
                              orgUnit=str(company.units["t1"]))  # fmt: skip
    assert (per_unit.status_code, per_unit.json()["errors"][0]["path"]) == (400, ["orgUnit"])
    assert (await download(company, "/exports/training-needs", as_user="lead",
                           cycle=year.q1)).status_code == 403  # fmt: skip
    out = tmp_path / "needs.csv"
    done = await cli(engine, company, "exec", "training-needs", "--cycle", year.q1, "--format",
                     "csv", "--lang", "en", "--output", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    header_en, *lines = csv_rows(out.read_bytes())
    assert header_en[:2] == ["Topic", "People"]
    assert lines[0][:2] == ["Revenue", "2"]


async def test_improvement_plans_in_each_readers_scope(
    company: Company, year: Year, engine: AsyncEngine, tmp_path: Path
) -> None:
    # HR: lead's plan (a at 59 %), owned by lead's manager, open
    response = await download(company, "/exports/improvement-plans", cycle=year.q1)
    assert response.status_code == 200, response.text
    [plan] = as_dicts(xlsx_rows(response.content))
    assert (plan["姓名"], plan["负责人"], plan["状态"]) == ("Lead", "Head", "open")
    assert plan["差距指标"] == "Revenue 59%"
    assert "评级 C" in plan["原因"]
    assert plan["转入周期"] is None
    # the head's subtree holds lead; emp reads only their own (none); other none
    head = as_dicts(
        xlsx_rows(
            (
                await download(company, "/exports/improvement-plans", as_user="head", cycle=year.q1)
            ).content
        )
    )
    assert [r["姓名"] for r in head] == ["Lead"]
    for who in ("emp", "other"):
        mine = xlsx_rows(
            (
                await download(company, "/exports/improvement-plans", as_user=who, cycle=year.q1)
            ).content
        )
        assert mine[1:] == [], who
    bad = await download(company, "/exports/improvement-plans", cycle=year.q1, status="done")
    assert (bad.status_code, bad.json()["errors"][0]["path"]) == (400, ["status"])
    out = tmp_path / "plans.xlsx"
    done = await cli(engine, company, "head", "improvement-plans", "--cycle", year.q1,
                     "--lang", "en", "--arg", "status=open", "--output", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    [row] = as_dicts(xlsx_rows(out.read_bytes()))
    assert (row["Name"], row["Status"], row["Gaps"]) == ("Lead", "open", "Revenue 59%")


async def test_awards_preview_for_hr_announced_for_everyone(
    company: Company, year: Year, engine: AsyncEngine, tmp_path: Path
) -> None:
    # HR sees the preview: d1's star is lead, the ranked value a number
    response = await download(company, "/exports/awards", cycle=year.q2, award=STAR)
    assert response.status_code == 200, response.text
    stars = as_dicts(xlsx_rows(response.content))
    d1 = next(r for r in stars if r["获奖人"] == "Lead")
    assert (d1["奖项编码"], d1["状态"]) == (STAR, "preview")
    assert isinstance(d1["排名值"], float | int)
    assert d1["排名值"] == 108
    assert not d1["奖项"].isascii()  # the Chinese title
    # nobody else sees a preview; once announced, everyone reads it
    assert xlsx_rows((await download(company, "/exports/awards", as_user="emp",
                                     cycle=year.q2)).content)[1:] == []  # fmt: skip
    announced = await company.ok(ANNOUNCE, {"cycle": year.q2, "award": STAR}, as_user="hr")
    assert announced["announceAwards"]["errors"] == []
    out = tmp_path / "awards.csv"
    done = await cli(engine, company, "emp", "awards", "--cycle", year.q2, "--format", "csv",
                     "--lang", "en", "--output", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    seen = as_dicts(csv_rows(out.read_bytes()))
    assert [(r["Winner"], r["Status"]) for r in seen] == [("Lead", "announced")]
    assert float(seen[0]["Value"]) == 108
    # an unknown award names the cycle's awards
    unknown = await download(company, "/exports/awards", cycle=year.q2, award="nope")
    assert unknown.status_code == 400
    assert STAR in unknown.json()["errors"][0]["message"]


async def test_annual_results_under_result_read_scope(
    company: Company, year: Year, engine: AsyncEngine, tmp_path: Path
) -> None:
    response = await download(company, "/exports/annual-results", cycle=year.summary)
    assert response.status_code == 200, response.text
    rows = {r["姓名"]: r for r in as_dicts(xlsx_rows(response.content))}
    assert set(rows) == {"Emp", "Lead", "Other", "Head"}
    emp = rows["Emp"]
    assert isinstance(emp["年度总分"], float | int)
    assert emp["年度"] == "2026"
    assert "2026-Q1" in emp["计入期间"]
    assert "2026-Q2" in emp["计入期间"]
    assert "2026-Q4" in emp["缺失期间"]
    # emp reads only themself; the head their subtree
    own = as_dicts(
        xlsx_rows(
            (
                await download(
                    company, "/exports/annual-results", as_user="emp", cycle=year.summary
                )
            ).content
        )
    )
    assert [r["姓名"] for r in own] == ["Emp"]
    head = as_dicts(
        xlsx_rows(
            (
                await download(
                    company, "/exports/annual-results", as_user="head", cycle=year.summary
                )
            ).content
        )
    )
    assert "Other" not in {r["姓名"] for r in head}
    assert "Emp" in {r["姓名"] for r in head}
    out = tmp_path / "年度.csv"
    done = await cli(engine, company, "hr", "annual-results", "--cycle", year.summary,
                     "--format", "csv", "--lang", "en", "--output", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = as_dicts(csv_rows(out.read_bytes()))
    assert len(lines) == 4
    float(lines[0]["Annual total"])


async def test_appeals_with_the_numbers_before_and_after(
    company: Company,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    tmp_path: Path,
) -> None:
    # given emp's appeal adjusted by head (a at 80: a new version)
    cycle = await appeal_cycle(company, engine, sessions)
    appeal = await filed(company, cycle, "emp")
    decided = await decide(
        company,
        decision(appeal["id"], "ADJUSTED", "订单簿显示 80", actuals=[{"item": "a", "actual": 80}]),
        as_user="head",
    )
    assert decided["errors"] == [], decided
    # when HR downloads the appeals
    response = await download(company, "/exports/appeals", cycle=cycle)
    assert response.status_code == 200, response.text
    [row] = as_dicts(xlsx_rows(response.content))
    assert (row["姓名"], row["状态"], row["审核人"], row["决定"]) == (
        "Emp", "decided", "Head", "adjusted",
    )  # fmt: skip
    assert row["决定理由"] == "订单簿显示 80"
    assert isinstance(row["原总分"], float | int)
    assert isinstance(row["新总分"], float | int)
    assert row["原总分"] > row["新总分"]
    assert row["新版本"] == 2
    # other (their own appeals only) sees none; open ones only: none
    other = xlsx_rows((await download(company, "/exports/appeals", as_user="other",
                                      cycle=cycle)).content)  # fmt: skip
    assert other[1:] == []
    still_open = xlsx_rows((await download(company, "/exports/appeals", cycle=cycle,
                                           status="open")).content)  # fmt: skip
    assert still_open[1:] == []
    out = tmp_path / "申诉.csv"
    done = await cli(engine, company, "lead", "appeals", "--cycle", cycle, "--format", "csv",
                     "--lang", "en", "--output", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    [line] = as_dicts(csv_rows(out.read_bytes()))
    assert (line["Name"], line["Reason"], line["Decision"]) == ("Emp", "订单簿显示 80", "adjusted")
    assert float(line["Total before"]) > float(line["Total after"])


async def test_domain_pages_are_read_in_batches_and_narrowed_to_a_unit(
    company: Company, year: Year, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given batches of one row (the domain's own cursor pages across batches)
    from perfloop.services.exports import lists

    monkeypatch.setattr(lists, "BATCH", 1)
    # when HR exports every candidate, then those of team t1
    every = as_dicts(xlsx_rows((await download(company, "/exports/candidates",
                                               cycle=year.q1)).content))  # fmt: skip
    t1 = str(company.units["t1"])
    team = as_dicts(xlsx_rows((await download(company, "/exports/candidates", cycle=year.q1,
                                              orgUnit=t1)).content))  # fmt: skip
    # then every entry comes once, by list and employee number; t1's are emp's and lead's
    assert len(every) == 5
    assert [(r["名单"], r["工号"]) for r in every] == sorted((r["名单"], r["工号"]) for r in every)
    assert {r["姓名"] for r in team} == {"Emp", "Lead"}
    assert len(team) == 3
