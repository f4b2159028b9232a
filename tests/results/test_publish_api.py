"""Publishing results and reading them: drafts stay HR's until published; a published
result never changes, a later run makes a new version and the earlier one stays
readable; the person reads their own published result, their manager the team's, HR
everyone's, nobody a peer's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from support.results import enter, plan, publish, result, results, run, sign
from support.reviews import open_quarter

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from support.company import Company

ITEMS = [
    {"key": "a", "title": "Revenue", "target": 100, "weight": 40},
    {"key": "b", "title": "Quality", "target": 100, "weight": 30},
    {"key": "c", "title": "Growth", "target": 100, "weight": 30},
]


async def scored(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> str:
    """A standard quarter with signed plans for emp, lead and other, scored once."""
    cycle = await open_quarter(company, "2026-Q2")
    plans = [
        await plan(company, cycle, who, ITEMS, {"a": 90, "b": 100, "c": 80})
        for who in ("emp", "lead", "other")
    ]
    await sign(sessions, *plans)
    job = await run(company, engine, cycle)
    assert job["result"]["scored"] == 3
    return cycle


async def test_drafts_are_private_until_hr_publishes_them(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given draft results
    cycle = await scored(company, engine, sessions)
    # then only HR reads them
    assert len(await results(company, cycle, as_user="hr")) == 3
    for who in ("emp", "lead", "head", "exec"):
        assert await results(company, cycle, as_user=who) == [], who
        assert await result(company, cycle, "emp", as_user=who) is None, who
    # when HR publishes them
    assert await publish(company, cycle) == 3
    # then the person reads their own, not a peer's
    own = await result(company, cycle, "emp", as_user="emp")
    assert (own["status"], own["version"]) == ("PUBLISHED", 1)
    assert own["publishedAt"] is not None
    assert await result(company, cycle, "other", as_user="emp") is None
    assert [r["employeeId"] for r in await results(company, cycle, as_user="emp")] == [
        str(company.people["emp"])
    ]
    # and the manager their team (themself and emp), the head their subtree, HR and
    # executives everyone
    team = {r["employeeId"] for r in await results(company, cycle, as_user="lead")}
    assert team == {str(company.people["lead"]), str(company.people["emp"])}
    assert await result(company, cycle, "other", as_user="lead") is None
    assert len(await results(company, cycle, as_user="exec")) == 3
    # and publishing again publishes nothing more
    assert await publish(company, cycle) == 0


async def test_a_published_result_never_changes_and_a_later_run_makes_version_2(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given published results
    cycle = await scored(company, engine, sessions)
    await publish(company, cycle)
    v1 = await result(company, cycle, "emp", as_user="hr")
    # when the scoring runs again on the same inputs
    same = await run(company, engine, cycle)
    # then nothing changed: the published results stand, no new version
    assert (same["result"]["scored"], same["result"]["unchanged"]) == (0, 3)
    assert await result(company, cycle, "emp", as_user="hr") == v1
    # when a late actual arrives for emp and the scoring runs again
    await enter(company, cycle, "emp", "c", 100)
    late = await run(company, engine, cycle)
    assert (late["result"]["scored"], late["result"]["unchanged"]) == (1, 2)
    # then HR reads version 2, a draft with the new numbers
    v2 = await result(company, cycle, "emp", as_user="hr")
    assert (v2["version"], v2["status"]) == (2, "DRAFT")
    assert v2["kpiPart"] > v1["kpiPart"]
    assert [(v["version"], v["status"]) for v in v2["versions"]] == [
        (1, "PUBLISHED"), (2, "DRAFT"),
    ]  # fmt: skip
    # and version 1 is readable as it was
    old = await result(company, cycle, "emp", as_user="hr", version=1)
    assert {k: v for k, v in old.items() if k != "versions"} == {
        k: v for k, v in v1.items() if k != "versions"
    }
    # and emp still reads version 1 only, until version 2 is published
    mine = await result(company, cycle, "emp", as_user="emp")
    assert (mine["version"], mine["kpiPart"]) == (1, v1["kpiPart"])
    assert [v["version"] for v in mine["versions"]] == [1]
    assert await result(company, cycle, "emp", as_user="emp", version=2) is None
    assert await publish(company, cycle) == 1
    assert (await result(company, cycle, "emp", as_user="emp"))["version"] == 2
    # and lists show each person's latest, or the status asked for
    hr = await results(company, cycle, as_user="hr", status="PUBLISHED")
    assert sorted(r["version"] for r in hr) == [1, 1, 2]


async def test_a_later_run_and_publication_leave_the_published_version_as_it_was(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given published results
    cycle = await scored(company, engine, sessions)
    await publish(company, cycle)
    before = await results(company, cycle, as_user="hr")
    # when a late actual arrives, the scoring runs and HR publishes again
    await enter(company, cycle, "emp", "a", 100)
    await run(company, engine, cycle)
    await publish(company, cycle)
    # then every version 1 is as it was published
    for row in before:
        who = next(k for k, v in company.people.items() if str(v) == row["employeeId"])
        again = await result(company, cycle, who, as_user="hr", version=1)
        assert {k: v for k, v in again.items() if k != "versions"} == {
            k: v for k, v in row.items() if k != "versions"
        }


async def test_publishing_needs_hr(company: Company) -> None:
    cycle = await open_quarter(company, "2026-Q2")
    for who in ("lead", "head", "emp", "exec"):
        body = await company.raw(
            "mutation($c: ID!) { publishResults(cycle: $c) { published errors { code } } }",
            {"c": cycle},
            as_user=who,
        )
        payload = (body.get("data") or {}).get("publishResults")
        assert payload is None or payload["errors"], (who, body)
