"""What perfloop costs as a company grows: 1,000, 10,000 and 100,000 people.

    .venv/bin/python bench/scale.py \\
        [--database-url postgresql://postgres@127.0.0.1:5432/bench_scale] \\
        [--sizes 1000,10000,100000] [--sqlite-sizes 10000] [--samples 9]

For each size it builds a synthetic company and runs it the way its people do,
against a real ``perfloop serve`` process (and, on PostgreSQL, a real
``perfloop worker`` process for the jobs) over HTTP on 127.0.0.1:

- the company: a CEO and an HR manager on the company unit, departments of about
  400 people (a head, teams of 8: a lead and 7 sales representatives), roles as
  the positions say; about 20 sales orders per person in the quarter
  (``sales-orders@1``), written with a few set-based ``INSERT … SELECT``
  statements (the build is timed, but it is not one of the figures);
- HR installs ``standard-performance@1`` and opens the quarter (services);
- **assignment**: HR gives the whole company 8 sales KPIs with
  ``startAssignScorecardItems`` (a job, one part per department) and waits for it;
  the plans are then signed by everyone (one ``UPDATE``: signing is measured by
  the plan tests and ``bench/concurrent_writers.py``, not here);
- **company refresh**: HR's ``startRefreshActuals`` (a job) until it has ended;
- **first request**: a fresh server process per sample (so an empty enforcer
  cache and no warm statement caches); ``/healthz`` first, so the figure is the
  user's first GraphQL request (``{ me { roles } }``), not the pool's connect;
- **one scorecard**: an employee reads their own plan (``scorecard``);
- **team view**: a lead reads their team's plans (``teamScorecards``, first 20);
- **team refresh**: a lead refreshes their team's actuals (``refreshActuals``);
- **HR page**: HR reads 100 plans (``teamScorecards``, first 100, without
  ``totalCount``, as a client paging through does) on the first page and on a page
  90% of the way down (keyset: the same cost);
- **peak memory**: the high-water mark of the server's and the worker's
  resident memory (``VmHWM``) after everything above.

Per-person and per-team figures are medians of ``--samples`` requests (different
people each time). After the sizes it prints each figure's ratio to the smallest
size and the growth exponent between the two largest (``log(t2/t1) /
log(n2/n1)``: 0 is flat, 1 is linear), then the issue's targets at the largest
size and whether each is met.

The PostgreSQL database is created if missing and its ``public`` schema is
dropped and recreated for each size; SQLite sizes run in a temporary file.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import math
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from perfloop.api.core.auth import issue_token
from perfloop.authz import EnforcerCache, Role
from perfloop.demo.context import current_quarter
from perfloop.services import apps, cycles
from perfloop.services.core.caller import resolve_caller
from perfloop.services.core.pagination import encode_cursor
from perfloop.services.identity import create_tenant
from perfloop.services.templates import sync_builtin_templates
from perfloop.settings import Settings, normalize_database_url
from perfloop.store import make_engine, make_sessionmaker, upgrade
from perfloop.store.datasets import DatasetBatch
from perfloop.store.org import Employee, OrgUnit
from perfloop.store.plans import Scorecard

SLUG = "scale"
DOMAIN = "scale.example"
DEPARTMENT = 400  # people per department, about
TEAM = 8  # a lead and 7 representatives
ORDERS = 20  # sales orders per person in the quarter
SECRET = "perfloop-bench-scale-secret-0123456789abcdef"  # noqa: S105 (a local bench server)
VENV_BIN = Path(sys.executable).parent

# 8 sales KPIs, weights summing to 100: five computed from the orders (four
# aggregations and a formula over two of them), three entered or from a plugin
ITEMS: list[dict[str, Any]] = [
    {"library": "sales-kpis@1", "indicator": key, "weight": weight, "target": target}
    for key, weight, target in (
        ("revenue", 25, 200000),
        ("paid_orders", 15, 16),
        ("average_deal_size", 10, 11000),
        ("new_customers", 15, 5),
        ("renewal_revenue", 10, 120000),
        ("revenue_growth_rate", 10, 8),
        ("renewal_rate", 10, 85),
        ("customer_churn_rate", 5, 3),
    )
]

ME = "{ me { roles } }"
SCORECARD = """
query ($cycle: ID!, $employee: ID!) {
  scorecard(cycle: $cycle, employee: $employee) {
    id status completion items { key target actual completion score }
  }
}"""
TEAM_VIEW = """
query ($cycle: ID!, $first: Int!, $after: String) {
  teamScorecards(cycle: $cycle, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id employeeName status completion behindCount
                   items { key target actual completion } } }
  }
}"""
HR_PAGE = """
query ($cycle: ID!, $first: Int!, $after: String) {
  teamScorecards(cycle: $cycle, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { id employeeName status completion behindCount
                   items { key target actual completion } } }
  }
}"""
REFRESH = """
mutation ($cycle: ID!) {
  refreshActuals(cycle: $cycle) { updated failed { key message } errors { code message } }
}"""
START_REFRESH = """
mutation ($cycle: ID!) {
  startRefreshActuals(cycle: $cycle) { job { id } errors { code message path } }
}"""
START_ASSIGN = """
mutation ($cycle: ID!, $unit: ID!, $items: [ScorecardItemInput!]!) {
  startAssignScorecardItems(cycle: $cycle, orgUnit: $unit, items: $items) {
    job { id } errors { code message path }
  }
}"""
JOB = "query ($id: ID!) { job(id: $id) { status done total result error { code message } } }"


# --------------------------------------------------------------------------- the company


@dataclass
class Company:
    people: int
    cycle_id: int = 0
    company_unit: int = 0
    hr: str = ""
    leads: list[str] = field(default_factory=list)
    staff: list[tuple[str, int]] = field(default_factory=list)  # (email, employee id)
    build_s: float = 0.0


def _email(n: int) -> str:
    return f"e{n}@{DOMAIN}"


async def reset_postgres(url: str) -> None:
    """Create the database if missing, then give it an empty public schema."""
    base, _, name = url.rpartition("/")
    admin = create_async_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        exists = text("SELECT 1 FROM pg_database WHERE datname = :n")
        found = await conn.execute(exists, {"n": name})
        if found.first() is None:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def _insert_returning(
    session: AsyncSession, rows: list[dict[str, Any]], key: str
) -> dict[str, int]:
    """Insert employees or units in chunks; their ids by ``key`` (employee_no or code)."""
    model = Employee if key == "employee_no" else OrgUnit
    ids: dict[str, int] = {}
    for start in range(0, len(rows), 5000):
        chunk = rows[start : start + 5000]
        result = await session.execute(
            insert(model).returning(model.id, getattr(model, key)), chunk
        )
        ids.update({str(k): int(i) for i, k in result.all()})
    return ids


def _layout(people: int) -> list[tuple[int, list[int]]]:
    """Departments of about ``DEPARTMENT`` people: (size, team sizes) each."""
    staff = people - 2  # the CEO and HR sit on the company unit
    count = max(1, round(staff / DEPARTMENT))
    out = []
    for d in range(count):
        size = staff // count + (1 if d < staff % count else 0)
        rest = size - 1  # the head
        teams = [TEAM] * (rest // TEAM)
        if rest % TEAM:
            teams.append(rest % TEAM)
        out.append((size, teams))
    return out


async def build(engine: AsyncEngine, people: int) -> Company:
    """The company, its app, its quarter and its orders (no plans yet)."""
    started = time.perf_counter()
    company = Company(people)
    quarter = current_quarter(dt.date.today())
    hired = dt.date(2020, 1, 1)
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        await sync_builtin_templates(session)
        tenant = await create_tenant(session, SLUG, f"Scale {people}")
        t = tenant.id
        root = OrgUnit(tenant_id=t, kind="company", code="co", name="公司", name_en="Co", path="")
        session.add(root)
        await session.flush()
        root.path = f"/{root.id}/"
        company.company_unit = root.id
        layout = _layout(people)
        dept_ids = await _insert_returning(
            session,
            [
                {"tenant_id": t, "parent_id": root.id, "kind": "department", "code": f"d{d}",
                 "name": f"部门 {d}", "name_en": f"Department {d}", "path": ""}
                for d in range(len(layout))
            ],
            "code",
        )  # fmt: skip
        team_rows = [
            {"tenant_id": t, "parent_id": dept_ids[f"d{d}"], "kind": "team", "code": f"d{d}t{k}",
             "name": f"团队 {d}-{k}", "name_en": f"Team {d}-{k}", "path": ""}
            for d, (_, teams) in enumerate(layout)
            for k in range(len(teams))
        ]  # fmt: skip
        team_ids = await _insert_returning(session, team_rows, "code")
        await session.execute(
            text(
                "UPDATE org_units SET path = :root || CAST(id AS TEXT) || '/' WHERE parent_id = :p"
            ),
            {"root": root.path, "p": root.id},
        )
        await session.execute(
            text(
                "UPDATE org_units SET path = (SELECT p.path FROM org_units p"
                " WHERE p.id = org_units.parent_id) || CAST(id AS TEXT) || '/'"
                " WHERE tenant_id = :t AND kind = 'team'"
            ),
            {"t": t},
        )
        n = 0

        def person(unit: int, manager: int | None, position: str, grade: str) -> dict[str, Any]:
            nonlocal n
            n += 1
            return {
                "tenant_id": t, "org_unit_id": unit, "manager_id": manager,
                "employee_no": f"E{n:07d}", "name": f"员工 {n}", "email": _email(n),
                "position": position, "grade": grade, "hire_date": hired, "status": "active",
            }  # fmt: skip

        top = await _insert_returning(
            session,
            [person(root.id, None, "CEO", "M5"), person(root.id, None, "HR Manager", "M2")],
            "employee_no",
        )
        ceo = top["E0000001"]
        await session.execute(
            update(Employee).where(Employee.id == top["E0000002"]).values(manager_id=ceo)
        )
        company.hr = _email(2)
        heads = await _insert_returning(
            session,
            [person(dept_ids[f"d{d}"], ceo, "Department Head", "M3") for d in range(len(layout))],
            "employee_no",
        )
        head_of = dict(zip(range(len(layout)), heads.values(), strict=True))
        leads: list[dict[str, Any]] = []
        for d, (_, teams) in enumerate(layout):
            leads.extend(
                person(team_ids[f"d{d}t{k}"], head_of[d], "Team Lead", "M1")
                for k in range(len(teams))
            )
        lead_ids = await _insert_returning(session, leads, "employee_no")
        lead_of = dict(zip((r["org_unit_id"] for r in leads), lead_ids.values(), strict=True))
        company.leads = [str(r["email"]) for r in leads]
        reps = [
            person(team_ids[f"d{d}t{k}"], lead_of[team_ids[f"d{d}t{k}"]], "Sales Rep", "P3")
            for d, (_, teams) in enumerate(layout)
            for k, size in enumerate(teams)
            for _ in range(size - 1)
        ]
        rep_ids = await _insert_returning(session, reps, "employee_no")
        company.staff = [(str(r["email"]), rep_ids[r["employee_no"]]) for r in reps]
        await session.execute(
            text(
                "INSERT INTO user_accounts (tenant_id, employee_id, email, display_name,"
                " is_active) SELECT tenant_id, id, email, name, :yes FROM employees"
                " WHERE tenant_id = :t ORDER BY id"
            ),
            {"t": t, "yes": True},
        )
        roles = [
            (Role.EMPLOYEE, None),
            (Role.EXECUTIVE, ("CEO",)),
            (Role.MANAGER, ("CEO", "Department Head", "Team Lead")),
            (Role.HEAD, ("Department Head",)),
            (Role.HR, ("HR Manager",)),
        ]
        grant = (
            "INSERT INTO role_assignments (tenant_id, user_id, role)"
            " SELECT u.tenant_id, u.id, :role FROM user_accounts u"
            " JOIN employees e ON e.id = u.employee_id WHERE u.tenant_id = :t"
        )
        for role, positions in roles:
            if positions is None:
                await session.execute(text(grant), {"t": t, "role": role.value})
            else:
                await session.execute(
                    text(grant + " AND e.position IN :positions").bindparams(
                        bindparam("positions", expanding=True)
                    ),
                    {"t": t, "role": role.value, "positions": list(positions)},
                )
        batch = DatasetBatch(
            tenant_id=t, dataset_key="sales-orders", dataset_version=1, batch_key="bench",
            checksum="0" * 64, source="api", received=0, inserted=0, skipped=0,
        )  # fmt: skip
        session.add(batch)
        await session.flush()
        await session.execute(text(_orders_sql(engine.dialect.name)), {
            "t": t, "batch": batch.id, "start": quarter.starts_on, "orders": ORDERS,
            "days": max(1, (min(dt.date.today(), quarter.ends_on) - quarter.starts_on).days + 1),
        })  # fmt: skip
        await session.commit()
        hr = await resolve_caller(session, EnforcerCache(), SLUG, company.hr)
        app = await apps.install_app(session, hr, "standard-performance@1")
        opened = await cycles.open_cycle(session, hr, app.id, "quarterly-review", quarter.label)
        company.cycle_id = opened.cycle.id
    await _analyze(engine)
    company.build_s = time.perf_counter() - started
    return company


def _orders_sql(dialect: str) -> str:
    """``ORDERS`` paid, refunded, new and renewal orders per person, spread over the
    quarter so far; one ``INSERT … SELECT`` on either database."""
    key = "'O' || e.id || '-' || g.i"
    amount = "((e.id * 17 + g.i * 101) % 9000 + 1000)"
    status = "CASE WHEN g.i % 5 = 0 THEN 'refunded' ELSE 'paid' END"
    deal = "CASE WHEN g.i % 3 = 0 THEN 'new' ELSE 'renewal' END"
    customer = "'C' || ((e.id * 31 + g.i) % 5000)"
    if dialect == "postgresql":
        day = "(CAST(:start AS date) + ((e.id * 7 + g.i * 13) % :days))"
        numbers = "generate_series(1, :orders) AS g(i)"
        data = (
            f"jsonb_build_object('order_id', {key}, 'owner_email', e.email, 'customer_id',"
            f" {customer}, 'order_date', to_char({day}, 'YYYY-MM-DD'), 'amount', {amount},"
            f" 'status', {status}, 'deal_type', {deal})"
        )
        prefix = ""
    else:
        day = "date(:start, '+' || ((e.id * 7 + g.i * 13) % :days) || ' days')"
        numbers = "g"
        data = (
            f"json_object('order_id', {key}, 'owner_email', e.email, 'customer_id', {customer},"
            f" 'order_date', {day}, 'amount', {amount}, 'status', {status},"
            f" 'deal_type', {deal})"
        )
        prefix = (
            "WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < :orders) "
        )
    # built from this module's constants only, no input
    insert_into = "INSERT INTO dataset_records (tenant_id, dataset_key, dataset_version, record_key, subject, date, data, batch_id)"  # noqa: E501
    select_from = f"SELECT e.tenant_id, 'sales-orders', 1, {key}, lower(e.email), {day}, {data}, :batch FROM employees e CROSS JOIN {numbers} WHERE e.tenant_id = :t"  # noqa: E501, S608
    return f"{prefix}{insert_into} {select_from}"


async def _analyze(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("ANALYZE"))


async def sign_everything(engine: AsyncEngine, cycle_id: int) -> None:
    """Every plan signed by its employee and manager, in one statement."""
    now = dt.datetime.now(dt.UTC)
    async with make_sessionmaker(engine)() as session:
        await session.execute(
            update(Scorecard)
            .where(Scorecard.cycle_id == cycle_id)
            .values(status="signed", employee_signed_at=now, manager_signed_at=now)
        )
        await session.commit()
    await _analyze(engine)


# --------------------------------------------------------------------------- processes


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _environment(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "PERFLOOP_DATABASE_URL": url,
        "PERFLOOP_SECRET": SECRET,
        "PERFLOOP_ENV": "production",
        "PERFLOOP_GRAPHIQL": "false",
    }


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base: str

    @classmethod
    def start(cls, url: str) -> Server:
        port = _free_port()
        process = subprocess.Popen(  # noqa: S603 (our own command, fixed arguments)
            [str(VENV_BIN / "perfloop"), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=_environment(url),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        server = cls(process, f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{server.base}/healthz", timeout=2).status_code == 200:
                    return server
            except httpx.TransportError:
                time.sleep(0.05)
        server.stop()
        raise RuntimeError("perfloop serve did not answer /healthz within 60 s")

    def stop(self) -> int:
        """Stop the process; its resident memory's high-water mark in MB."""
        peak = high_water_mb(self.process.pid)
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return peak


