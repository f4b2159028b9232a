"""What a request pays to know who is calling, and whether they still may.

    .venv/bin/python bench/auth.py [--calls 500] [--database-url URL]

Loads the demo company, warms the enforcer cache, then resolves the caller of
a token (``resolve_caller``: account, tenant and the employee's status in one
statement; the Casbin enforcer from the cache) ``--calls`` times, each in a
fresh session as a request has. For comparison it times the statement the
check replaced (account and tenant, without the employee's status) against
the one it runs now, and a
nested read through the scoped dataloaders (``me { employee { manager { manager
} orgUnit { parent } } }``) over in-process ASGI. Prints statements per
resolution and p50/p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event, select

from perfloop.api.app import create_app
from perfloop.api.core.auth import issue_token
from perfloop.authz import EnforcerCache
from perfloop.demo import load_demo
from perfloop.services.core.caller import resolve_caller
from perfloop.services.templates import sync_builtin_templates
from perfloop.settings import Settings, normalize_database_url
from perfloop.store import make_engine, make_sessionmaker, upgrade
from perfloop.store.identity import Tenant, UserAccount
from perfloop.store.org import Employee

EMAIL = "employee@demo.perfloop.dev"
NESTED = "{ me { employee { manager { manager { name } } orgUnit { parent { name } } } } }"


def pct(values: list[float], p: int) -> float:
    return sorted(values)[min(len(values) - 1, int(len(values) * p / 100))]


async def timed(calls: int, work: Callable[[], Awaitable[Any]]) -> list[float]:
    await work()  # warm-up
    out = []
    for _ in range(calls):
        start = time.perf_counter()
        await work()
        out.append((time.perf_counter() - start) * 1000)
    return out


async def main(calls: int, url: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = normalize_database_url(url or f"sqlite:///{Path(tmp) / 'bench.db'}")
        settings = Settings(env="test", database_url=url)
        engine = make_engine(url)
        await upgrade(engine)
        sessions = make_sessionmaker(engine)
        async with sessions() as session:
            await sync_builtin_templates(session)
            await load_demo(session)
        cache = EnforcerCache()

        async def resolve() -> None:
            async with sessions() as session:
                await resolve_caller(session, cache, "demo", EMAIL)

        previous = (
            select(UserAccount, Tenant)
            .join(Tenant, Tenant.id == UserAccount.tenant_id)
            .where(Tenant.slug == "demo", UserAccount.email == EMAIL)
        )

        current = previous.add_columns(Employee.status).outerjoin(
            Employee, Employee.id == UserAccount.employee_id
        )

        async def previous_statement() -> None:
            async with sessions() as session:
                (await session.execute(previous)).first()

        async def current_statement() -> None:
            async with sessions() as session:
                (await session.execute(current)).first()

        statements: list[str] = []
        await resolve()  # the enforcer is cached from here on

        def count(*args: Any) -> None:
            statements.append(args[2])

        event.listen(engine.sync_engine, "before_cursor_execute", count)
        await resolve()
        event.remove(engine.sync_engine, "before_cursor_execute", count)
        now_ms = await timed(calls, resolve)
        before_ms = await timed(calls, previous_statement)
        with_status_ms = await timed(calls, current_statement)

        headers = {"Authorization": f"Bearer {issue_token(settings, 'demo', EMAIL)}"}
        app = create_app(settings, engine=engine)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://b"
        ) as client:

            async def nested() -> None:
                r = await client.post("/graphql", headers=headers, json={"query": NESTED})
                assert "errors" not in r.json(), r.text

            nested_ms = await timed(calls, nested)
        await engine.dispose()
    backend = url.split(":", 1)[0]
    print(f"caller resolution, demo tenant, {calls} calls, {backend}, warm enforcer cache")
    print(f"  statements per resolution      {len(statements)}")
    for label, ms in (
        ("resolve_caller (with status)", now_ms),
        ("statement: account+tenant", before_ms),
        ("statement: + employee status", with_status_ms),
        ("GraphQL nested me{employee..}", nested_ms),
    ):
        print(f"  {label:31s} p50 {statistics.median(ms):6.2f} ms   p95 {pct(ms, 95):6.2f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument(
        "--database-url",
        default=None,
        help="default: a temporary SQLite file; a PostgreSQL database must be empty",
    )
    args = parser.parse_args()
    asyncio.run(main(args.calls, args.database_url))
