"""Scoring runs over GraphQL: HR runs the scoring of a cycle as a job, each signed plan
is scored by its app's scoring template (the one engine path) and stored as a draft
result per person with its inputs and explanation; unsigned plans are reported, not
scored; running again gives the same results and no duplicates; a part that failed is
finished by running again."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import func, select

from perfloop.services import results as results_service
from perfloop.services.core.errors import ErrorCode, ServiceError
from perfloop.store.results import Result
from support.results import plan, result, results, run, sign
from support.scoring import cycle_with_scoring

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from support.company import Company

_keys = itertools.count()


def _text(en: str) -> dict[str, str]:
    return {"zh-CN": en, "en": en}


def worst_item_scoring(key: str) -> dict[str, Any]:
    """A scoring template unlike the standard one: an item scores the square of its
    completion, the KPI part is the worst item, there is no review section, the total
    adds 5, and three bands of its own pay 0, 1 or 3."""
    return {
        "kind": "scoring",
        "key": key,
        "version": 1,
        "title": _text("Worst item counts"),
        "parameters": {
            "schema": {"type": "object", "properties": {"pay": {"type": "object"}}},
            "defaults": {"pay": {"weak": 0, "fair": 1, "great": 3}},
        },
        "item": {
            "completion": "COMPLETION(actual, target, direction)",
            "score": "completion * completion * 100",
        },
        "weights": {
            "rules": [
                {
                    "key": "sum",
                    "scope": "scorecard",
                    "rule": "ABS(SUM(items, weight) - 100) < 0.000001",
                    "message": _text("Item weights must sum to 100"),
                }
            ]
        },
        "completion": "AVG(items, completion)",
        "kpi": "MIN(items, score)",
        "sections": [{"key": "kpi", "title": _text("KPIs"), "weight": 100, "score": "kpi"}],
        "total": "MAX(sections, score) + 5",
        "rating": {
            "formula": 'BAND(total, [40, 80], ["weak", "fair", "great"])',
            "bands": [
                {"key": "weak", "title": _text("Weak")},
                {"key": "fair", "title": _text("Fair")},
                {"key": "great", "title": _text("Great")},
            ],
        },
        "incentive": {"multiplier": "FIELD(params.pay, rating)"},
    }


async def unusual_cycle(company: Company) -> tuple[str, str]:
    """A cycle of an app whose scoring template is :func:`worst_item_scoring`; returns
    the cycle and the template's ref."""
    scoring = worst_item_scoring(f"worst-item-{next(_keys)}")
    return await cycle_with_scoring(company, scoring), f"{scoring['key']}@1"


TWO = [
    {"key": "a", "title": "A", "target": 100, "weight": 50},
    {"key": "b", "title": "B", "target": 200, "weight": 50},
]


async def _scored_company(
    company: Company, sessions: async_sessionmaker[AsyncSession]
) -> tuple[str, str]:
    """emp's plan (a 80 of 100, b 300 of 200) and head's plan signed; other's not."""
    cycle, ref = await unusual_cycle(company)
    signed = [
        await plan(company, cycle, "emp", TWO, {"a": 80, "b": 300}),
        await plan(company, cycle, "head", TWO, {"a": 100, "b": 200}),
    ]
    await plan(company, cycle, "other", TWO, {"a": 10})
    await sign(sessions, *signed)
    return cycle, ref


