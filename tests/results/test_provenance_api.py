"""Where a computed actual came from (``Actual.provenance``, written by refreshActuals)
is shown with the item and said in the result's explanation, in zh-CN and en."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from perfloop.store.plans import Actual, ScorecardItem
from support.results import plan, publish, result, run, sign
from support.reviews import open_quarter

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from support.company import Company

ITEMS = [
    {"key": "a", "title": "Revenue", "target": 100, "weight": 40, "unit": "万元"},
    {"key": "b", "title": "Quality", "target": 100, "weight": 30},
    {"key": "c", "title": "Growth", "target": 100, "weight": 30},
]
ACTUALS = {"a": 80, "b": 90, "c": 70}
PROVENANCE = {
    "provider": "sales.revenue",
    "version": "1.0.0",
    "params": {"window": 3},
    "from": "2026-01-01",
    "to": "2026-03-31",
    "datasets": ["sales-orders"],
    "cached": False,
}
CARD = """
query($e: ID!, $c: ID!) {
  scorecard(employee: $e, cycle: $c) {
    items { id key actual actualProvenance { provider version params from to datasets cached } }
  }
}"""
EXPLAIN = """
query($cycle: ID!, $employee: ID!, $lang: ExplanationLanguage!) {
  result(cycle: $cycle, employee: $employee) {
    version inputs
    explanation(lang: $lang) { lines items { key provenance line } }
  }
}"""
ENTER_BACK = """
mutation($item: ID!, $value: Float) {
  enterActual(item: $item, value: $value) {
    actual { value source provenance { provider } } errors { code }
  }
}"""


async def _set_provenance(
    sessions: async_sessionmaker[AsyncSession], plan_id: str, key: str, value: dict[str, Any]
) -> None:
    """What refreshActuals stores on a computed actual, written here directly."""
    async with sessions() as session:
        item = select(ScorecardItem.id).where(
            ScorecardItem.scorecard_id == int(plan_id), ScorecardItem.key == key
        )
        done = await session.execute(
            update(Actual).where(Actual.item_id.in_(item)).values(provenance=value)
        )
        assert done.rowcount == 1  # type: ignore[attr-defined]
        await session.commit()


async def _card(company: Company, cycle: str) -> dict[str, Any]:
    data = await company.ok(CARD, {"e": str(company.people["emp"]), "c": cycle}, as_user="emp")
    return {i["key"]: i for i in data["scorecard"]["items"]}


async def _explain(company: Company, cycle: str, lang: str) -> Any:
    variables = {"cycle": cycle, "employee": str(company.people["emp"]), "lang": lang}
    return (await company.ok(EXPLAIN, variables, as_user="emp"))["result"]


async def test_the_item_shows_where_its_actual_came_from(
    company: Company, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given emp's plan whose revenue was computed by the sales plugin
    cycle = await open_quarter(company, "2026-Q1")
    plan_id = await plan(company, cycle, "emp", ITEMS, ACTUALS)
    await _set_provenance(sessions, plan_id, "a", PROVENANCE)
    # when emp reads the plan
    items = await _card(company, cycle)
    # then the item says the provider, version, parameters and data read
    assert items["a"]["actualProvenance"] == {
        "provider": "sales.revenue", "version": "1.0.0", "params": {"window": 3},
        "from": "2026-01-01", "to": "2026-03-31", "datasets": ["sales-orders"], "cached": False,
    }  # fmt: skip
    # and an actual entered by hand has none
    assert items["b"]["actualProvenance"] is None
    # and a value entered by hand over the computed one is nobody's computation
    entered = await company.ok(ENTER_BACK, {"item": items["a"]["id"], "value": 85}, as_user="hr")
    assert entered["enterActual"]["errors"] == []
    assert entered["enterActual"]["actual"]["provenance"] is None
    assert (await _card(company, cycle))["a"]["actualProvenance"] is None


async def test_a_stored_provenance_of_another_shape_reads_leniently(
    company: Company, sessions: async_sessionmaker[AsyncSession]
) -> None:
    cycle = await open_quarter(company, "2026-Q1")
    plan_id = await plan(company, cycle, "emp", ITEMS, ACTUALS)
    # no provider: nothing to say
    await _set_provenance(sessions, plan_id, "a", {"from": "2026-01-01"})
    assert (await _card(company, cycle))["a"]["actualProvenance"] is None
    # a provider with dates that are not dates and no version
    await _set_provenance(sessions, plan_id, "a", {"provider": "x.y", "from": "soon"})
    assert (await _card(company, cycle))["a"]["actualProvenance"] == {
        "provider": "x.y", "version": None, "params": {}, "from": None, "to": None,
        "datasets": [], "cached": False,
    }  # fmt: skip


async def test_the_explanation_says_the_provenance_in_both_languages(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given emp's signed plan whose revenue came from the sales plugin, scored and published
    cycle = await open_quarter(company, "2026-Q1")
    plan_id = await plan(company, cycle, "emp", ITEMS, ACTUALS)
    await _set_provenance(sessions, plan_id, "a", PROVENANCE)
    await sign(sessions, plan_id)
    assert (await run(company, engine, cycle))["result"]["scored"] == 1
    assert await publish(company, cycle) == 1
    # when emp reads the explanation
    en = await _explain(company, cycle, "EN")
    zh = await _explain(company, cycle, "ZH_CN")
    # then the revenue item says where its actual came from, in each language
    said_en = {i["key"]: i["provenance"] for i in en["explanation"]["items"]}
    said_zh = {i["key"]: i["provenance"] for i in zh["explanation"]["items"]}
    params = json.dumps({"window": 3})
    assert said_en == {
        "a": f"actual from sales.revenue 1.0.0, params {params}, "
        "data 2026-01-01..2026-03-31, datasets sales-orders",
        "b": None,
        "c": None,
    }
    assert said_zh == {
        "a": f"实际值来自 sales.revenue 1.0.0，参数 {params}，"
        "数据 2026-01-01..2026-03-31，数据集 sales-orders",
        "b": None,
        "c": None,
    }
    # and the lines carry it right under the item's own line
    lines = en["explanation"]["lines"]
    revenue = next(i["line"] for i in en["explanation"]["items"] if i["key"] == "a")
    assert lines[lines.index(revenue) + 1] == f"  · {said_en['a']}"
    # and the result keeps it with what was scored, without the cache flag
    kept = next(i for i in en["inputs"]["items"] if i["key"] == "a")
    assert kept["provenance"] == {k: v for k, v in PROVENANCE.items() if k != "cached"}
    assert "provenance" not in next(i for i in en["inputs"]["items"] if i["key"] == "b")
    # when a later refresh only reads the same numbers again (cached, a new version)
    await _set_provenance(
        sessions, plan_id, "a", {**PROVENANCE, "version": "1.0.1", "cached": True}
    )
    again = (await run(company, engine, cycle))["result"]
    # then the published result is not redone for its provenance alone
    assert (again["scored"], again["unchanged"]) == (0, 1)
    assert (await result(company, cycle, "emp"))["version"] == 1
