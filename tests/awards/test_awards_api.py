"""Awards through the API: one winner per department and cycle, decided by the scoring
template's rank and tie-breaks (the total, the KPI part, the earlier hire date, then the
employee id); HR previews and announces; the company reads the announced winners; an
announced winner never changes silently."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from support.awards import hired, install, open_period, score, winners
from support.results import enter, publish, run

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from support.company import Company

AWARD = """
  award title { zhCN en } orgUnitId orgUnitName employeeId employeeName value decidedBy
  decidedByTitle { en } keys { key value } runnerUpId eligible candidates tied
  resultVersion status announcedAt differs
"""
AWARDS = f"""
query($cycle: ID!, $award: String, $unit: ID) {{
  awards(cycle: $cycle, award: $award, orgUnit: $unit) {{ {AWARD} }}
}}"""
ANNOUNCE = f"""
mutation($cycle: ID!, $award: String!) {{
  announceAwards(cycle: $cycle, award: $award) {{
    announced kept awards {{ {AWARD} }} errors {{ code message path }}
  }}
}}"""
STAR = "star-of-the-period"


async def awards(company: Company, cycle: str, as_user: str = "hr", **more: Any) -> Any:
    data = await company.ok(AWARDS, {"cycle": cycle, **more}, as_user=as_user)
    return data["awards"]


async def quarter(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession],
    actuals: dict[str, dict[str, float]], period: str = "2026-Q2",
) -> str:  # fmt: skip
    app = await install(company)
    cycle = await open_period(company, app, period)
    await score(company, engine, sessions, cycle, actuals)
    return cycle


async def test_the_highest_total_of_each_department_is_its_star(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given d1's head, lead and emp, and d2's other (below target: not eligible)
    cycle = await quarter(company, engine, sessions, {
        "emp": {"a": 110, "b": 100}, "lead": {"a": 120, "b": 100},
        "head": {"a": 100, "b": 100}, "other": {"a": 90, "b": 100},
    })  # fmt: skip
    # when HR reads the awards
    found = await awards(company, cycle)
    # then d1's star is lead, by the total; d2 has no eligible person, so no star
    assert winners(found, company) == {"d1": ("lead", "rank")}
    star = found[0]
    assert star["status"] == "PREVIEW"
    assert star["announcedAt"] is None
    assert (star["award"], star["title"]["en"]) == (STAR, "Star of the department")
    assert (star["eligible"], star["candidates"], star["tied"]) == (3, 3, 0)
    assert star["value"] == 108  # 120 × 40% + 100 × 60%
    assert [k["key"] for k in star["keys"]] == ["rank", "kpi", "tenure"]
    assert star["runnerUpId"] == str(company.people["emp"])
    # and nobody but HR sees a preview
    for who in ("emp", "lead", "head", "exec"):
        assert await awards(company, cycle, as_user=who) == [], who


async def test_equal_totals_go_to_the_earlier_hire_date_then_the_lowest_employee_id(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given emp and lead with the same total and KPI part, emp hired earlier
    await hired(sessions, company, "emp", dt.date(2015, 3, 1))
    cycle = await quarter(company, engine, sessions, {
        "emp": {"a": 110, "b": 100}, "lead": {"a": 110, "b": 100},
    })  # fmt: skip
    # then emp wins on the hire date
    found = await awards(company, cycle, award=STAR)
    assert winners(found, company) == {"d1": ("emp", "tenure")}
    assert found[0]["tied"] == 1
    assert found[0]["decidedByTitle"]["en"] == "Earlier hire date"
    # when they were hired the same day, the lowest employee id decides (lead)
    await hired(sessions, company, "emp", dt.date(2020, 1, 1))
    found = await awards(company, cycle, award=STAR)
    assert winners(found, company) == {"d1": ("lead", "employee")}


async def test_an_announced_star_is_read_by_everyone_and_never_changes_silently(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given lead ahead of emp
    cycle = await quarter(company, engine, sessions, {
        "emp": {"a": 110, "b": 100}, "lead": {"a": 115, "b": 100},
    })  # fmt: skip
    # when HR announces the star
    done = (await company.ok(ANNOUNCE, {"cycle": cycle, "award": STAR}, as_user="hr"))[
        "announceAwards"
    ]
    # then it is stored and everyone in the company reads it
    assert done["errors"] == []
    assert (done["announced"], done["kept"]) == (1, 0)
    assert done["awards"][0]["status"] == "ANNOUNCED"
    for who in ("emp", "other", "exec", "head"):
        seen = await awards(company, cycle, as_user=who)
        assert winners(seen, company) == {"d1": ("lead", "rank")}, who
        assert seen[0]["differs"] is None, who
    # when late data puts emp ahead and a new version is published
    await enter(company, cycle, "emp", "a", 130)
    await run(company, engine, cycle)
    await publish(company, cycle)
    # then the announced star stays; HR sees that today's results would differ
    assert winners(await awards(company, cycle, as_user="emp"), company) == {"d1": ("lead", "rank")}
    hr = await awards(company, cycle)
    assert winners(hr, company) == {"d1": ("lead", "rank")}
    assert hr[0]["differs"] is True
    assert hr[0]["resultVersion"] == 1
    # and announcing again keeps it
    again = (await company.ok(ANNOUNCE, {"cycle": cycle, "award": STAR}, as_user="hr"))[
        "announceAwards"
    ]
    assert (again["announced"], again["kept"]) == (0, 1)
    assert winners(again["awards"], company) == {"d1": ("lead", "rank")}


async def test_announcing_is_for_hr_and_names_a_known_award(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    cycle = await quarter(company, engine, sessions, {"emp": {"a": 110, "b": 100}})
    # a manager may not announce
    refused = await company.raw(ANNOUNCE, {"cycle": cycle, "award": STAR}, as_user="lead")
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # an unknown award is a payload error naming the field
    unknown = (await company.ok(ANNOUNCE, {"cycle": cycle, "award": "nope"}, as_user="hr"))[
        "announceAwards"
    ]
    assert [(e["code"], e["path"]) for e in unknown["errors"]] == [("INVALID", ["award"])]
    # another tenant's cycle is not found
    assert (await awards(company, cycle))[0]["award"] == STAR
    missing = await company.raw(AWARDS, {"cycle": "999999"}, as_user="hr")
    assert missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_awards_of_one_unit(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    cycle = await quarter(company, engine, sessions, {
        "emp": {"a": 110, "b": 100}, "other": {"a": 130, "b": 100},
    })  # fmt: skip
    assert set(winners(await awards(company, cycle), company)) == {"d1", "d2"}
    only = await awards(company, cycle, unit=str(company.units["d2"]))
    assert winners(only, company) == {"d2": ("other", "only")}