async def test_a_run_scores_signed_plans_by_their_template_and_reports_unsigned_ones(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given an app whose scoring template counts the worst item, two signed plans and
    # one unsigned
    cycle, ref = await _scored_company(company, sessions)
    # when HR runs the scoring of the cycle
    job = await run(company, engine, cycle)
    # then the job ran one part per department and reports what it did
    assert (job["kind"], job["status"], job["done"], job["total"]) == (
        "score-results", "SUCCEEDED", 3, 3,
    )  # fmt: skip
    other = company.people["other"]
    assert job["result"] == {
        "scored": 2, "unchanged": 0, "unsigned": 1, "failed": 0, "failedPlans": [],
        "unsignedPlans": [{"employee": other, "reason": "the plan is not signed by both sides"}],
        "calibrationsKept": 0, "recalibrate": 0, "recalibratePlans": [],
    }  # fmt: skip
    # and emp's draft result holds the template's numbers: a 0.8² · 100 = 64,
    # b 1.5² · 100 = 225, the KPI part the worst (64), the total + 5, its own band
    emp = await result(company, cycle, "emp")
    assert (emp["version"], emp["status"], emp["scoringRef"]) == (1, "DRAFT", ref)
    assert emp["kpiPart"] == pytest.approx(64)
    assert emp["total"] == pytest.approx(69)
    assert (emp["rating"], emp["multiplier"]) == ("fair", 1)
    assert emp["reviewPart"] is None
    items = {i["key"]: i for i in emp["inputs"]["items"]}
    assert (items["a"]["actual"], items["a"]["target"], items["a"]["weight"]) == (80, 100, 50)
    assert items["a"]["score"] == pytest.approx(64)
    assert items["b"]["score"] == pytest.approx(225)
    assert emp["templates"]["scoring"] == ref
    assert emp["templates"]["parameters"]["pay"] == {"weak": 0, "fair": 1, "great": 3}
    # and the unsigned plan has no result
    assert await result(company, cycle, "other") is None
    assert {r["employeeId"] for r in await results(company, cycle)} == {
        str(company.people["emp"]), str(company.people["head"]),
    }  # fmt: skip


async def _rows(sessions: async_sessionmaker[AsyncSession], cycle: str) -> int:
    async with sessions() as session:
        return int(
            (
                await session.execute(
                    select(func.count()).select_from(Result).where(Result.cycle_id == int(cycle))
                )
            ).scalar_one()
        )


def _stable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: r["employeeId"])


async def test_running_twice_gives_the_same_results_and_no_duplicates(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given a cycle scored once
    cycle, _ = await _scored_company(company, sessions)
    await run(company, engine, cycle)
    first = _stable(await results(company, cycle))
    # when HR runs the scoring again on the same inputs
    again = await run(company, engine, cycle)
    # then the same people are scored to the same results, overwriting the drafts
    assert again["result"]["scored"] == 2
    assert _stable(await results(company, cycle)) == first
    assert await _rows(sessions, cycle) == 2


async def test_a_run_of_one_org_unit_scores_its_people_only(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given two signed plans, emp's in team t1 (under d1) and head's in d1
    cycle, _ = await _scored_company(company, sessions)
    # when HR runs the scoring of team t1
    job = await run(company, engine, cycle, unit=str(company.units["t1"]))
    # then only emp is scored
    assert (job["status"], job["total"], job["result"]["scored"]) == ("SUCCEEDED", 1, 1)
    assert [r["employeeId"] for r in await results(company, cycle)] == [str(company.people["emp"])]


async def test_a_part_that_failed_is_finished_by_running_again_without_duplicates(
    company: Company,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # (drain runs the parts one at a time, so which departments ran before the failure
    # is fixed)
    cycle, _ = await _scored_company(company, sessions)
    real = results_service.score_part
    calls = itertools.count()

    async def second_part_fails(*args: Any, **kwargs: Any) -> Any:
        if next(calls) == 1:
            raise ServiceError.one(ErrorCode.CONFLICT, "the database went away")
        return await real(*args, **kwargs)

    monkeypatch.setattr(results_service, "score_part", second_part_fails)
    # when the run fails on its second department
    failed = await run(company, engine, cycle)
    # then the first department's results are kept
    assert (failed["status"], failed["done"], failed["total"]) == ("FAILED", 1, 3)
    assert failed["error"]["code"] == "CONFLICT"
    assert await _rows(sessions, cycle) == 2  # d1: emp and head
    kept = _stable(await results(company, cycle))
    # when HR runs it again
    monkeypatch.setattr(results_service, "score_part", real)
    done = await run(company, engine, cycle)
    # then it finishes, with the same results and no duplicates
    assert done["status"] == "SUCCEEDED"
    assert done["result"]["unsigned"] == 1
    assert _stable(await results(company, cycle)) == kept
    assert await _rows(sessions, cycle) == 2


async def test_only_hr_runs_the_scoring(company: Company) -> None:
    cycle, _ = await unusual_cycle(company)
    for who in ("lead", "head", "emp", "exec"):
        body = await company.raw(
            "mutation($c: ID!) { startScoringRun(cycle: $c) { job { id } errors { code } } }",
            {"c": cycle},
            as_user=who,
        )
        payload = (body.get("data") or {}).get("startScoringRun")
        assert payload is None or payload["job"] is None, (who, body)
