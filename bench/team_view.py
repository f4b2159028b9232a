"""A manager's team view (50 people × 8 items) over GraphQL against a plain
Starlette JSON endpoint serving the same rows from the same database.

    .venv/bin/python bench/team_view.py [--requests 200] [--database-url URL]

Both apps run in-process under httpx's ASGI transport (one event loop, i.e.
one worker, no network), so the ratio isolates what perfloop adds: token
verification, the caller and its Casbin scope, the scope filter in SQL,
progress computations and Strawberry's execution. Prints p50/p95 latency and
the p50 ratio; targets p50 < 50 ms and ratio < 3x.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
from _stats import pct
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from perfloop.api.app import create_app
from perfloop.api.core.auth import issue_token
from perfloop.authz import Role
from perfloop.services.identity.tenants import assign_roles, create_tenant
from perfloop.services.templates import sync_builtin_templates
from perfloop.settings import Settings, normalize_database_url
from perfloop.store import make_engine, make_sessionmaker, upgrade
from perfloop.store.apps import InstalledApp
from perfloop.store.cycles import Cycle
from perfloop.store.identity import UserAccount
from perfloop.store.org import Employee, OrgUnit
from perfloop.store.plans import Actual, Scorecard, ScorecardItem

PEOPLE, ITEMS = 50, 8
TEAM = """
query($cycle: ID!) {
  teamScorecards(cycle: $cycle, first: 100) {
    totalCount
    edges { node {
      id employeeId employeeName status completion score behindCount
      items { id key title unit direction target weight actual completion score
              expectedProgress behind }
    } }
  }
}"""
ASSIGN = """
mutation($cycle: ID!, $unit: ID!, $items: [ScorecardItemInput!]!) {
  assignScorecardItems(cycle: $cycle, orgUnit: $unit, position: "Rep", items: $items) {
    errors { message }
  }
}"""


async def seed(engine: AsyncEngine, settings: Settings) -> tuple[int, int, str]:
    """A tenant with a manager of 50 people, an open cycle, 8 planned items each."""
    await upgrade(engine)
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        await sync_builtin_templates(session)
        tenant = await create_tenant(session, "bench", "Bench Co")
        unit = OrgUnit(tenant_id=tenant.id, kind="team", code="t", name="T", path="")
        session.add(unit)
        await session.flush()
        unit.path = f"/{unit.id}/"

        def person(n: int, manager: int | None, position: str = "Rep") -> Employee:
            return Employee(
                tenant_id=tenant.id, org_unit_id=unit.id, manager_id=manager,
                employee_no=f"B{n:04d}", name=f"Person {n}", email=f"p{n}@bench.test",
                position=position, grade="P3", hire_date=dt.date(2020, 1, 1),
            )  # fmt: skip

        boss = person(0, None, "Manager")
        session.add(boss)
        await session.flush()
        session.add_all(person(n, boss.id) for n in range(1, PEOPLE + 1))
        account = UserAccount(tenant_id=tenant.id, employee_id=boss.id, email=boss.email,
                              display_name=boss.name)  # fmt: skip
        session.add(account)
        await session.flush()
        await assign_roles(session, tenant.id, account.id, [Role.MANAGER, Role.EMPLOYEE])
        app = InstalledApp(tenant_id=tenant.id, app_key="standard-performance", app_version=1,
                           overrides={}, parameters={})  # fmt: skip
        session.add(app)
        await session.flush()
        today = dt.date.today()
        cycle = Cycle(
            tenant_id=tenant.id, installed_app_id=app.id, template_key="quarterly-review",
            template_version=1, period_kind="quarter", period="bench",
            starts_on=today - dt.timedelta(days=45), ends_on=today + dt.timedelta(days=45),
            stage_key="planning",
        )  # fmt: skip
        session.add(cycle)
        await session.commit()
        cycle_id, unit_id, email = cycle.id, unit.id, boss.email
    return cycle_id, unit_id, email


async def fill(engine: AsyncEngine, cycle_id: int) -> None:
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        cycle = await session.get(Cycle, cycle_id)
        assert cycle is not None
        items = (
            await session.execute(
                select(ScorecardItem.id, ScorecardItem.tenant_id)
                .join(Scorecard)
                .where(Scorecard.cycle_id == cycle_id)
            )
        ).all()
        session.add_all(
            Actual(
                tenant_id=t,
                item_id=i,
                period_start=cycle.starts_on,
                period_end=cycle.ends_on,
                value=float(30 + i % 50),
                source="manual",
            )
            for i, t in items
        )
        await session.commit()


def plain_app(engine: AsyncEngine, cycle_id: int) -> Starlette:
    sessions = make_sessionmaker(engine)

    async def rows(_: Request) -> JSONResponse:
        async with sessions() as session:
            cycle = await session.get(Cycle, cycle_id)
            assert cycle is not None
            result = await session.execute(
                select(
                    Scorecard.id,
                    Scorecard.employee_id,
                    Employee.name,
                    Scorecard.status,
                    ScorecardItem.id,
                    ScorecardItem.key,
                    ScorecardItem.title,
                    ScorecardItem.unit,
                    ScorecardItem.direction,
                    ScorecardItem.target,
                    ScorecardItem.weight,
                    Actual.value,
                )
                .join(Employee, Employee.id == Scorecard.employee_id)
                .join(ScorecardItem, ScorecardItem.scorecard_id == Scorecard.id)
                .outerjoin(Actual, Actual.item_id == ScorecardItem.id)
                .where(Scorecard.cycle_id == cycle.id)
                .order_by(Employee.employee_no, ScorecardItem.position)
            )
            return JSONResponse([list(r) for r in result])

    return Starlette(routes=[Route("/rows", rows)])


async def timed(
    n: int, calls: dict[str, Callable[[], Awaitable[httpx.Response]]]
) -> dict[str, list[float]]:
    """Latency of each call, in alternating rounds so machine load hits them alike."""
    for call in calls.values():
        for _ in range(10):  # warm up
            (await call()).raise_for_status()
    out: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(n):
        for name, call in calls.items():
            start = time.perf_counter()
            response = await call()
            out[name].append((time.perf_counter() - start) * 1000)
            response.raise_for_status()
    return out


async def main(requests: int, url: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = normalize_database_url(url or f"sqlite:///{Path(tmp) / 'bench.db'}")
        settings = Settings(env="test", database_url=url)
        engine = make_engine(url)
        cycle_id, unit_id, email = await seed(engine, settings)
        token = issue_token(settings, "bench", email)
        headers = {"Authorization": f"Bearer {token}"}
        gql_app, plain = create_app(settings, engine=engine), plain_app(engine, cycle_id)
        async with (
            httpx.AsyncClient(transport=httpx.ASGITransport(app=gql_app), base_url="http://b") as g,
            httpx.AsyncClient(transport=httpx.ASGITransport(app=plain), base_url="http://b") as p,
        ):
            items = [{"key": f"k{i}", "title": f"Indicator {i}", "target": 100, "weight": 12.5}
                     for i in range(ITEMS)]  # fmt: skip
            r = await g.post("/graphql", headers=headers, json={
                "query": ASSIGN,
                "variables": {"cycle": str(cycle_id), "unit": str(unit_id), "items": items},
            })  # fmt: skip
            assert r.json()["data"]["assignScorecardItems"]["errors"] == [], r.text
            await fill(engine, cycle_id)
            body = {"query": TEAM, "variables": {"cycle": str(cycle_id)}}
            check = (await g.post("/graphql", headers=headers, json=body)).json()
            cards = [e["node"] for e in check["data"]["teamScorecards"]["edges"]]
            assert len(cards) == PEOPLE, check
            assert sum(len(c["items"]) for c in cards) == PEOPLE * ITEMS
            times = await timed(
                requests,
                {
                    "graphql": lambda: g.post("/graphql", headers=headers, json=body),
                    "plain": lambda: p.get("/rows"),
                },
            )
            graphql_ms, plain_ms = times["graphql"], times["plain"]
        await engine.dispose()
    backend = url.split(":", 1)[0]
    print(f"team view, {PEOPLE} people x {ITEMS} items, {requests} requests, {backend}, "
          "in-process ASGI (httpx), one event loop")  # fmt: skip
    g50, g95 = statistics.median(graphql_ms), pct(graphql_ms, 95)
    p50, p95 = statistics.median(plain_ms), pct(plain_ms, 95)
    print(f"  GraphQL teamScorecards   p50 {g50:6.1f} ms   p95 {g95:6.1f} ms")
    print(f"  plain Starlette JSON     p50 {p50:6.1f} ms   p95 {p95:6.1f} ms")
    print(f"  ratio (p50)              {g50 / p50:5.2f}x   (targets: p50 < 50 ms, ratio < 3x)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument(
        "--database-url",
        default=None,
        help="default: a temporary SQLite file; a PostgreSQL database must be empty",
    )
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.database_url))
