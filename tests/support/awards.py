"""Helpers of the award and annual summary tests: the standard app version 2 installed,
cycles opened from it, people scored and published."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import update

from perfloop.store.org import Employee
from support.results import plan, publish, run, sign

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from support.company import Company

INSTALL = """
mutation { installApp(app: "standard-performance@2") {
  installedApp { id } errors { code message } } }
"""
OPEN = """
mutation($app: ID!, $period: String!) {
  openCycle(app: $app, cycle: "quarterly-review", period: $period) {
    cycle { id } errors { code message }
  }
}"""
ITEMS = [
    {"key": "a", "title": "Revenue", "target": 100, "weight": 40},
    {"key": "b", "title": "Quality", "target": 100, "weight": 30},
    {"key": "c", "title": "Growth", "target": 100, "weight": 30},
]


async def install(company: Company) -> str:
    data = (await company.ok(INSTALL, as_user="hr"))["installApp"]
    assert data["errors"] == [], data
    return str(data["installedApp"]["id"])


async def open_period(company: Company, app: str, period: str) -> str:
    data = (await company.ok(OPEN, {"app": app, "period": period}, as_user="hr"))["openCycle"]
    assert data["errors"] == [], data
    return str(data["cycle"]["id"])


async def score(
    company: Company,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    cycle: str,
    actuals: dict[str, dict[str, float]],
) -> None:
    """Plans for each person with their actuals (b and c at target unless given),
    signed, scored and published."""
    plans = [
        await plan(company, cycle, who, ITEMS, {"b": 100, "c": 100, **values})
        for who, values in actuals.items()
    ]
    await sign(sessions, *plans)
    job = await run(company, engine, cycle)
    assert job["result"]["scored"] == len(plans), job
    await publish(company, cycle)


async def hired(
    sessions: async_sessionmaker[AsyncSession], company: Company, who: str, on: dt.date
) -> None:
    async with sessions() as session:
        await session.execute(
            update(Employee).where(Employee.id == company.people[who]).values(hire_date=on)
        )
        await session.commit()


def winners(awards: list[dict[str, Any]], company: Company) -> dict[str, tuple[str, str]]:
    """unit handle -> (winner handle, decidedBy)."""
    units = {str(v): k for k, v in company.units.items()}
    people = {str(v): k for k, v in company.people.items()}
    return {units[a["orgUnitId"]]: (people[a["employeeId"]], a["decidedBy"]) for a in awards}
