"""Plan item titles in both product languages: an item from a KPI library keeps the
indicator's zh-CN and en names, an assigner may give a title per language, and a
person reads their scorecard and their result's explanation with the titles in the
language they choose. Action tasks have their title per language the same way."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from perfloop.store.results import Result
from support.actuals import open_cycle
from support.results import EXPLAIN, SET_ITEMS, drain, plan, publish, run, sign
from support.reviews import open_quarter

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from support.company import Company

READ = """
query($employee: ID!, $cycle: ID!) { scorecard(employee: $employee, cycle: $cycle) {
  items { key title titles { zhCN en } tasks { id title titles { zhCN en } status } } } }"""
TASK = """
mutation($task: ID!) { updateActionTask(task: $task, status: "doing") {
  task { title titles { zhCN en } } errors { code } } }"""
ASSIGN = """
mutation($cycle: ID!, $unit: ID, $items: [ScorecardItemInput!]!) {
  assignScorecardItems(cycle: $cycle, orgUnit: $unit, items: $items) {
    scorecards { id } errors { code message path }
  }
}"""
START = """
mutation($cycle: ID!, $unit: ID, $items: [ScorecardItemInput!]!) {
  startAssignScorecardItems(cycle: $cycle, orgUnit: $unit, items: $items) {
    created job { id } errors { code message path }
  }
}"""

#: manual indicators of the built-in HR library, a title in English only, one string
ITEMS: list[dict[str, Any]] = [
    {"library": "hr-kpis@1", "indicator": "headcount", "target": 100, "weight": 40},
    {"library": "hr-kpis@1", "indicator": "offer_acceptance_rate", "target": 80, "weight": 30,
     "titles": {"zhCN": "录用接受率（校招）"}},
    {"key": "docs", "titles": {"en": "Handbook pages"}, "target": 10, "weight": 20},
    {"key": "plain", "title": "OKR review", "target": 1, "weight": 10},
]  # fmt: skip
BOTH = {
    "headcount": {"zhCN": "期末在职人数", "en": "Headcount"},
    # a title given in one language replaces the library's in both
    "offer_acceptance_rate": {"zhCN": "录用接受率（校招）", "en": "录用接受率（校招）"},
    "docs": {"zhCN": "Handbook pages", "en": "Handbook pages"},
    "plain": {"zhCN": "OKR review", "en": "OKR review"},
}


async def _read(company: Company, cycle: str, who: str = "emp") -> dict[str, Any]:
    variables = {"employee": str(company.people[who]), "cycle": cycle}
    card = (await company.ok(READ, variables, as_user=who))["scorecard"]
    return {i["key"]: i for i in card["items"]}


async def test_items_read_in_both_languages(company: Company) -> None:
    # given emp's plan set with library items, a title in one language and a plain one
    cycle = await open_quarter(company)
    await plan(company, cycle, "emp", ITEMS, {})
    # when emp reads it
    items = await _read(company, cycle)
    # then each item has its title per language; `title` is still the zh-CN one
    assert {k: i["titles"] for k, i in items.items()} == BOTH
    assert items["headcount"]["title"] == "期末在职人数"
    assert items["plain"]["title"] == "OKR review"


async def test_title_and_titles_together_and_too_long(company: Company) -> None:
    cycle = await open_quarter(company)
    # given a title for both and an English one: the English one wins in English
    given = [{"key": "x", "title": "客户回访", "titles": {"en": "Customer calls"},
              "target": 1, "weight": 40}, *ITEMS[1:]]  # fmt: skip
    await plan(company, cycle, "emp", given, {})
    read = (await _read(company, cycle))["x"]
    assert read["titles"] == {"zhCN": "客户回访", "en": "Customer calls"}
    # and a title past 200 characters in one language is refused, naming the field
    long = [{"key": "x", "titles": {"zhCN": "短", "en": "y" * 201}, "target": 1, "weight": 40},
            *ITEMS[1:]]  # fmt: skip
    variables = {"cycle": cycle, "employee": str(company.people["emp"]), "items": long}
    payload = (await company.ok(SET_ITEMS, variables, as_user="hr"))["setScorecardItems"]
    assert [(e["code"], e["path"]) for e in payload["errors"]] == [
        ("INVALID", ["items", "0", "titles", "en"])
    ]
    assert (await _read(company, cycle))["x"]["titles"]["en"] == "Customer calls"


async def test_explanation_says_item_titles_in_its_language(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given emp's plan from the HR library, signed, scored and published
    cycle = await open_quarter(company)
    actuals = {"headcount": 90, "offer_acceptance_rate": 80, "docs": 10, "plain": 1}
    await sign(sessions, await plan(company, cycle, "emp", ITEMS, actuals))
    assert (await run(company, engine, cycle))["result"]["scored"] == 1
    assert await publish(company, cycle) == 1
    said = {}
    for lang in ("EN", "ZH_CN"):
        variables = {"cycle": cycle, "employee": str(company.people["emp"]), "lang": lang}
        read = await company.ok(EXPLAIN, variables, as_user="emp")
        said[lang] = {i["key"]: i for i in read["result"]["explanation"]["items"]}
    # then emp reads the item titles in the language of the explanation
    assert said["EN"]["headcount"]["title"] == "Headcount"
    assert said["EN"]["headcount"]["line"].startswith("Headcount: target 100")
    assert said["ZH_CN"]["headcount"]["title"] == "期末在职人数"
    assert said["ZH_CN"]["headcount"]["line"].startswith("期末在职人数：目标 100")
    assert said["EN"]["docs"]["title"] == said["ZH_CN"]["docs"]["title"] == "Handbook pages"


async def test_assignment_and_its_job_keep_both_titles(
    company: Company, engine: AsyncEngine
) -> None:
    cycle = await open_cycle(company, "2026-Q2")
    unit = str(company.units["co"])
    # when HR assigns the items to the company at once
    done = await company.ok(ASSIGN, {"cycle": cycle, "unit": unit, "items": ITEMS}, as_user="hr")
    assert done["assignScorecardItems"]["errors"] == []
    assert {k: i["titles"] for k, i in (await _read(company, cycle)).items()} == BOTH
    # and again as a job, the same items under new titles (updated in place)
    other = cycle
    items = [{**ITEMS[0], "titles": {"zhCN": "人数", "en": "People"}}, *ITEMS[1:]]
    started = await company.ok(START, {"cycle": other, "unit": unit, "items": items}, as_user="hr")
    assert started["startAssignScorecardItems"]["errors"] == []
    await drain(engine)
    read = await _read(company, other, "lead")
    assert read["headcount"]["titles"] == {"zhCN": "人数", "en": "People"}
    assert read["headcount"]["title"] == "人数"


async def test_a_result_published_before_titles_is_not_redone_for_them(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given emp's result published before plan items had titles (its inputs without them)
    cycle = await open_quarter(company)
    actuals = {"headcount": 90, "offer_acceptance_rate": 80, "docs": 10, "plain": 1}
    await sign(sessions, await plan(company, cycle, "emp", ITEMS, actuals))
    await run(company, engine, cycle)
    assert await publish(company, cycle) == 1
    async with sessions() as session:
        mine = select(Result).where(Result.employee_id == company.people["emp"])
        row = (await session.execute(mine)).scalars().one()
        items = [{k: v for k, v in i.items() if k != "titles"} for i in row.inputs["items"]]
        row.inputs = {**row.inputs, "items": items}
        await session.commit()
    # when HR runs the scoring again
    job = await run(company, engine, cycle)
    # then the published version stands (nothing but the titles would differ) and its
    # explanation says the one title it kept
    assert (job["result"]["scored"], job["result"]["unchanged"]) == (0, 1)
    variables = {"cycle": cycle, "employee": str(company.people["emp"]), "lang": "EN"}
    read = await company.ok(EXPLAIN, variables, as_user="emp")
    said = {i["key"]: i["title"] for i in read["result"]["explanation"]["items"]}
    assert said["headcount"] == "期末在职人数"


async def test_action_tasks_have_a_title_per_language(
    company: Company, engine: AsyncEngine
) -> None:
    cycle = await open_quarter(company)
    tasks = [
        {"title": "季度排期", "titles": {"en": "Plan the quarter"}},
        {"title": "Call the top accounts"},
        {"title": "ignored", "titles": {"zhCN": "复盘", "en": "Retrospective"}},
    ]
    await plan(company, cycle, "emp", [{**ITEMS[0], "tasks": tasks}, *ITEMS[1:]], {})
    read = (await _read(company, cycle))["headcount"]["tasks"]
    # each task has its title per language; ``title`` is the zh-CN one
    assert [(t["title"], t["titles"]) for t in read] == [
        ("季度排期", {"zhCN": "季度排期", "en": "Plan the quarter"}),
        ("Call the top accounts", {"zhCN": "Call the top accounts", "en": "Call the top accounts"}),
        ("复盘", {"zhCN": "复盘", "en": "Retrospective"}),
    ]
    # a task moved answers with both titles
    moved = (await company.ok(TASK, {"task": read[0]["id"]}, as_user="emp"))["updateActionTask"]
    assert moved == {"task": {"title": "季度排期", "titles": read[0]["titles"]}, "errors": []}
    # sent again under the same zh-CN title with a new English one, a task keeps its row
    # and status and takes the new title
    again = [{"title": "季度排期", "titles": {"en": "Schedule the quarter"}}]
    await plan(company, cycle, "emp", [{**ITEMS[0], "tasks": again}, *ITEMS[1:]], {})
    (kept,) = (await _read(company, cycle))["headcount"]["tasks"]
    assert (kept["id"], kept["status"]) == (read[0]["id"], "doing")
    assert kept["titles"] == {"zhCN": "季度排期", "en": "Schedule the quarter"}
    # an assignment as a job keeps them too
    job = [{**ITEMS[0], "tasks": tasks[:1]}, *ITEMS[1:]]
    unit = str(company.units["co"])
    started = await company.ok(START, {"cycle": cycle, "unit": unit, "items": job}, as_user="hr")
    assert started["startAssignScorecardItems"]["errors"] == []
    await drain(engine)
    (assigned,) = (await _read(company, cycle, "lead"))["headcount"]["tasks"]
    assert assigned["titles"] == {"zhCN": "季度排期", "en": "Plan the quarter"}


async def test_bad_task_titles_are_refused_naming_the_task(company: Company) -> None:
    cycle = await open_quarter(company)
    await plan(company, cycle, "emp", ITEMS, {})
    bad = [{"title": "ok", "titles": {"en": " "}}, {"title": "ok2", "titles": {"zhCN": "长" * 201}}]
    variables = {"cycle": cycle, "employee": str(company.people["emp"]),
                 "items": [{**ITEMS[0], "tasks": bad}, *ITEMS[1:]]}  # fmt: skip
    payload = (await company.ok(SET_ITEMS, variables, as_user="hr"))["setScorecardItems"]
    assert [(e["code"], e["path"]) for e in payload["errors"]] == [
        ("INVALID", ["items", "0", "tasks", "0", "titles", "en"]),
        ("INVALID", ["items", "0", "tasks", "1", "titles", "zhCN"]),
    ]
    assert (await _read(company, cycle))["headcount"]["tasks"] == []


REPORT_TITLES = """
query($cycle: ID!, $by: [ReportDimension!]!) { planReport(cycle: $cycle, groupBy: $by) {
  edges { node { indicatorKey indicatorTitles { zhCN en } } } } }"""
DASHBOARD_TITLES = """
query($cycle: ID!) { dashboard(cycle: $cycle) {
  indicators { indicatorKey indicatorTitles { zhCN en } } } }"""


async def test_report_and_dashboard_rows_name_their_indicator_in_both_languages(
    company: Company,
) -> None:
    # given emp's and other's plans: other's headcount item (set later) titled otherwise
    cycle = await open_quarter(company)
    await plan(company, cycle, "emp", ITEMS, {})
    renamed = {**ITEMS[0], "titles": {"zhCN": "人数", "en": "People"}}
    await plan(company, cycle, "other", [renamed, *ITEMS[1:]], {})
    # when HR reads the report by indicator and the dashboard
    report = await company.ok(REPORT_TITLES, {"cycle": cycle, "by": ["INDICATOR"]}, as_user="hr")
    board = await company.ok(DASHBOARD_TITLES, {"cycle": cycle}, as_user="hr")
    # then each row has its indicator's titles: its first item's
    rows = {e["node"]["indicatorKey"]: e["node"] for e in report["planReport"]["edges"]}
    assert {k: r["indicatorTitles"] for k, r in rows.items()} == BOTH
    indicators = board["dashboard"]["indicators"]
    assert {r["indicatorKey"]: r["indicatorTitles"] for r in indicators} == BOTH
    # other reads only their own items: their own titles
    board = await company.ok(DASHBOARD_TITLES, {"cycle": cycle}, as_user="other")
    titles = {r["indicatorKey"]: r["indicatorTitles"] for r in board["dashboard"]["indicators"]}
    assert titles["headcount"] == {"zhCN": "人数", "en": "People"}
    # not grouped by indicator: none
    report = await company.ok(REPORT_TITLES, {"cycle": cycle, "by": ["ORG_UNIT"]}, as_user="hr")
    assert {e["node"]["indicatorTitles"] for e in report["planReport"]["edges"]} == {None}
