"""Calibration over GraphQL: HR compares a unit's rating distribution with the scoring
template's target, moves single ratings with a reason (the multiplier follows the
template's incentive formula), every move is audited and shown in the person's
explanation, a published result gets version n+1, and the cycle's
``calibration-complete`` guard counts the units not scored or off their target."""

from __future__ import annotations

import asyncio
import itertools
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select, update

from perfloop.services.cycles.guards import GUARDS
from perfloop.store.core import AuditEvent
from perfloop.store.cycles import Cycle
from perfloop.store.plans import Actual, Scorecard, ScorecardItem
from perfloop.store.results import Result
from support.locks import lock_waiters
from support.results import ERRORS, plan, publish, result, run, sign
from support.scoring import cycle_with_scoring

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from support import GraphQLClient
    from support.company import Company

CALIBRATION = """
query($cycle: ID!, $unit: ID) {
  calibration(cycle: $cycle, orgUnit: $unit) {
    groups { scoringRef rated unrated breaksTarget
      bands { band count share min max over under
        people { employeeId employeeName version revision status calibrated } } }
  }
}"""
CALIBRATE = f"""
mutation($cycle: ID!, $employee: ID!, $rating: String!, $reason: String!,
         $version: Int!, $revision: Int!) {{
  calibrateResult(cycle: $cycle, employee: $employee, rating: $rating, reason: $reason,
                  expectedVersion: $version, expectedRevision: $revision) {{
    result {{ version status revision rating multiplier total }} {ERRORS}
  }}
}}"""
EXPLAIN = """
query($cycle: ID!, $employee: ID!, $lang: ExplanationLanguage!) {
  result(cycle: $cycle, employee: $employee) {
    version rating multiplier
    explanation(lang: $lang) {
      lines rating multiplier tree
      calibrations { from to multiplierBefore multiplierAfter reason by at line }
    }
  }
}"""

_keys = itertools.count()
TWO = [
    {"key": "a", "title": "A", "target": 100, "weight": 50},
    {"key": "b", "title": "B", "target": 200, "weight": 50},
]
GREAT = {"a": 100, "b": 200}  # the worst item at 100 %: 100 + 5 → great
FAIR = {"a": 80, "b": 300}  # the worst item at 80 %: 64 + 5 → fair


def _text(en: str) -> dict[str, str]:
    return {"zh-CN": en, "en": en}


def targeted_scoring(key: str) -> dict[str, Any]:
    """The worst item counts (its completion squared), three bands paying 0, 1 or 3 by
    a parameter, and a target: at most half the unit great, at least nobody weak."""
    return {
        "kind": "scoring",
        "key": key,
        "version": 1,
        "title": _text("Worst item counts, with a target"),
        "parameters": {
            "schema": {"type": "object", "properties": {"pay": {"type": "object"}}},
            "defaults": {"pay": {"weak": 0, "fair": 1, "great": 3}},
        },
        "item": {
            "completion": "COMPLETION(actual, target, direction)",
            "score": "completion * completion * 100",
        },
        "kpi": "MIN(items, score)",
        "sections": [{"key": "kpi", "title": _text("KPIs"), "weight": 100, "score": "kpi"}],
        "total": "MAX(sections, score) + 5",
        "rating": {
            "formula": 'BAND(total, [40, 80], ["weak", "fair", "great"])',
            "bands": [
                {"key": "great", "title": _text("Great")},
                {"key": "fair", "title": _text("Fair")},
                {"key": "weak", "title": _text("Weak")},
            ],
            "distribution": [{"band": "great", "max": 0.5}, {"band": "weak", "min": 0}],
        },
        "incentive": {"multiplier": "FIELD(params.pay, rating)"},
    }


async def targeted_cycle(company: Company) -> str:
    return await cycle_with_scoring(company, targeted_scoring(f"targeted-{next(_keys)}"))


async def _planned(company: Company, sessions: async_sessionmaker[AsyncSession]) -> str:
    """lead and emp (unit t1) both great, head (unit d1) fair; plans signed."""
    cycle = await targeted_cycle(company)
    signed = [
        await plan(company, cycle, "lead", TWO, GREAT),
        await plan(company, cycle, "emp", TWO, GREAT),
        await plan(company, cycle, "head", TWO, FAIR),
    ]
    await sign(sessions, *signed)
    return cycle


