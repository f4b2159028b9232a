"""The annual summary through the API: a person's year from their quarters' published
results as the cycle template says (quarterly-review: weighted 20/25/25/30, a missing
quarter skipped), rated by their scoring template, with its rules across periods and an
explanation naming the quarters and weights; read like results."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from support.awards import install, open_period, score

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from support.company import Company

ANNUAL = """
  employeeId period combine missingRule total kpi review completion rating multiplier
  scoringRef missing title { en }
  periods { period cycleId version total rating weight share }
  rules { key value title { en } }
  en: explanation(lang: EN) zh: explanation
"""
ONE = f"""
query($cycle: ID!, $employee: ID!) {{
  annualResult(cycle: $cycle, employee: $employee) {{ {ANNUAL} }}
}}"""
ALL = f"""
query($cycle: ID!, $unit: ID) {{
  annualResults(cycle: $cycle, orgUnit: $unit, first: 50) {{
    totalCount edges {{ node {{ {ANNUAL} }} }}
  }}
}}"""


async def year(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> tuple[str, str]:
    """2026 with Q1–Q3 scored and published (Q4 not opened); returns (year, Q1)."""
    app = await install(company)
    summary = await open_period(company, app, "2026")
    quarters = [await open_period(company, app, f"2026-Q{q}") for q in (1, 2, 3)]
    await score(company, engine, sessions, quarters[0], {"emp": {"a": 120}, "lead": {"a": 100}})
    await score(company, engine, sessions, quarters[1], {"emp": {"a": 110}, "lead": {"a": 80}})
    await score(company, engine, sessions, quarters[2], {"emp": {"a": 100}})
    return summary, quarters[0]


async def annual(company: Company, cycle: str, who: str, as_user: str = "hr") -> Any:
    variables = {"cycle": cycle, "employee": str(company.people[who])}
    return (await company.ok(ONE, variables, as_user=as_user))["annualResult"]


async def test_the_year_is_the_weighted_quarters_with_a_missing_one_skipped(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given emp's Q1–Q3 totals 108, 104, 100 and no Q4
    cycle, _ = await year(company, engine, sessions)
    # when emp reads their year
    mine = await annual(company, cycle, "emp", as_user="emp")
    # then it is the 20/25/25 weighted average of the three quarters, re-normalised
    assert (mine["combine"], mine["missingRule"]) == ("weighted", "skip")
    assert mine["total"] == pytest.approx((108 * 20 + 104 * 25 + 100 * 25) / 70)
    assert mine["missing"] == ["2026-Q4"]
    assert [(p["period"], p["total"], p["weight"]) for p in mine["periods"]] == [
        ("2026-Q1", 108, 20), ("2026-Q2", 104, 25), ("2026-Q3", 100, 25), ("2026-Q4", None, 30),
    ]  # fmt: skip
    assert [round(p["share"], 4) for p in mine["periods"]] == [0.2857, 0.3571, 0.3571, 0]
    # and rated by the scoring template (S from 95, multiplier 1.5)
    assert (mine["rating"], mine["multiplier"], mine["scoringRef"]) == (
        "S", 1.5, "standard-scoring@2",
    )  # fmt: skip
    # with its rules across periods: three quarters met in a row; Q4's change unknown
    rules = {r["key"]: r["value"] for r in mine["rules"]}
    assert rules == {"target-met-in-a-row": True, "improved": None}
    # and an explanation naming the quarters and their weights, in both languages
    assert mine["en"][0] == "2026-Q1: total 108, rating S, weight 20, counts 28.57%"
    assert any(line.startswith("missing: 2026-Q4") for line in mine["en"])
    expected = "annual result (the weighted average): 103.71, rating S"
    assert any(expected in line for line in mine["en"])
    assert mine["zh"][0].startswith("2026-Q1：总分 108")


async def test_a_quarter_missed_breaks_no_run_that_was_met_before(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    cycle, _ = await year(company, engine, sessions)
    # lead met Q1, missed Q2 (80 % of target) and has no Q3
    lead = await annual(company, cycle, "lead")
    assert lead["missing"] == ["2026-Q3", "2026-Q4"]
    assert {r["key"]: r["value"] for r in lead["rules"]}["target-met-in-a-row"] is False


async def test_the_year_is_read_like_results(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    cycle, quarter = await year(company, engine, sessions)
    # the person reads their own, not a peer's; the manager their team; HR everyone
    assert await annual(company, cycle, "lead", as_user="emp") is None
    assert (await annual(company, cycle, "emp", as_user="lead"))["total"] is not None
    assert await annual(company, cycle, "emp", as_user="other") is None
    listed = await company.ok(ALL, {"cycle": cycle}, as_user="hr")
    assert listed["annualResults"]["totalCount"] == 2
    mine = await company.ok(ALL, {"cycle": cycle}, as_user="emp")
    assert [e["node"]["employeeId"] for e in mine["annualResults"]["edges"]] == [
        str(company.people["emp"])
    ]
    # someone without any published quarter has no year
    assert await annual(company, cycle, "head") is None
    # a quarter is not a summary cycle: it has no annual results
    none = await company.ok(ALL, {"cycle": quarter}, as_user="hr")
    assert none["annualResults"]["totalCount"] == 0
    assert await annual(company, quarter, "emp") is None
