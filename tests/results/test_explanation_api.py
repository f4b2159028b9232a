"""What a person reads of their result: each item's target, actual, completion, the
rule of the template that applied (threshold, floor, cap), its score and weight; the
review part by relation, aggregated and anonymous below its minimum; the band and the
multiplier — in zh-CN or en."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from support.results import EXPLAIN, plan, publish, result, run, sign
from support.reviews import (
    CHOOSE,
    MANAGER_ANSWERS,
    PEER_ANSWERS,
    SELF_ANSWERS,
    add_peers,
    create,
    find,
    open_quarter,
    submit,
)

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from support.company import Company

#: under the standard template (threshold 0.6, floor 0, cap 120): a is below the
#: threshold (0), b over the cap (120), c in between (90)
ITEMS = [
    {"key": "a", "title": "Revenue", "target": 100, "weight": 40, "unit": "万元"},
    {"key": "b", "title": "Quality", "target": 100, "weight": 30},
    {"key": "c", "title": "Growth", "target": 100, "weight": 30},
]
ACTUALS = {"a": 50, "b": 150, "c": 90}


@pytest.fixture
async def published(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> str:
    """A quarter in which emp rated themself 4 (75), lead rated emp 5 (100) and two of
    emp's three peers rated emp 3 and 5 (75 on average); emp's signed plan scored and
    published."""
    await add_peers(sessions, company)
    cycle = await open_quarter(company, "2026-Q1")
    await create(company, cycle, "self-review")
    await create(company, cycle, "review-360")
    p = company.people
    chosen = await company.ok(
        CHOOSE,
        {"cycle": cycle, "stage": "review-360", "subject": p["emp"],
         "peers": [p["p1"], p["p2"], p["p3"]]},
        as_user="lead",
    )  # fmt: skip
    assert chosen["choosePeers"]["errors"] == []
    forms = {
        ("self", "emp"): (SELF_ANSWERS, "emp"),
        ("manager", "lead"): (MANAGER_ANSWERS, "lead"),
        ("peer", "p1"): (PEER_ANSWERS, "p1"),
        ("peer", "p2"): ({**PEER_ANSWERS, "overall_rating": 5, "communication": 4}, "p2"),
    }
    for (relation, rater), (answers, user) in forms.items():
        form = await find(company, cycle, relation, "emp", rater)
        done = await submit(company, form["id"], answers, as_user=user)
        assert done["errors"] == [], done
    await sign(sessions, await plan(company, cycle, "emp", ITEMS, ACTUALS))
    job = await run(company, engine, cycle)
    assert job["result"]["scored"] == 1
    assert await publish(company, cycle) == 1
    return cycle


async def _explain(company: Company, cycle: str, as_user: str, lang: str) -> Any:
    variables = {"cycle": cycle, "employee": str(company.people["emp"]), "lang": lang}
    return (await company.ok(EXPLAIN, variables, as_user=as_user))["result"]["explanation"]


async def test_the_result_combines_the_kpi_part_and_the_reviews_by_the_template(
    company: Company, published: str
) -> None:
    # when HR reads emp's result
    emp = await result(company, published, "emp")
    # then the KPI part is the weighted item scores (0, 120, 90), the review part the
    # relations by their weights with those without raters left out
    # ((10·75 + 20·75 + 50·100) / 80), the total 70/30 of both, band B, multiplier 1
    assert emp["kpiPart"] == pytest.approx(63)
    assert emp["reviewPart"] == pytest.approx(90.625)
    assert emp["total"] == pytest.approx(71.29)
    assert (emp["rating"], emp["multiplier"]) == ("B", 1)
    relations = {r["relation"]: r for r in emp["inputs"]["relations"]}
    assert {k: (r["raters"], r["score"]) for k, r in relations.items()} == {
        "self": (1, 75), "peer": (2, 75), "manager": (1, 100),
        "subordinate": (0, None), "customer": (0, None),
    }  # fmt: skip
    assert "ratings" not in emp["inputs"]  # no rating of a single rater is shown


async def test_the_person_reads_which_rule_applied_to_each_item_in_english(
    company: Company, published: str
) -> None:
    # when emp reads their result's explanation in English
    explained = await _explain(company, published, "emp", "EN")
    # then each item says its numbers and the rule of the template that applied
    items = {i["key"]: i for i in explained["items"]}
    assert (items["a"]["target"], items["a"]["actual"], items["a"]["weight"]) == (100, 50, 40)
    assert (items["a"]["completion"], items["a"]["score"]) == (0.5, 0)
    assert items["a"]["line"] == (
        "Revenue: target 100 万元, actual 50 万元, completion 50%, score 0, weight 40%"
    )
    # a: below the threshold, the IF's first branch
    assert items["a"]["rules"] == [
        "completion < params.threshold (completion = 0.5, "
        "Scoring threshold (completion ratio) = 0.6): holds, so 0"
    ]
    # b: over the threshold, then capped at the cap
    assert items["b"]["rules"][0].endswith(
        ": does not hold, so CLAMP(completion * 100, params.floor, params.cap) = 120"
    )
    assert items["b"]["rules"][1] == ("completion * 100 = 150 → capped at Item score cap = 120")
    # c: within the floor and the cap
    assert items["c"]["rules"][1] == "completion * 100 = 90: within its floor and cap"
    # and the review part by relation, the peers (2 of a minimum of 3) not on their own
    relations = {r["relation"]: r for r in explained["relations"]}
    assert (relations["manager"]["score"], relations["manager"]["hidden"]) == (100, False)
    assert relations["manager"]["line"] == "Manager review (weight 50%): 1 rater(s), score 100"
    assert (relations["peer"]["score"], relations["peer"]["hidden"]) == (None, True)
    assert relations["customer"]["line"] == "Customer feedback: no ratings"
    # and the band and multiplier with the band's title
    assert (explained["rating"], explained["ratingTitle"], explained["multiplier"]) == (
        "B", "Good", 1,
    )  # fmt: skip
    assert explained["lines"][-1] == "rating B (Good), bonus multiplier 1"


async def test_the_explanation_speaks_chinese_and_the_manager_sees_the_peers(
    company: Company, published: str
) -> None:
    # when emp reads it in Chinese
    explained = await _explain(company, published, "emp", "ZH_CN")
    # then the items and the rules are said in Chinese, with the template's titles
    items = {i["key"]: i for i in explained["items"]}
    assert (
        items["a"]["line"] == "Revenue：目标 100 万元，实际 50 万元，完成率 50%，得分 0，权重 40%"
    )
    assert items["a"]["rules"] == [
        "completion < params.threshold (完成率 = 0.5, 计分门槛（完成率） = 0.6): 成立, 因此取 0"
    ]
    assert items["b"]["rules"][1] == "completion * 100 = 150 → 封顶为 单项封顶分 = 120"
    assert explained["lines"][-1] == "等级 B（良好），奖金系数 1"
    # when the manager reads it
    managed = await _explain(company, published, "lead", "EN")
    # then the peers' aggregate is shown to them
    peers = next(r for r in managed["relations"] if r["relation"] == "peer")
    assert (peers["raters"], peers["score"], peers["hidden"]) == (2, 75, False)