def start_worker(url: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 (our own command, fixed arguments)
        [str(VENV_BIN / "perfloop"), "worker"],
        env=_environment(url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def high_water_mb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


# --------------------------------------------------------------------------- requests


class Client:
    def __init__(self, base: str) -> None:
        self.http = httpx.AsyncClient(base_url=base, timeout=600)
        self.settings = Settings(env="test", secret=SECRET)

    async def close(self) -> None:
        await self.http.aclose()

    async def timed(self, who: str, query: str, **variables: Any) -> tuple[float, dict[str, Any]]:
        headers = {"Authorization": f"Bearer {issue_token(self.settings, SLUG, who)}"}
        started = time.perf_counter()
        r = await self.http.post(
            "/graphql", headers=headers, json={"query": query, "variables": variables}
        )
        elapsed = time.perf_counter() - started
        body = r.json()
        if r.status_code != 200 or body.get("errors"):
            raise RuntimeError(f"{who}: {r.status_code} {r.text[:500]}")
        data: dict[str, Any] = body["data"]
        for payload in data.values():
            if isinstance(payload, dict) and payload.get("errors"):
                raise RuntimeError(f"{who}: {payload['errors']}")
        return elapsed, data

    async def run_job(self, who: str, query: str, **variables: Any) -> tuple[float, dict[str, Any]]:
        """Start a job and poll it until it has ended; seconds and the job."""
        started = time.perf_counter()
        _, data = await self.timed(who, query, **variables)
        job_id = next(iter(data.values()))["job"]["id"]
        while True:
            _, polled = await self.timed(who, JOB, id=job_id)
            job = polled["job"]
            if job["status"] in ("SUCCEEDED", "FAILED"):
                break
            await asyncio.sleep(0.1)
        elapsed = time.perf_counter() - started
        if job["status"] != "SUCCEEDED":
            raise RuntimeError(f"job {job_id} failed: {job['error']}")
        return elapsed, job


def spread(items: Sequence[Any], count: int) -> list[Any]:
    step = max(1, len(items) // count)
    return [items[(k * step + 3) % len(items)] for k in range(count)]


async def median_of(samples: Sequence[Any], one: Callable[[Any], Any]) -> float:
    times: list[float] = [(await one(sample))[0] for sample in samples]
    return float(statistics.median(times)) * 1000


# --------------------------------------------------------------------------- one size


@dataclass
class Figures:
    backend: str
    people: int
    build_s: float
    values: dict[str, float]


UNITS = {
    "first request": "ms",
    "one scorecard": "ms",
    "team view": "ms",
    "team refresh": "ms",
    "HR page 1": "ms",
    "HR page 90%": "ms",
    "company assignment": "s",
    "company refresh": "s",
    "server memory": "MB",
    "worker memory": "MB",
}
PER_PERSON = ("first request", "one scorecard", "team view", "team refresh", "HR page 1",
              "HR page 90%")  # fmt: skip


async def _deep_cursor(engine: AsyncEngine, cycle_id: int, people: int) -> str:
    """The ``after`` of HR's page 90% of the way down (by employee number, as paged)."""
    async with make_sessionmaker(engine)() as session:
        row = (
            await session.execute(
                select(Employee.employee_no, Scorecard.id)
                .join(Scorecard, Scorecard.employee_id == Employee.id)
                .where(Scorecard.cycle_id == cycle_id)
                .order_by(Employee.employee_no, Scorecard.id)
                .offset(int(people * 0.9))
                .limit(1)
            )
        ).one()
    return encode_cursor([row[0], row[1]])


async def run_size(url: str, people: int, samples: int) -> Figures:
    backend = "postgresql" if url.startswith("postgresql") else "sqlite"
    engine = make_engine(url)
    await upgrade(engine)
    company = await build(engine, people)
    print(f"  {backend} {people:,}: built in {company.build_s:.1f} s", flush=True)
    values: dict[str, float] = {}
    cycle = company.cycle_id
    worker = start_worker(url) if backend == "postgresql" else None
    server = Server.start(url)
    client = Client(server.base)
    try:
        values["company assignment"], job = await client.run_job(
            company.hr, START_ASSIGN, cycle=cycle, unit=company.company_unit, items=ITEMS
        )
        took = values["company assignment"]
        print(f"    assignment: {took:.1f} s, {job['result']}", flush=True)
        await sign_everything(engine, cycle)
        values["company refresh"], job = await client.run_job(
            company.hr, START_REFRESH, cycle=cycle
        )
        print(f"    refresh: {values['company refresh']:.1f} s, {job['result']}", flush=True)
        staff = spread(company.staff, samples)
        leads = spread(company.leads, samples)
        values["one scorecard"] = await median_of(
            staff, lambda s: client.timed(s[0], SCORECARD, cycle=cycle, employee=s[1])
        )
        values["team view"] = await median_of(
            leads, lambda who: client.timed(who, TEAM_VIEW, cycle=cycle, first=20)
        )
        values["team refresh"] = await median_of(
            leads, lambda who: client.timed(who, REFRESH, cycle=cycle)
        )
        deep = await _deep_cursor(engine, cycle, len(company.staff))
        values["HR page 1"] = await median_of(
            range(samples), lambda _: client.timed(company.hr, HR_PAGE, cycle=cycle, first=100)
        )
        values["HR page 90%"] = await median_of(
            range(samples),
            lambda _: client.timed(company.hr, HR_PAGE, cycle=cycle, first=100, after=deep),
        )
    finally:
        await client.close()
        values["server memory"] = server.stop()
        if worker is not None:
            values["worker memory"] = high_water_mb(worker.pid)
            worker.terminate()
            worker.wait(timeout=30)
    firsts = []
    for who in spread(company.staff, samples):
        fresh = Server.start(url)
        fresh_client = Client(fresh.base)
        try:
            firsts.append((await fresh_client.timed(who[0], ME))[0])
        finally:
            await fresh_client.close()
            fresh.stop()
    values["first request"] = statistics.median(firsts) * 1000
    await engine.dispose()
    return Figures(backend, people, company.build_s, values)


# --------------------------------------------------------------------------- report


def report(figures: list[Figures]) -> None:
    for backend in dict.fromkeys(f.backend for f in figures):
        rows = sorted((f for f in figures if f.backend == backend), key=lambda f: f.people)
        print(f"\n{backend}")
        header = f"{'':22}" + "".join(f"{f.people:>12,}" for f in rows)
        if len(rows) > 1:
            header += f"{'×smallest':>11}{'exponent':>10}"
        print(header)
        for name, unit in UNITS.items():
            if not any(name in f.values for f in rows):
                continue
            line = f"{name + ' (' + unit + ')':22}"
            line += "".join(
                f"{f.values[name]:>12.1f}" if name in f.values else f"{'-':>12}" for f in rows
            )
            if len(rows) > 1 and all(name in f.values for f in rows):
                a, b = rows[-2], rows[-1]
                ratio = b.values[name] / rows[0].values[name] if rows[0].values[name] else math.nan
                growth = (
                    math.log(b.values[name] / a.values[name]) / math.log(b.people / a.people)
                    if a.values[name] > 0 and b.values[name] > 0
                    else math.nan
                )
                line += f"{ratio:>10.2f}×{growth:>10.2f}"
            print(line)
        print(f"{'build (s)':22}" + "".join(f"{f.build_s:>12.1f}" for f in rows))
        largest, smallest = rows[-1], rows[0]
        print(f"targets at {largest.people:,} people:")
        checks = [
            ("first request ≤ 50 ms", largest.values["first request"] <= 50),
            ("company assignment ≤ 30 s", largest.values["company assignment"] <= 30),
            ("company refresh ≤ 30 s", largest.values["company refresh"] <= 30),
            (
                "server and worker memory < 500 MB",
                max(largest.values["server memory"], largest.values.get("worker memory", 0)) < 500,
            ),
        ]
        if largest is not smallest:
            checks += [
                (
                    f"{name} within 2× of {smallest.people:,} people",
                    largest.values[name] <= 2 * smallest.values[name],
                )
                for name in PER_PERSON
            ]
        for what, ok in checks:
            print(f"  {'met ' if ok else 'MISSED'} {what}")


async def main(args: argparse.Namespace) -> None:
    figures = []
    url = normalize_database_url(args.database_url)
    for people in args.sizes:
        await reset_postgres(url)
        figures.append(await run_size(url, people, args.samples))
        report(figures)
    with tempfile.TemporaryDirectory() as tmp:
        for people in args.sqlite_sizes:
            figures.append(
                await run_size(f"sqlite+aiosqlite:///{tmp}/scale-{people}.db", people, args.samples)
            )
    report(figures)


def _sizes(value: str) -> list[int]:
    return [int(v) for v in value.split(",") if v.strip()]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default="postgresql://postgres@127.0.0.1:5432/bench_scale"
    )
    parser.add_argument("--sizes", type=_sizes, default=[1000, 10000, 100000])
    parser.add_argument("--sqlite-sizes", type=_sizes, default=[10000])
    parser.add_argument("--samples", type=int, default=9)
    asyncio.run(main(parser.parse_args()))
