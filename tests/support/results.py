"""Helpers for result tests: plans set and signed, scoring runs run to their end, and
the result operations."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from perfloop.services import jobs
from perfloop.store.core import utcnow
from perfloop.store.plans import Scorecard
from support import nodes
from support.company import Company

ERRORS = "errors { code message path detail }"
SET_ITEMS = f"""
mutation($cycle: ID!, $employee: ID!, $items: [ScorecardItemInput!]!) {{
  setScorecardItems(cycle: $cycle, employee: $employee, items: $items) {{
    scorecard {{ id items {{ id key }} }} {ERRORS}
  }}
}}"""
ENTER = f"""
mutation($item: ID!, $value: Float) {{ enterActual(item: $item, value: $value) {{ {ERRORS} }} }}
"""
START = f"""
mutation($cycle: ID!, $unit: ID) {{
  startScoringRun(cycle: $cycle, orgUnit: $unit) {{
    created job {{ id kind status }} {ERRORS}
  }}
}}"""
JOB = """
query($id: ID!) { job(id: $id) { id kind status done total result error { code message } } }
"""
PUBLISH = f"""
mutation($cycle: ID!, $unit: ID) {{
  publishResults(cycle: $cycle, orgUnit: $unit) {{ published {ERRORS} }}
}}"""
RESULT_FIELDS = """
  id employeeId version status scorecardRevision scoringRef templates inputs
  kpiPart reviewPart total rating multiplier publishedAt
  versions { version status total rating }
"""
RESULT = f"""
query($cycle: ID!, $employee: ID!, $version: Int) {{
  result(cycle: $cycle, employee: $employee, version: $version) {{ {RESULT_FIELDS} }}
}}"""
RESULTS = f"""
query($cycle: ID!, $unit: ID, $status: ResultStatus) {{
  results(cycle: $cycle, orgUnit: $unit, status: $status, first: 100) {{
    totalCount edges {{ node {{ {RESULT_FIELDS} }} }}
  }}
}}"""
EXPLAIN = """
query($cycle: ID!, $employee: ID!, $lang: ExplanationLanguage!) {
  result(cycle: $cycle, employee: $employee) {
    explanation(lang: $lang) {
      lang kpi review total rating ratingTitle multiplier lines
      items { key title target actual completion score weight rules line }
      relations { relation label weight raters score hidden line }
    }
  }
}"""


async def drain(engine: AsyncEngine) -> None:
    """Run every queued job to its end, as `perfloop worker` would."""
    if engine.dialect.name == "postgresql":
        await jobs.run_worker(engine, wait=False, concurrency=1)  # parts in order
    else:
        await jobs.wait_in_process()


async def plan(
    company: Company,
    cycle: str,
    who: str,
    items: list[dict[str, Any]],
    actuals: dict[str, float],
) -> str:
    """Set ``who``'s plan as HR and enter its actuals; returns the plan's id."""
    variables = {"cycle": cycle, "employee": str(company.people[who]), "items": items}
    data = (await company.ok(SET_ITEMS, variables, as_user="hr"))["setScorecardItems"]
    assert data["errors"] == [], data["errors"]
    for item in data["scorecard"]["items"]:
        if item["key"] in actuals:
            entered = await company.ok(
                ENTER, {"item": item["id"], "value": actuals[item["key"]]}, as_user="hr"
            )
            assert entered["enterActual"]["errors"] == []
    return str(data["scorecard"]["id"])


async def enter(company: Company, cycle: str, who: str, key: str, value: float) -> None:
    """A late actual: ``who``'s item ``key`` gets ``value``."""
    read = "query($e: ID!, $c: ID!) { scorecard(employee: $e, cycle: $c) { items { id key } } }"
    card = await company.ok(read, {"e": str(company.people[who]), "c": cycle}, as_user="hr")
    item = next(i for i in card["scorecard"]["items"] if i["key"] == key)
    entered = await company.ok(ENTER, {"item": item["id"], "value": value}, as_user="hr")
    assert entered["enterActual"]["errors"] == []


async def sign(sessions: async_sessionmaker[AsyncSession], *plan_ids: str) -> None:
    """Both sides signed the plans (signing itself is tested with the plans)."""
    async with sessions() as session:
        await session.execute(
            update(Scorecard)
            .where(Scorecard.id.in_([int(p) for p in plan_ids]))
            .values(status="signed", employee_signed_at=utcnow(), manager_signed_at=utcnow())
        )
        await session.commit()


async def run(
    company: Company, engine: AsyncEngine, cycle: str, unit: str | None = None
) -> dict[str, Any]:
    """Start a scoring run as HR, run it to its end; returns the job as HR reads it."""
    started = (await company.ok(START, {"cycle": cycle, "unit": unit}, as_user="hr"))[
        "startScoringRun"
    ]
    assert started["errors"] == [], started["errors"]
    await drain(engine)
    job: dict[str, Any] = (await company.ok(JOB, {"id": started["job"]["id"]}, as_user="hr"))["job"]
    return job


async def publish(company: Company, cycle: str, unit: str | None = None) -> int:
    done = (await company.ok(PUBLISH, {"cycle": cycle, "unit": unit}, as_user="hr"))[
        "publishResults"
    ]
    assert done["errors"] == [], done["errors"]
    published: int = done["published"]
    return published


async def result(
    company: Company, cycle: str, who: str, as_user: str = "hr", version: int | None = None
) -> Any:
    variables = {"cycle": cycle, "employee": str(company.people[who]), "version": version}
    return (await company.ok(RESULT, variables, as_user=as_user))["result"]


async def results(company: Company, cycle: str, as_user: str = "hr", **filters: Any) -> list[Any]:
    data = await company.ok(RESULTS, {"cycle": cycle, **filters}, as_user=as_user)
    return nodes(data["results"])