async def _scored(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> str:
    cycle = await _planned(company, sessions)
    await run(company, engine, cycle)
    return cycle


def _move(
    company: Company, cycle: str, who: str, rating: str, reason: str, version: int, revision: int
) -> dict[str, Any]:
    return {"cycle": cycle, "employee": str(company.people[who]), "rating": rating,
            "reason": reason, "version": version, "revision": revision}  # fmt: skip


async def _calibrate(company: Company, variables: dict[str, Any], as_user: str = "hr") -> Any:
    return (await company.ok(CALIBRATE, variables, as_user=as_user))["calibrateResult"]


def _bands(group: dict[str, Any]) -> dict[str, tuple[int, bool, bool]]:
    return {b["band"]: (b["count"], b["over"], b["under"]) for b in group["bands"]}


async def test_calibration_compares_a_units_distribution_with_the_target(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given lead and emp great, head fair, in d1's subtree
    cycle = await _scored(company, engine, sessions)
    # when HR reads d1's calibration
    data = await company.ok(
        CALIBRATION, {"cycle": cycle, "unit": str(company.units["d1"])}, as_user="hr"
    )
    # then two of three are great, above the target's half, in the template's band order
    (group,) = data["calibration"]["groups"]
    assert (group["rated"], group["unrated"], group["breaksTarget"]) == (3, 0, True)
    assert [b["band"] for b in group["bands"]] == ["great", "fair", "weak"]
    assert _bands(group) == {"great": (2, True, False), "fair": (1, False, False),
                             "weak": (0, False, False)}  # fmt: skip
    great = group["bands"][0]
    assert (great["max"], round(great["share"], 3)) == (0.5, 0.667)
    assert len(great["people"]) == 2
    assert all((p["version"], p["revision"], p["status"]) == (1, 1, "DRAFT")
               for p in great["people"])  # fmt: skip


async def test_a_move_on_a_draft_follows_the_templates_multiplier_and_is_explained(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given emp's draft result, great with the template's multiplier 3
    cycle = await _scored(company, engine, sessions)
    before = await result(company, cycle, "emp")
    assert (before["rating"], before["multiplier"], before["version"]) == ("great", 3, 1)
    # when HR moves it to fair with a reason
    moved = await _calibrate(company, _move(company, cycle, "emp", "fair", "peer gap", 1, 1))
    # then the draft is fair, paid by the template's formula, at its next revision
    assert moved["errors"] == []
    assert moved["result"] == {"version": 1, "status": "DRAFT", "revision": 2,
                               "rating": "fair", "multiplier": 1, "total": 105}  # fmt: skip
    # and the explanation says from, to, why, who and when
    data = await company.ok(
        EXPLAIN, {"cycle": cycle, "employee": str(company.people["emp"]), "lang": "EN"},
        as_user="hr",
    )  # fmt: skip
    (move,) = data["result"]["explanation"]["calibrations"]
    assert (move["from"], move["to"], move["multiplierBefore"], move["multiplierAfter"]) == (
        "great", "fair", 3, 1,
    )  # fmt: skip
    assert move["reason"] == "peer gap"
    assert move["by"]
    assert move["at"]
    assert move["line"] in data["result"]["explanation"]["lines"]
    assert "because: peer gap" in move["line"]
    # and the multiplier's formula, as the person reads it, is the one the move ran (the
    # run stored no tree: it is rebuilt from the inputs, the move's own kept over it)
    tree = data["result"]["explanation"]["tree"]
    assert tree["multiplier"]["value"] == 1
    assert tree["total"]["value"] == 105
    # and it is audited with before and after
    async with sessions() as session:
        event = (
            await session.execute(
                select(AuditEvent).where(AuditEvent.action == "result.calibrate")
                .order_by(AuditEvent.id.desc()).limit(1)
            )
        ).scalar_one()  # fmt: skip
    assert (event.before or {})["rating"] == "great"
    assert (event.after or {})["rating"] == "fair"
    assert event.after["reason"] == "peer gap"
    # and the unit now fits its target
    data = await company.ok(
        CALIBRATION, {"cycle": cycle, "unit": str(company.units["t1"])}, as_user="hr"
    )
    (group,) = data["calibration"]["groups"]
    assert group["breaksTarget"] is False
    assert _bands(group)["great"] == (1, False, False)


async def test_a_move_on_a_published_result_writes_version_n_plus_1(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given emp's published result, great
    cycle = await _scored(company, engine, sessions)
    assert await publish(company, cycle) == 3
    # when HR moves it to fair
    moved = await _calibrate(company, _move(company, cycle, "emp", "fair", "calibrated", 1, 1))
    # then version 2 is a fair draft and version 1 stays published as it was
    assert moved["errors"] == []
    assert (moved["result"]["version"], moved["result"]["status"]) == (2, "DRAFT")
    first = await result(company, cycle, "emp", version=1)
    assert (first["status"], first["rating"], first["multiplier"]) == ("PUBLISHED", "great", 3)
    # and emp still reads version 1 until HR publishes, then the move in Chinese
    assert (await result(company, cycle, "emp", as_user="emp"))["version"] == 1
    assert await publish(company, cycle) == 1
    data = await company.ok(
        EXPLAIN, {"cycle": cycle, "employee": str(company.people["emp"]), "lang": "ZH_CN"},
        as_user="emp",
    )  # fmt: skip
    assert (data["result"]["version"], data["result"]["rating"]) == (2, "fair")
    assert any(
        "校准" in line and "calibrated" in line for line in data["result"]["explanation"]["lines"]
    )


async def test_a_move_needs_a_reason_a_band_and_the_revision_read(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given emp's draft result
    cycle = await _scored(company, engine, sessions)
    # when HR moves it without a reason, to a band the template lacks, or from an old read
    blank = await _calibrate(company, _move(company, cycle, "emp", "fair", "  ", 1, 1))
    unknown = await _calibrate(company, _move(company, cycle, "emp", "S", "why", 1, 1))
    stale = await _calibrate(company, _move(company, cycle, "emp", "fair", "why", 1, 7))
    # or someone without result.calibrate tries
    head = (await company.raw(CALIBRATE, _move(company, cycle, "emp", "fair", "x", 1, 1),
                              as_user="head"))  # fmt: skip
    # then each is refused and nothing moved
    assert [(e["code"], e["path"]) for e in blank["errors"]] == [("INVALID", ["reason"])]
    assert [(e["code"], e["path"]) for e in unknown["errors"]] == [("INVALID", ["rating"])]
    assert [e["code"] for e in stale["errors"]] == ["CONFLICT"]
    assert head.get("data") is None or head["data"]["calibrateResult"]["errors"][0]["code"] in (
        "FORBIDDEN", "NOT_FOUND",
    )  # fmt: skip
    assert (await result(company, cycle, "emp"))["rating"] == "great"
    # and the distribution is HR's: null to the head, as for an object out of reach
    data = await company.ok(CALIBRATION, {"cycle": cycle}, as_user="head")
    assert data["calibration"] is None


async def test_the_calibration_guard_counts_units_unscored_or_off_target(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async def blocked(cycle: str) -> list[str]:
        async with sessions() as session:
            found = await session.get(Cycle, int(cycle))
            assert found is not None
            return await GUARDS["calibration-complete"](session, found, {})

    # given signed plans in t1 (lead, emp) and d1 (head) not scored yet
    cycle = await _planned(company, sessions)
    # then both units block the results stage
    assert await blocked(cycle) == ["2 unit(s) not calibrated"]
    # when they are scored: t1 is two great of two, above its target; d1 fits
    await run(company, engine, cycle)
    assert await blocked(cycle) == ["1 unit(s) not calibrated"]
    # when HR moves emp to fair, t1 fits: the guard holds
    moved = await _calibrate(company, _move(company, cycle, "emp", "fair", "calibrated", 1, 1))
    assert moved["errors"] == []
    assert await blocked(cycle) == []


async def test_two_hr_moving_the_same_result_at_once_one_wins(
    backend: str,
    company: Company,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    worker2: GraphQLClient,
) -> None:
    if backend != "postgres":
        pytest.skip("concurrent clients on two workers: PostgreSQL")
    # given emp's draft and, for lead, a published result
    cycle = await _scored(company, engine, sessions)
    token = worker2.token(company.email("hr"), tenant=company.slug)
    headers = {"Authorization": f"Bearer {token}"}
    for who in ("emp", "lead"):
        if who == "lead":
            assert await publish(company, cycle) == 3
        # when two HR on two workers move the same result at once, from the same read,
        # both held at its row until both are waiting
        async with sessions() as blocker:
            await blocker.execute(
                select(Result.id)
                .where(Result.cycle_id == int(cycle), Result.employee_id == company.people[who])
                .with_for_update()
            )
            both = asyncio.gather(
                company.raw(CALIBRATE, _move(company, cycle, who, "fair", "one", 1, 1),
                            as_user="hr"),
                worker2.raw(CALIBRATE, _move(company, cycle, who, "weak", "two", 1, 1),
                            headers=headers),
            )  # fmt: skip
            await lock_waiters(sessions, 2)
            await blocker.rollback()
            first, second = await both
        # then one wins and the other gets CONFLICT, never INTERNAL
        payloads = [body["data"]["calibrateResult"] for body in (first, second)]
        codes = sorted(tuple(e["code"] for e in p["errors"]) for p in payloads)
        assert codes == [(), ("CONFLICT",)], payloads
        async with sessions() as session:
            rows = (
                await session.execute(
                    select(Result).where(Result.employee_id == company.people[who])
                    .order_by(Result.version)
                )
            ).scalars().all()  # fmt: skip
        latest = rows[-1]
        assert len(latest.calibrations) == 1
        assert latest.rating == latest.calibrations[0]["to"]
        assert len(rows) == (1 if who == "emp" else 2)


async def test_a_run_keeps_moves_while_the_score_stands_and_flags_them_when_it_moved(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given emp's draft scored great and calibrated to fair
    cycle = await _scored(company, engine, sessions)
    moved = await _calibrate(company, _move(company, cycle, "emp", "fair", "peer gap", 1, 1))
    assert moved["errors"] == []
    # when HR runs the scoring again with the same inputs
    job = await run(company, engine, cycle)
    # then the move stands: fair, paid as fair, still explained
    assert (job["result"]["calibrationsKept"], job["result"]["recalibrate"]) == (1, 0)
    again = await result(company, cycle, "emp")
    assert (again["version"], again["rating"], again["multiplier"]) == (1, "fair", 1)
    data = await company.ok(
        EXPLAIN, {"cycle": cycle, "employee": str(company.people["emp"]), "lang": "EN"},
        as_user="hr",
    )  # fmt: skip
    assert [c["reason"] for c in data["result"]["explanation"]["calibrations"]] == ["peer gap"]
    # when late data moves emp's own score (to fair by itself) and HR runs it again
    emp = int(company.people["emp"])
    async with sessions() as session:
        items = dict(
            (
                await session.execute(
                    select(ScorecardItem.key, ScorecardItem.id)
                    .join(Scorecard, Scorecard.id == ScorecardItem.scorecard_id)
                    .where(Scorecard.employee_id == emp, Scorecard.cycle_id == int(cycle))
                )
            ).all()
        )
        for key, value in FAIR.items():
            await session.execute(
                update(Actual).where(Actual.item_id == items[key]).values(value=value)
            )
        await session.commit()
    job = await run(company, engine, cycle)
    # then the run scores afresh and tells HR to look at emp again
    assert job["result"]["recalibrate"] == 1
    assert job["result"]["recalibratePlans"] == [
        {"employee": emp, "from": "great", "to": "fair", "scored": "fair"}
    ]
    data = await company.ok(
        EXPLAIN, {"cycle": cycle, "employee": str(emp), "lang": "EN"}, as_user="hr"
    )
    assert data["result"]["rating"] == "fair"
    assert data["result"]["explanation"]["calibrations"] == []
