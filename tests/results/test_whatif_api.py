"""What-if over GraphQL: HR applies modified parameters or a modified scoring template to
a cycle's inputs and compares with the current results — people per band, the means,
who moves by how much — through the scoring run's own path, storing nothing."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import func, select

from perfloop.store.core.audit import AuditEvent
from perfloop.store.results import Result
from perfloop.templates import load_builtin_templates
from support.results import plan, run, sign
from support.reviews import open_quarter

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from support.company import Company

WHAT_IF = """
query($cycle: ID!, $scoring: JSONObject, $parameters: JSONObject, $unit: ID, $first: Int) {
  whatIf(cycle: $cycle, scoring: $scoring, parameters: $parameters, orgUnit: $unit,
         first: $first) {
    people stored computed unsigned failed meanBefore meanAfter moved bandChanged
    bands { band before after }
    movers { employeeId employeeName beforeTotal beforeRating beforeFrom
             afterTotal afterRating delta }
  }
}"""

#: under the standard template (threshold 0.6, cap 120): emp's a is below the
#: threshold (0), b over the cap (120), c 90 → 0·0.4 + 120·0.3 + 90·0.3 = 63, band C;
#: head's items at 90 % → 90, band A
ITEMS = [
    {"key": "a", "title": "Revenue", "target": 100, "weight": 40},
    {"key": "b", "title": "Quality", "target": 100, "weight": 30},
    {"key": "c", "title": "Growth", "target": 100, "weight": 30},
]
EMP = {"a": 50, "b": 150, "c": 90}
HEAD = {"a": 90, "b": 90, "c": 90}
RAISED_BANDS = {
    "rating_bands": [
        {"band": "S", "min_score": 99},
        {"band": "A", "min_score": 95},
        {"band": "B", "min_score": 80},
        {"band": "C", "min_score": 70},
        {"band": "D", "min_score": 0},
    ]
}


@pytest.fixture
async def cycle(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> str:
    """A quarter of the standard app: emp's plan signed and scored (a stored draft),
    head's signed afterwards (no result yet), other's not signed."""
    cycle = await open_quarter(company, "2026-Q2")
    await sign(sessions, await plan(company, cycle, "emp", ITEMS, EMP))
    assert (await run(company, engine, cycle))["result"]["scored"] == 1
    await sign(sessions, await plan(company, cycle, "head", ITEMS, HEAD))
    await plan(company, cycle, "other", ITEMS, EMP)
    return cycle


async def _what_if(company: Company, cycle: str, as_user: str = "hr", **args: Any) -> Any:
    return (await company.ok(WHAT_IF, {"cycle": cycle, **args}, as_user=as_user))["whatIf"]


def _bands(answer: Any) -> dict[str | None, tuple[int, int]]:
    return {b["band"]: (b["before"], b["after"]) for b in answer["bands"]}


async def test_raised_band_limits_move_people_down_and_list_them(
    company: Company, cycle: str
) -> None:
    # given emp scored 63 (C, stored) and head at 90 (A, not run yet)
    # when HR tries band limits raised to S 99, A 95, B 80, C 70
    answer = await _what_if(company, cycle, parameters=RAISED_BANDS)
    # then both move down a band with the same totals, and the answer says which
    # "before" was stored and which computed now
    assert (answer["people"], answer["stored"], answer["computed"]) == (2, 1, 1)
    assert answer["unsigned"] == 1
    assert (answer["moved"], answer["bandChanged"]) == (2, 2)
    assert _bands(answer) == {
        "S": (0, 0), "A": (1, 0), "B": (0, 1), "C": (1, 0), "D": (0, 1),
    }  # fmt: skip
    assert answer["meanBefore"] == pytest.approx(76.5)
    assert answer["meanAfter"] == pytest.approx(76.5)
    movers = {m["employeeId"]: m for m in answer["movers"]}
    emp = movers[str(company.people["emp"])]
    assert (emp["beforeRating"], emp["afterRating"], emp["beforeFrom"]) == ("C", "D", "STORED")
    assert (emp["beforeTotal"], emp["afterTotal"], emp["delta"]) == (63, 63, 0)
    head = movers[str(company.people["head"])]
    assert (head["beforeRating"], head["afterRating"], head["beforeFrom"]) == (
        "A", "B", "COMPUTED",
    )  # fmt: skip


async def test_movers_come_by_absolute_change_and_are_capped(company: Company, cycle: str) -> None:
    # when HR tries a lower scoring threshold (0.4): emp's a at 50 % now scores 50
    answer = await _what_if(company, cycle, parameters={"threshold": 0.4}, first=1)
    # then emp moves up by 20 (63 → 83, C → B); head does not move; one listed of one
    assert (answer["moved"], len(answer["movers"])) == (1, 1)
    (emp,) = answer["movers"]
    assert emp["employeeName"] == "Emp"
    assert (emp["beforeTotal"], emp["afterTotal"]) == (63, 83)
    assert emp["delta"] == pytest.approx(20)
    assert (emp["beforeRating"], emp["afterRating"]) == ("C", "B")
    # and first: 0 lists no one but still counts the movers
    counted = await _what_if(company, cycle, parameters={"threshold": 0.4}, first=0)
    assert (counted["moved"], counted["movers"]) == (1, [])


async def test_a_modified_template_is_scored_through_the_same_path(
    company: Company, cycle: str
) -> None:
    # given the standard template with the item score capped at 100 instead of 120
    builtin = load_builtin_templates().get("standard-scoring", 1)
    assert builtin is not None
    scoring = copy.deepcopy(dict(builtin.document))
    scoring["item"]["score"] = (
        "IF(completion < params.threshold, 0, CLAMP(completion * 100, params.floor, 100))"
    )
    # when HR tries it
    answer = await _what_if(company, cycle, scoring=scoring)
    # then emp's b counts 100, not 120: 57, band D; head is unchanged
    (emp,) = answer["movers"]
    assert (emp["employeeId"], emp["afterTotal"], emp["afterRating"]) == (
        str(company.people["emp"]), 57, "D",
    )  # fmt: skip
    assert emp["delta"] == pytest.approx(-6)


async def test_the_current_template_and_parameters_move_no_one(
    company: Company, cycle: str
) -> None:
    # when HR asks with nothing changed, or with the parameters as installed
    for args in ({}, {"parameters": {"threshold": 0.6}}):
        answer = await _what_if(company, cycle, **args)
        # then no one moves and every band holds the same people
        assert (answer["moved"], answer["bandChanged"], answer["movers"]) == (0, 0, [])
        assert all(before == after for before, after in _bands(answer).values())
        assert answer["meanBefore"] == answer["meanAfter"]


async def test_an_org_unit_narrows_the_what_if(company: Company, cycle: str) -> None:
    # when HR asks for t1 (emp's team) only
    answer = await _what_if(company, cycle, parameters=RAISED_BANDS, unit=str(company.units["t1"]))
    # then only emp is compared
    assert (answer["people"], answer["moved"]) == (1, 1)
    assert answer["movers"][0]["employeeId"] == str(company.people["emp"])


async def test_a_bad_template_or_parameter_is_an_error_naming_its_place(
    company: Company, cycle: str
) -> None:
    # given a template whose item score reads a parameter that does not exist
    builtin = load_builtin_templates().get("standard-scoring", 1)
    assert builtin is not None
    scoring = copy.deepcopy(dict(builtin.document))
    scoring["item"]["score"] = "CLAMP(completion * 100, params.floor, params.nope)"
    # when HR tries it
    body = await company.raw(WHAT_IF, {"cycle": cycle, "scoring": scoring}, as_user="hr")
    # then it is TEMPLATE_INVALID naming /item/score under scoring
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "TEMPLATE_INVALID"
    assert error["message"].startswith("scoring/item/score:"), error
    # and a parameter of the wrong shape names its pointer under parameters
    body = await company.raw(
        WHAT_IF, {"cycle": cycle, "parameters": {"threshold": "high"}}, as_user="hr"
    )
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "TEMPLATE_INVALID"
    assert error["message"].startswith("parameters/threshold:"), error


async def test_only_hr_runs_a_what_if(company: Company, cycle: str) -> None:
    for who in ("emp", "lead", "head", "exec"):
        body = await company.raw(WHAT_IF, {"cycle": cycle}, as_user=who)
        assert body.get("data") is None or body["data"].get("whatIf") is None, (who, body)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", (who, body)


async def _snapshot(sessions: async_sessionmaker[AsyncSession]) -> Any:
    async with sessions() as session:
        rows = (
            await session.execute(
                select(
                    Result.id, Result.version, Result.status, Result.total, Result.rating
                ).order_by(Result.id)
            )
        ).all()
        audits = (await session.execute(select(func.count()).select_from(AuditEvent))).scalar()
        return [tuple(r) for r in rows], audits


async def test_a_what_if_stores_nothing(
    company: Company, cycle: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given the results and the audit log as they are
    before = await _snapshot(sessions)
    # when HR runs what-ifs
    await _what_if(company, cycle, parameters=RAISED_BANDS)
    await _what_if(company, cycle, parameters={"threshold": 0.4})
    # then no result row and no audit event changed
    assert await _snapshot(sessions) == before


EXPLAIN_TREE = """
query($cycle: ID!, $employee: ID!) {
  result(cycle: $cycle, employee: $employee) {
    total explanation(lang: EN) { total items { key score rules } tree }
  }
}"""


async def test_a_run_stores_no_tree_and_the_explanation_is_rebuilt_when_read(
    company: Company, cycle: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given emp's result written by a run
    async with sessions() as session:
        stored = (
            await session.execute(
                select(Result.explanation).where(Result.employee_id == company.people["emp"])
            )
        ).scalar_one()
    # then the run stored no explanation tree
    assert stored == {}
    # when HR reads the explanation
    variables = {"cycle": cycle, "employee": str(company.people["emp"])}
    read = (await company.ok(EXPLAIN_TREE, variables, as_user="hr"))["result"]
    # then the trees are rebuilt from the stored inputs through the engine: a below
    # the threshold (0), b capped at 120, the total as stored
    explanation = read["explanation"]
    assert explanation["total"] == read["total"] == 63
    items = {i["key"]: i for i in explanation["items"]}
    assert (items["a"]["score"], items["b"]["score"], items["c"]["score"]) == (0, 120, 90)
    assert any("holds, so 0" in rule for rule in items["a"]["rules"]), items["a"]["rules"]
    assert any("capped at" in rule for rule in items["b"]["rules"]), items["b"]["rules"]
    assert explanation["tree"]["items"][0]["score"]["children"]
