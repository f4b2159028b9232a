"""What authorization costs as a tenant's headcount grows.

    .venv/bin/python bench/authz_scale.py \\
        --database-url postgresql://postgres@127.0.0.1:5432/bench_authz \\
        [--sizes 1000,10000,100000] [--sqlite-sizes 10000] [--old-sizes 1000,10000] \\
        [--samples 20]

For each size it inserts a tenant of that many people (an employee, an account
and role assignments each: everyone ``employee``, every 10th ``manager``, every
100th ``head``, every 500th ``hr``, the first ``admin``) with a few set-based
``INSERT ... SELECT`` statements, then measures, the sizes taking turns sample
by sample (so that other work on the machine weighs on all of them alike),
through a real request over httpx's ASGITransport with a minted token
(``{ me { roles } }``):

- *first*: the first request of a user in a fresh worker: a new ``create_app``
  (so a new, empty enforcer cache) for each sample, a different user each time.
  The engine's connection pool is shared, so a database connection is not part
  of the figure: the figure is what authorization and the request cost.
- *resolve*: ``resolve_caller`` alone with an empty enforcer cache (the
  statement that authenticates the request, the policy lines, the enforcer).
- *warm*: further requests of users on one app whose enforcer is cached.

It prints p50 per size, the ratio of the largest size to the smallest, and,
for comparison, what the enforcer perfloop built before (a Casbin grouping
line per (user, role) assignment of the tenant) cost at ``--old-sizes`` from
the same rows: loading and building it, then its first question (where
pycasbin links the whole role graph; about 3 minutes at 10,000 people).

The PostgreSQL database is created if missing and its ``public`` schema is
dropped and recreated; SQLite sizes run in a temporary file.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

import casbin
import httpx
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from perfloop.api.app import create_app
from perfloop.api.core.auth import issue_token
from perfloop.authz import EnforcerCache
from perfloop.services.core.caller import resolve_caller
from perfloop.services.identity import create_tenant
from perfloop.settings import Settings, normalize_database_url
from perfloop.store import make_engine, make_sessionmaker, upgrade
from perfloop.store.identity import PolicyRule, RoleAssignment, Tenant
from perfloop.store.org import OrgUnit

QUERY = "{ me { roles } }"

# The model perfloop used before: every (user, role) assignment a grouping line.
OLD_MODEL = """
[request_definition]
r = sub, dom, obj, act, scope
[policy_definition]
p = sub, dom, obj, act, scope
[role_definition]
g = _, _, _
[policy_effect]
e = some(where (p.eft == allow))
[matchers]
m = g(r.sub, p.sub, r.dom) && r.dom == p.dom && (p.obj == "*" || r.obj == p.obj) \
&& (p.act == "*" || r.act == p.act) && r.scope == p.scope
"""

EMPLOYEES = (
    "INSERT INTO employees (tenant_id, org_unit_id, employee_no, name, email, position,"
    " grade, hire_date, status)"
    " WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)"
    " SELECT :t, :unit, 'E' || i, 'Person ' || i, 'p' || i || :domain, 'Staff', 'P3',"
    " :hired, 'active' FROM n"
)
ROLES = (("employee", 1, 0), ("manager", 10, 0), ("head", 100, 0), ("hr", 500, 1))


def email(slug: str, i: int) -> str:
    return f"p{i}@{slug}.example"


async def reset_postgres(url: str) -> None:
    """Create the database if missing, then give it an empty public schema."""
    base, _, name = url.rpartition("/")
    admin = create_async_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        exists = (
            await conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        ).first()
        if exists is None:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def insert_tenant(engine: AsyncEngine, slug: str, people: int) -> float:
    """A tenant of ``people`` employees with accounts and roles; seconds taken."""
    start = time.perf_counter()
    async with make_sessionmaker(engine)() as session:
        tenant = await create_tenant(session, slug, f"Bench {people}")
        unit = OrgUnit(tenant_id=tenant.id, kind="company", code="co", name="Co", path="")
        session.add(unit)
        await session.flush()
        unit.path = f"/{unit.id}/"
        t = {"t": tenant.id, "count": people}
        await session.execute(
            text(EMPLOYEES),
            {**t, "unit": unit.id, "domain": f"@{slug}.example", "hired": dt.date(2020, 1, 1)},
        )
        await session.execute(
            text(
                "INSERT INTO user_accounts (tenant_id, employee_id, email, display_name,"
                " is_active) SELECT tenant_id, id, email, name, :yes FROM employees"
                " WHERE tenant_id = :t ORDER BY id"
            ),
            {"t": tenant.id, "yes": True},
        )
        for role, every, offset in ROLES:
            await session.execute(
                text(
                    "INSERT INTO role_assignments (tenant_id, user_id, role) "
                    "SELECT tenant_id, id, :role FROM ("
                    " SELECT tenant_id, id, ROW_NUMBER() OVER (ORDER BY id) AS k"
                    " FROM user_accounts WHERE tenant_id = :t) AS a"
                    " WHERE (k - :offset) % :every = 0"
                ),
                {"t": tenant.id, "role": role, "every": every, "offset": offset},
            )
        await session.execute(
            text(
                "INSERT INTO role_assignments (tenant_id, user_id, role)"
                " SELECT tenant_id, MIN(id), 'admin' FROM user_accounts WHERE tenant_id = :t"
                " GROUP BY tenant_id"
            ),
            {"t": tenant.id},
        )
        await session.commit()
    if engine.dialect.name == "postgresql":
        async with engine.begin() as conn:
            await conn.execute(text("ANALYZE"))
    return time.perf_counter() - start


def users(slug: str, people: int, samples: int) -> list[str]:
    """``samples`` different people spread over the tenant."""
    step = max(1, people // samples)
    return [email(slug, 1 + (k * step + 7) % people) for k in range(samples)]


async def request(app: object, settings: Settings, slug: str, who: str) -> float:
    headers = {"Authorization": f"Bearer {issue_token(settings, slug, who)}"}
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        start = time.perf_counter()
        r = await client.post("/graphql", headers=headers, json={"query": QUERY})
        elapsed = (time.perf_counter() - start) * 1000
    body = r.json()
    assert "errors" not in body, r.text
    assert "employee" in body["data"]["me"]["roles"], r.text
    return elapsed


async def measure(
    engine: AsyncEngine, settings: Settings, people: list[int], samples: int
) -> dict[int, dict[str, float]]:
    """p50 per size; the sizes take turns sample by sample, so that noise from
    other work on the machine falls on all of them alike."""
    who = {n: users(f"bench-{n}", n, samples) for n in people}
    n0 = people[0]
    # one request first, so that the connection pool is not part of the figures
    await request(create_app(settings, engine=engine), settings, f"bench-{n0}", who[n0][0])
    first: dict[int, list[float]] = {n: [] for n in people}
    resolve: dict[int, list[float]] = {n: [] for n in people}
    warm: dict[int, list[float]] = {n: [] for n in people}
    sessions = make_sessionmaker(engine)
    for k in range(samples):
        for n in people:
            app = create_app(settings, engine=engine)
            first[n].append(await request(app, settings, f"bench-{n}", who[n][k]))
    for k in range(samples):
        for n in people:
            async with sessions() as session:
                start = time.perf_counter()
                await resolve_caller(session, EnforcerCache(), f"bench-{n}", who[n][k])
                resolve[n].append((time.perf_counter() - start) * 1000)
    app = create_app(settings, engine=engine)
    for n in people:
        await request(app, settings, f"bench-{n}", who[n][0])
    for _ in range(3):
        for k in range(samples):
            for n in people:
                warm[n].append(await request(app, settings, f"bench-{n}", who[n][k]))
    return {
        n: {
            "first": statistics.median(first[n]),
            "resolve": statistics.median(resolve[n]),
            "warm": statistics.median(warm[n]),
        }
        for n in people
    }


async def old_build(engine: AsyncEngine, slug: str) -> tuple[float, float]:
    """Seconds to load and build the pre-change enforcer (a line per assignment),
    and then to answer its first question (``me.read`` at ``self`` for one user:
    pycasbin links the role graph of every assignment then)."""
    start = time.perf_counter()
    async with make_sessionmaker(engine)() as session:
        tenant_id = (await session.execute(select(Tenant.id).where(Tenant.slug == slug))).scalar()
        rules = (
            await session.execute(
                select(PolicyRule.v0, PolicyRule.v1, PolicyRule.v2, PolicyRule.v3, PolicyRule.v4)
                .where(PolicyRule.tenant_id == tenant_id, PolicyRule.ptype == "p")
                .order_by(PolicyRule.id)
            )
        ).all()
        assignments = (
            await session.execute(
                select(RoleAssignment.user_id, RoleAssignment.role).where(
                    RoleAssignment.tenant_id == tenant_id
                )
            )
        ).all()
    model = casbin.Model()
    model.load_model_from_text(OLD_MODEL)
    enforcer = casbin.Enforcer(model)
    enforcer.add_policies([list(r) for r in rules])
    enforcer.add_grouping_policies([[f"user:{u}", role, slug] for u, role in assignments])
    built = time.perf_counter()
    assert enforcer.enforce(f"user:{assignments[0][0]}", slug, "me", "read", "self")
    return built - start, time.perf_counter() - built


async def run_backend(
    url: str, sizes: list[int], old_sizes: list[int], samples: int
) -> list[tuple[str, int, float, dict[str, float], tuple[float, float] | None]]:
    settings = Settings(env="test", database_url=url)
    engine = make_engine(url)
    await upgrade(engine)
    backend = "postgresql" if url.startswith("postgresql") else "sqlite"
    inserted = {}
    for people in sizes:
        inserted[people] = await insert_tenant(engine, f"bench-{people}", people)
        print(f"  {backend}: {people:,} people inserted", flush=True)
    figures = await measure(engine, settings, sizes, samples) if sizes else {}
    out = []
    for people in sizes:
        old = await old_build(engine, f"bench-{people}") if people in old_sizes else None
        out.append((backend, people, inserted[people], figures[people], old))
    await engine.dispose()
    return out


def sizes_of(value: str) -> list[int]:
    return [int(v) for v in value.split(",") if v]


async def main(args: argparse.Namespace) -> None:
    rows = []
    if args.database_url:
        url = normalize_database_url(args.database_url)
        await reset_postgres(url)
        rows += await run_backend(url, sizes_of(args.sizes), sizes_of(args.old_sizes), args.samples)
    with tempfile.TemporaryDirectory() as tmp:
        url = normalize_database_url(f"sqlite:///{Path(tmp) / 'bench.db'}")
        rows += await run_backend(url, sizes_of(args.sqlite_sizes), [], args.samples)
    print(f"\nauthorization by headcount, {QUERY}, p50 of {args.samples} samples (ms)")
    print(
        "| backend | people | insert s | first request, fresh worker | resolve_caller, "
        "empty cache | warm request | old enforcer: build s | old: first check s |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for backend, people, inserted, f, old in rows:
        old_s = f"{old[0]:.2f} | {old[1]:.2f}" if old is not None else "— | —"
        print(
            f"| {backend} | {people:,} | {inserted:.1f} | {f['first']:.1f} | "
            f"{f['resolve']:.1f} | {f['warm']:.1f} | {old_s} |"
        )
    pg = {people: f for backend, people, _, f, _ in rows if backend == "postgresql"}
    if len(pg) > 1:
        small, large = min(pg), max(pg)
        print(
            f"\nratio {large:,}/{small:,} people (postgresql): first request "
            f"{pg[large]['first'] / pg[small]['first']:.2f}x, warm "
            f"{pg[large]['warm'] / pg[small]['warm']:.2f}x"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="a PostgreSQL database to use")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--sqlite-sizes", default="10000")
    parser.add_argument("--old-sizes", default="1000,10000")
    parser.add_argument("--samples", type=int, default=20)
    asyncio.run(main(parser.parse_args()))
