"""Concurrent writers on two server processes against one PostgreSQL database
(issue 9 §1): nothing lost, nothing duplicated, no INTERNAL, every invariant kept.

    .venv/bin/python bench/concurrent_writers.py [--seconds 20] [--writers 32]
        [--database-url postgresql://postgres@127.0.0.1:5432/bench_writers] [--seed 1]

**The database's ``public`` schema is dropped and recreated** (it is created when
missing), then migrated, the built-in templates stored and the demo company
loaded. Two ``perfloop serve`` processes are started on it (same secret), and
the writers — each its own HTTP client, half on each server — write for the
given time as the demo's people, mixing:

- contested edits of one team's plans: the lead, the department head and HR
  replace a plan's items with one of three whole sets (weights 5..40 summing
  to 100), each at the revision read just before (``expectedRevision``);
- signatures of the same plans by their employees and their managers, each at
  the revision read just before;
- check-ins (a unique note each), manual actuals and overrides on the other
  teams' plans, ``refreshActuals`` running meanwhile;
- ingest batches of sales orders (unique batch key, known rows), and replays
  of batches already committed;
- goal target updates and proposals for shared owners;
- writes nobody may make (your own plan, your own goal, an override of your own
  actual), which must be refused.

Every response is recorded. Then the servers stop and the database is checked
against what was acknowledged: every acknowledged write is there once (lost,
duplicated), every refused one is not, and the plans', signatures' and
proposals' invariants hold (the audit trail, written in each write's
transaction, must match the acknowledged writes one for one). Prints one row per
kind of write with its outcomes, latency and throughput, then the checks; the
exit status is 1 when any INTERNAL error, HTTP 5xx, lost or duplicated write or
broken invariant was found.

Beside it: ``_writers_scenario.py`` (who writes what in the demo, the ledger of
writes) and ``_writers_checks.py`` (the checks against the database).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import itertools
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from _writers_checks import Check, snapshot, verify
from _writers_scenario import (
    OK,
    REFUSED,
    SETS,
    TENANT,
    UNKNOWN,
    Ledger,
    Person,
    Plan,
    Scenario,
    read_scenario,
)
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from perfloop.api.core.auth import issue_token
from perfloop.demo import load_demo
from perfloop.services.templates import sync_builtin_templates
from perfloop.settings import Settings, normalize_database_url
from perfloop.store import make_engine, make_sessionmaker, upgrade

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bench_writers"
SECRET = "bench-concurrent-writers-secret-0123456789"  # noqa: S105 (a throwaway server's key)

READ_PLAN = """
query($employee: ID!, $cycle: ID!) {
  scorecard(employee: $employee, cycle: $cycle) {
    id revision status items { id key tasks { id } }
  }
}"""
SET_ITEMS = """
mutation($cycle: ID!, $employee: ID!, $items: [ScorecardItemInput!]!, $reason: String,
         $revision: Int) {
  setScorecardItems(cycle: $cycle, employee: $employee, items: $items, reason: $reason,
                    expectedRevision: $revision) {
    scorecard { revision status } removedItems errors { code message path detail }
  }
}"""
SIGN = """
mutation($id: ID!, $as: SignerRole!, $revision: Int!) {
  signScorecard(scorecard: $id, signer: $as, expectedRevision: $revision) {
    scorecard { status revision } errors { code message path detail }
  }
}"""
CHECK_IN = """
mutation($card: ID!, $note: String!, $confidence: Float!, $item: ID) {
  checkIn(scorecard: $card, confidence: $confidence, note: $note, item: $item) {
    checkin { id } errors { code message path detail }
  }
}"""
ENTER = """
mutation($item: ID!, $value: Float!, $note: String, $override: Boolean!) {
  enterActual(item: $item, value: $value, note: $note, override: $override) {
    actual { value source } errors { code message path detail }
  }
}"""
REFRESH = """
mutation($cycle: ID!) {
  refreshActuals(cycle: $cycle) { updated errors { code message path detail } }
}"""
INGEST = """
mutation($dataset: String!, $batch: String!, $records: [JSON!]!) {
  ingestRecords(dataset: $dataset, batchKey: $batch, records: $records) {
    status inserted skipped errors { code message path detail }
  }
}"""
UPDATE_GOAL = """
mutation($goal: ID!, $target: Float) {
  updateGoal(goal: $goal, target: $target) { goal { id } errors { code message path detail } }
}"""
MOVE_TASK = """
mutation($task: ID!, $status: String!) {
  updateActionTask(task: $task, status: $status) {
    task { id } errors { code message path detail }
  }
}"""
PROPOSE = """
mutation($goal: ID!, $employee: ID!, $amount: Float!) {
  proposeGoal(goal: $goal, employee: $employee, amount: $amount) {
    ok errors { code message path detail }
  }
}"""


@dataclass
class Stats:
    outcomes: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    internal: int = 0
    http_5xx: int = 0
    transport: int = 0
    reads: int = 0
    samples: list[str] = field(default_factory=list)  # unexpected answers, for the reader

    def note(self, message: str) -> None:
        if len(self.samples) < 12:
            self.samples.append(message)


#: the typed outcomes each kind of write may have; anything else is listed as unexpected
EXPECTED: dict[str, set[str]] = {
    "set-items": {"ok", "CONFLICT", "CONFLICT race"},
    "sign": {"ok", "CONFLICT", "CONFLICT race"},
    # an item may be removed meanwhile; the demo's items there compute their actual
    "actual (contested item)": {"ok", "NOT_FOUND", "INVALID", "CONFLICT race"},
    "task move": {"ok", "NOT_FOUND", "CONFLICT race"},
    "forbidden": {"FORBIDDEN", "NOT_FOUND", "gql FORBIDDEN"},
}
RACE_OK = {"ok", "CONFLICT race"}


@dataclass
class Answer:
    fate: str
    outcome: str
    payload: dict[str, Any] | None


class Writer:
    def __init__(
        self, n: int, role: str, person: Person, http: httpx.AsyncClient, ctx: Run
    ) -> None:
        self.n, self.role, self.person, self.http, self.ctx = n, role, person, http, ctx
        self.rng = random.Random(ctx.seed * 1000 + n)
        self.headers = {
            "Authorization": f"Bearer {issue_token(ctx.settings, TENANT, person.email)}"
        }
        self.count = itertools.count()

    async def post(self, query: str, variables: dict[str, Any]) -> httpx.Response:
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=self.headers
        )

    async def read_plan(self, employee_id: int) -> dict[str, Any] | None:
        self.ctx.stats.reads += 1
        try:
            r = await self.post(READ_PLAN, {"employee": employee_id, "cycle": self.ctx.sc.cycle_id})
        except httpx.HTTPError as exc:
            self.ctx.stats.transport += 1
            self.ctx.stats.note(f"read: {exc!r}")
            return None
        if r.status_code >= 500:
            self.ctx.stats.http_5xx += 1
            return None
        body = r.json()
        self._graphql_errors("read", body)
        card = (body.get("data") or {}).get("scorecard")
        return card if isinstance(card, dict) else None

    def _graphql_errors(self, kind: str, body: dict[str, Any]) -> tuple[str, bool] | None:
        """The first GraphQL error's code, and whether every error is typed (a refusal
        before the resolver ran, such as a missing permission, rather than a bug)."""
        errors = body.get("errors") or []
        typed = True
        for e in errors:
            code = (e.get("extensions") or {}).get("code")
            if code in (None, "INTERNAL"):
                typed = False
                self.ctx.stats.internal += 1
                self.ctx.stats.note(f"{kind}: INTERNAL {e.get('message')}")
        if errors:
            return f"gql {(errors[0].get('extensions') or {}).get('code')}", typed
        return None

    async def write(self, kind: str, query: str, variables: dict[str, Any]) -> Answer:
        stats = self.ctx.stats
        started = time.perf_counter()
        try:
            r = await self.post(query, variables)
        except httpx.HTTPError as exc:
            stats.transport += 1
            stats.note(f"{kind}: {exc!r}")
            answer = Answer(UNKNOWN, "transport error", None)
        else:
            if r.status_code >= 500:
                stats.http_5xx += 1
                stats.note(f"{kind}: HTTP {r.status_code} {r.text[:200]}")
                answer = Answer(UNKNOWN, f"HTTP {r.status_code}", None)
            else:
                body = r.json()
                failed = self._graphql_errors(kind, body)
                payload = next(iter((body.get("data") or {}).values()), None)
                if failed is not None:
                    outcome, typed = failed
                    answer = Answer(REFUSED if typed else UNKNOWN, outcome, None)
                    if outcome not in EXPECTED.get(kind, RACE_OK):
                        stats.note(f"{kind}: {body['errors'][0].get('message')}")
                elif not isinstance(payload, dict):
                    answer = Answer(UNKNOWN, f"HTTP {r.status_code}", None)
                elif payload["errors"]:
                    e = payload["errors"][0]
                    race = e["code"] == "CONFLICT" and (e.get("detail") or "").startswith("race.")
                    outcome = "CONFLICT race" if race else e["code"]
                    answer = Answer(REFUSED, outcome, payload)
                    if outcome not in EXPECTED.get(kind, RACE_OK):
                        stats.note(f"{kind}: {e['code']} {e.get('path')} {e['message']}")
                else:
                    answer = Answer(OK, "ok", payload)
        stats.latency[kind].append(time.perf_counter() - started)
        stats.outcomes[kind][answer.outcome] += 1
        return answer

    def unique(self) -> float:
        """A value no other write sends (writer number, then its own counter)."""
        return float(self.n * 1_000_000 + next(self.count) + 1)


@dataclass
class Run:
    sc: Scenario
    settings: Settings
    seed: int
    run_id: str
    ledger: Ledger = field(default_factory=Ledger)
    stats: Stats = field(default_factory=Stats)


# --- the writes ---------------------------------------------------------------------------


async def set_items(w: Writer) -> None:
    sc = w.ctx.sc
    plan = w.rng.choice(sc.contested)
    card = await w.read_plan(plan.owner.employee_id)
    if card is None:
        return
    reason = None if w.rng.random() < 0.1 else f"bench edit by {w.person.email}"
    answer = await w.write("set-items", SET_ITEMS, {
        "cycle": sc.cycle_id, "employee": plan.owner.employee_id,
        "items": w.rng.choice(SETS), "reason": reason, "revision": card["revision"],
    })  # fmt: skip
    w.ctx.ledger.edits[plan.card_id].append(answer.fate)
    w.ctx.ledger.audited["scorecard.items.set"].append(answer.fate)


async def sign(w: Writer) -> None:
    sc = w.ctx.sc
    if w.role == "owner":
        plan = next(p for p in sc.contested if p.owner.employee_id == w.person.employee_id)
        as_role = "EMPLOYEE"
    else:
        plan, as_role = w.rng.choice(sc.contested), "MANAGER"
    card = await w.read_plan(plan.owner.employee_id)
    if card is None:
        return
    answer = await w.write(
        "sign", SIGN, {"id": plan.card_id, "as": as_role, "revision": card["revision"]}
    )
    w.ctx.ledger.signs[plan.card_id].append((as_role.lower(), card["revision"], answer.fate))
    w.ctx.ledger.audited[f"scorecard.sign.{as_role.lower()}"].append(answer.fate)


def _stable_in_reach(w: Writer) -> list[Plan]:
    sc = w.ctx.sc
    if w.role == "rep":
        return [sc.stable[w.person.employee_id]]
    if w.role == "lead":
        team = next(t for t in sc.stable_teams if t.lead.employee_id == w.person.employee_id)
        return [sc.stable[r.employee_id] for r in team.reps]
    return list(sc.stable.values())


async def check_in(w: Writer) -> None:
    sc = w.ctx.sc
    item: int | None = None
    if w.role == "owner":  # on the whole plan: a contested plan's items come and go
        card = next(p for p in sc.contested if p.owner.employee_id == w.person.employee_id).card_id
    elif w.role == "lead1":
        card = w.rng.choice(sc.contested).card_id
    else:
        plan = w.rng.choice(_stable_in_reach(w))
        card, item = plan.card_id, w.rng.choice(plan.manual + plan.computed)
    note = f"bench:{w.ctx.run_id}:{w.n}:{next(w.count)}"
    answer = await w.write("check-in", CHECK_IN, {
        "card": card, "note": note, "confidence": round(w.rng.random(), 2), "item": item,
    })  # fmt: skip
    w.ctx.ledger.checkins[note] = answer.fate
    w.ctx.ledger.audited["checkin.write"].append(answer.fate)


async def enter_actual(w: Writer) -> None:
    plan = w.rng.choice(_stable_in_reach(w))
    item, value = w.rng.choice(plan.manual), w.unique()
    answer = await w.write(
        "actual", ENTER, {"item": item, "value": value, "note": None, "override": False}
    )
    w.ctx.ledger.actuals[item].append((value, answer.fate))
    w.ctx.ledger.audited["actual.enter"].append(answer.fate)


async def enter_contested_actual(w: Writer) -> None:
    """An actual on an item of a contested plan, which may be removed meanwhile."""
    sc = w.ctx.sc
    if w.role == "owner":
        owner = w.person.employee_id
    else:
        owner = w.rng.choice(sc.contested).owner.employee_id
    card = await w.read_plan(owner)
    if card is None or not card["items"]:
        return
    item, value = int(w.rng.choice(card["items"])["id"]), w.unique()
    answer = await w.write(
        "actual (contested item)",
        ENTER,
        {"item": item, "value": value, "note": None, "override": False},
    )
    w.ctx.ledger.actuals[item].append((value, answer.fate))
    w.ctx.ledger.audited["actual.enter"].append(answer.fate)


async def move_task(w: Writer) -> None:
    """Move an action task of a contested plan, whose item may be removed meanwhile."""
    sc = w.ctx.sc
    owner = (
        w.person.employee_id if w.role == "owner" else w.rng.choice(sc.contested).owner.employee_id
    )
    card = await w.read_plan(owner)
    tasks = [t["id"] for i in (card or {}).get("items", []) for t in i["tasks"]]
    if not tasks:
        return
    status = w.rng.choice(["open", "doing", "done"])
    answer = await w.write("task move", MOVE_TASK, {"task": w.rng.choice(tasks), "status": status})
    w.ctx.ledger.audited["scorecard.task.update"].append(answer.fate)


async def override(w: Writer) -> None:
    plan = w.rng.choice(_stable_in_reach(w))
    item, value = w.rng.choice(plan.computed), w.unique()
    answer = await w.write("override", ENTER, {
        "item": item, "value": value, "note": f"bench override {value}", "override": True,
    })  # fmt: skip
    w.ctx.ledger.overrides[item].append((value, answer.fate))
    w.ctx.ledger.audited["actual.override"].append(answer.fate)


async def refresh(w: Writer) -> None:
    answer = await w.write("refresh", REFRESH, {"cycle": w.ctx.sc.cycle_id})
    w.ctx.ledger.audited["actuals.refresh"].append(answer.fate)


def _orders(w: Writer, key: str, size: int) -> list[dict[str, Any]]:
    sc = w.ctx.sc
    people = [p.owner.email for p in sc.stable.values()]
    days = max((dt.date.today() - sc.starts_on).days, 0)
    return [
        {
            "order_id": f"BW-{key}-{n}",
            "owner_email": w.rng.choice(people),
            "customer_id": f"C-{w.rng.randrange(100)}",
            "order_date": (sc.starts_on + dt.timedelta(days=w.rng.randint(0, days))).isoformat(),
            "amount": float(w.rng.randrange(1_000, 50_000)),
            "status": "paid",
            "deal_type": w.rng.choice(["new", "renewal"]),
        }
        for n in range(size)
    ]


async def ingest(w: Writer) -> None:
    ledger = w.ctx.ledger
    key = f"bench-{w.ctx.run_id}-{w.n}-{next(w.count)}"
    records = _orders(w, key, w.rng.randint(1, 40))
    answer = await w.write(
        "ingest", INGEST, {"dataset": "sales-orders", "batch": key, "records": records}
    )
    fate = answer.fate
    if fate == OK and answer.payload is not None:
        if (answer.payload["status"], answer.payload["inserted"]) != ("COMMITTED", len(records)):
            w.ctx.stats.note(f"ingest {key}: {answer.payload}")
        ledger.committed.append((key, records))
    ledger.batches[key] = (fate, [r["order_id"] for r in records])
    ledger.audited["dataset.ingest"].append(fate)


async def ingest_again(w: Writer) -> None:
    """A batch committed before, sent again (a client's retry): replayed, nothing stored."""
    ledger = w.ctx.ledger
    if not ledger.committed:
        return await ingest(w)
    key, records = w.rng.choice(ledger.committed)
    answer = await w.write(
        "ingest (replay)", INGEST, {"dataset": "sales-orders", "batch": key, "records": records}
    )
    got = answer.payload and (answer.payload["status"], answer.payload["inserted"])
    if answer.fate == OK and got != ("REPLAYED", len(records)):
        w.ctx.stats.note(f"replay {key}: {answer.payload}")
        ledger.forbidden_accepted.append(f"replay of {key} answered {answer.payload}")
    return None


def _goals_in_reach(w: Writer) -> list[int]:
    sc = w.ctx.sc
    t1 = sc.contested_team
    if w.role == "lead1":
        return list(t1.rep_goals.values())
    if w.role == "lead":
        team = next(t for t in sc.stable_teams if t.lead.employee_id == w.person.employee_id)
        return list(team.rep_goals.values())
    return [g for g in [t1.goal_id, *t1.rep_goals.values()] if g is not None]


async def update_goal(w: Writer) -> None:
    goals = _goals_in_reach(w)
    if not goals:
        return
    goal, target = w.rng.choice(goals), w.unique()
    answer = await w.write("goal target", UPDATE_GOAL, {"goal": goal, "target": target})
    w.ctx.ledger.targets[goal].append((target, answer.fate))
    w.ctx.ledger.audited["goal.update"].append(answer.fate)


async def propose(w: Writer) -> None:
    sc = w.ctx.sc
    if w.role in ("owner", "rep"):
        team = next(
            t
            for t in [sc.contested_team, *sc.stable_teams]
            if w.person.employee_id in {r.employee_id for r in t.reps}
        )
        owner = w.person.employee_id
    else:
        team = (
            next(t for t in sc.stable_teams if t.lead.employee_id == w.person.employee_id)
            if w.role == "lead"
            else sc.contested_team
        )
        owner = w.rng.choice(team.reps).employee_id
    if team.goal_id is None:
        return
    amount = w.unique()
    answer = await w.write(
        "proposal", PROPOSE, {"goal": team.goal_id, "employee": owner, "amount": amount}
    )
    w.ctx.ledger.proposals[(team.goal_id, owner)].append((amount, answer.fate))
    w.ctx.ledger.audited["goal.propose"].append(answer.fate)


async def forbidden(w: Writer) -> None:
    """A write nobody may make: it must be refused and change nothing."""
    sc = w.ctx.sc
    sent: tuple[str, str, dict[str, Any]]
    if w.role == "owner":  # an employee manages no goal, their own least
        goal = sc.contested_team.rep_goals.get(w.person.employee_id)
        if goal is None:
            return
        sent = ("goal.update", UPDATE_GOAL, {"goal": goal, "target": w.unique()})
    elif w.role == "rep":
        plan = sc.stable[w.person.employee_id]
        sent = ("actual.override", ENTER, {
            "item": w.rng.choice(plan.computed), "value": w.unique(), "note": "mine",
            "override": True,
        })  # fmt: skip
    elif w.role == "lead1":
        if w.rng.random() < 0.5 or sc.lead_goal is None:
            sent = ("scorecard.items.set", SET_ITEMS, {
                "cycle": sc.cycle_id, "employee": sc.contested_team.lead.employee_id,
                "items": SETS[0], "reason": "my own plan", "revision": None,
            })  # fmt: skip
        else:
            sent = ("goal.update", UPDATE_GOAL, {"goal": sc.lead_goal, "target": w.unique()})
    elif w.role == "head" and sc.head_unit_goal is not None:
        sent = ("goal.update", UPDATE_GOAL, {"goal": sc.head_unit_goal, "target": w.unique()})
    else:
        return
    action, query, variables = sent
    answer = await w.write("forbidden", query, variables)
    w.ctx.ledger.audited[f"forbidden {action}"].append(answer.fate)
    if answer.fate != REFUSED:
        w.ctx.ledger.forbidden_accepted.append(f"{w.person.email}: {action} {variables}")


Op = Callable[[Writer], Any]
#: what each kind of writer does, with weights
ROLES: dict[str, list[tuple[Op, float]]] = {
    # the contested team's people: sign and check in on their own plan
    "owner": [
        (sign, 3), (check_in, 3), (propose, 2), (enter_contested_actual, 2), (move_task, 2),
        (forbidden, 0.5),
    ],
    # the other teams' people
    "rep": [(check_in, 3), (enter_actual, 3), (propose, 1), (forbidden, 0.5)],
    # the contested team's lead and the department head: edit, sign, set goals
    "lead1": [
        (set_items, 3), (sign, 2), (update_goal, 1), (propose, 1), (check_in, 1),
        (enter_contested_actual, 2), (move_task, 2), (forbidden, 0.5),
    ],
    "head": [(set_items, 3), (sign, 2), (update_goal, 2), (propose, 1), (forbidden, 0.5)],
    "hr": [(set_items, 3), (update_goal, 2), (enter_actual, 1), (override, 1), (refresh, 0.3)],
    "ingest": [(ingest, 4), (ingest_again, 1), (refresh, 0.3)],
    # the other teams' leads: actuals, overrides, refreshes, check-ins
    "lead": [
        (enter_actual, 2), (override, 2), (check_in, 2), (refresh, 1), (propose, 1),
        (update_goal, 1),
    ],
}  # fmt: skip


def writers_for(sc: Scenario, count: int) -> list[tuple[str, Person]]:
    """Everyone of the contested team and the other teams' people once, then the
    editors, ingesters and other leads in turn until ``count``."""
    base = [("owner", p) for p in sc.contested_team.reps]
    base += [("rep", p.owner) for p in sc.stable.values()]
    extra: list[tuple[str, Person]] = []
    leads = itertools.cycle(t.lead for t in sc.stable_teams)
    hr = itertools.cycle(sc.hr)
    for role in itertools.cycle(["lead1", "head", "hr", "ingest", "lead"]):
        if len(base) + len(extra) >= count:
            break
        person = {
            "lead1": sc.contested_team.lead,
            "head": sc.head,
        }.get(role) or (next(leads) if role == "lead" else next(hr))
        extra.append((role, person))
    return (base + extra)[:count]


async def writer_loop(w: Writer, until: float) -> int:
    ops, weights = zip(*ROLES[w.role], strict=True)
    done = 0
    while time.monotonic() < until:
        await w.rng.choices(ops, weights)[0](w)
        done += 1
    return done


# --- the database -------------------------------------------------------------------------


async def prepare_database(url: str) -> AsyncEngine:
    """Create the database when missing, reset its public schema, migrate, load the demo."""
    target = make_url(normalize_database_url(url))
    if target.get_backend_name() != "postgresql":
        raise SystemExit("this benchmark needs PostgreSQL (--database-url postgresql://…)")
    admin = make_engine(
        target.set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    async with admin.connect() as conn:
        exists = (
            await conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}
            )
        ).scalar()
        if not exists:
            await conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    await admin.dispose()
    engine = make_engine(target.render_as_string(hide_password=False))
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await upgrade(engine)
    async with make_sessionmaker(engine)() as session:
        await sync_builtin_templates(session)
        await load_demo(session)
    return engine


# --- the servers --------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def servers(url: str, count: int, logs: Path) -> Iterator[list[str]]:
    """``count`` ``perfloop serve`` processes on the database; stopped on the way out."""
    exe = Path(sys.executable).with_name("perfloop")
    env = {**os.environ, "PERFLOOP_DATABASE_URL": url, "PERFLOOP_SECRET": SECRET}
    procs: list[tuple[subprocess.Popen[bytes], Path]] = []
    bases: list[str] = []
    try:
        for n in range(count):
            port, log = _free_port(), logs / f"server-{n + 1}.log"
            with log.open("wb") as out:
                proc = subprocess.Popen(  # noqa: S603 (our own executable, fixed arguments)
                    [str(exe), "serve", "--host", "127.0.0.1", "--port", str(port)],
                    env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                )  # fmt: skip
            procs.append((proc, log))
            bases.append(f"http://127.0.0.1:{port}")
            _wait_healthy(bases[-1], proc, log)
        yield bases
    finally:
        for proc, _ in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        for proc, _ in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_healthy(base: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited ({proc.returncode}):\n{log.read_text()[-2000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise SystemExit(f"server at {base} did not become healthy:\n{log.read_text()[-2000:]}")


def server_problems(logs: Path) -> tuple[int, int, list[str]]:
    """Tracebacks and logged races in the servers' output, and the first traceback."""
    tracebacks = races = 0
    first: list[str] = []
    for log in sorted(logs.glob("server-*.log")):
        lines = log.read_text(errors="replace").splitlines()
        for n, line in enumerate(lines):
            if line.startswith("Traceback"):
                tracebacks += 1
                if not first:
                    first = lines[max(n - 2, 0) : n + 40]
            if "write raced another" in line:
                races += 1
    return tracebacks, races, first


# --- the run ------------------------------------------------------------------------------


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def report(run: Run, checks: list[Check], elapsed: float, servers: int, writers: int,
           log_problems: tuple[int, int, list[str]]) -> int:  # fmt: skip
    stats = run.stats
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n{writers} writers on {servers} server processes, one PostgreSQL database, "
          f"{elapsed:.1f} s (seed {run.seed})")  # fmt: skip
    print(f"machine: {os.cpu_count()} CPUs, load average {load} (1, 5, 15 min)\n")
    header = (
        f"{'write':<24}{'ops':>7}{'ok':>7}{'CONFLICT':>9}{'race':>6}  {'other typed':<30}"
        f"{'p50 ms':>8}{'p95 ms':>8}{'ops/s':>8}"
    )
    print(header)
    print("-" * len(header))
    total = 0
    for kind in sorted(stats.outcomes):
        outcomes = stats.outcomes[kind]
        n = sum(outcomes.values())
        total += n
        others = ", ".join(
            f"{k} {v}" for k, v in sorted(outcomes.items())
            if k not in ("ok", "CONFLICT", "CONFLICT race")
        )  # fmt: skip
        print(
            f"{kind:<24}{n:>7}{outcomes['ok']:>7}{outcomes['CONFLICT']:>9}"
            f"{outcomes['CONFLICT race']:>6}  {others or '-':<30}"
            f"{_pct(stats.latency[kind], 0.5):>8.1f}{_pct(stats.latency[kind], 0.95):>8.1f}"
            f"{n / elapsed:>8.1f}"
        )
    print("-" * len(header))
    all_latency = [x for v in stats.latency.values() for x in v]
    print(
        f"{'all writes':<24}{total:>7}{'':>7}{'':>9}{'':>6}  {'':<30}"
        f"{_pct(all_latency, 0.5):>8.1f}{_pct(all_latency, 0.95):>8.1f}{total / elapsed:>8.1f}"
    )
    print(f"{'plan reads (before edits and signatures)':<48}{stats.reads:>7}")
    print()
    header = f"{'check':<36}{'checked':>8}{'lost':>6}{'dup':>6}{'broken':>8}"
    print(header)
    print("-" * len(header))
    for c in checks:
        print(f"{c.name:<36}{c.checked:>8}{c.lost:>6}{c.duplicated:>6}{c.violations:>8}")
    lost = sum(c.lost for c in checks)
    duplicated = sum(c.duplicated for c in checks)
    violations = sum(c.violations for c in checks)
    tracebacks, races, first = log_problems
    print()
    print(
        f"INTERNAL {stats.internal} · HTTP 5xx {stats.http_5xx} · transport errors "
        f"{stats.transport} · lost {lost} · duplicated {duplicated} · broken invariants "
        f"{violations} · server tracebacks {tracebacks} · races answered CONFLICT {races}"
    )
    print(f"throughput: {total} writes in {elapsed:.1f} s = {total / elapsed:.1f} writes/s "
          f"({(total + stats.reads) / elapsed:.1f} requests/s with the reads)")  # fmt: skip
    examples = [e for c in checks for e in c.examples]
    if stats.samples or examples:
        print("\nunexpected answers and broken checks (first few):")
        for line in [*stats.samples, *examples]:
            print(f"  {line}")
    if first:
        print("\nfirst server traceback:")
        print("\n".join(f"  {line}" for line in first))
    failed = stats.internal or stats.http_5xx or lost or duplicated or violations or tracebacks
    return 1 if failed else 0


async def main(args: argparse.Namespace) -> int:
    url = normalize_database_url(args.database_url)
    print(f"preparing {make_url(url).database}: reset, migrate, demo company …", flush=True)
    engine = await prepare_database(args.database_url)
    try:
        sc = await read_scenario(engine, args.department)
        settings = Settings(database_url=url, secret=SECRET)
        run = Run(sc, settings, args.seed, run_id=f"{int(time.time())}")
        with tempfile.TemporaryDirectory(prefix="bench-writers-") as tmp:
            logs = Path(tmp)
            with servers(url, args.servers, logs) as bases:
                before = await snapshot(engine, sc)
                roles = writers_for(sc, args.writers)
                clients = [
                    httpx.AsyncClient(base_url=bases[n % len(bases)], timeout=60)
                    for n in range(len(roles))
                ]
                writers = [
                    Writer(n, role, person, clients[n], run)
                    for n, (role, person) in enumerate(roles)
                ]
                kinds = ", ".join(f"{k} {v}" for k, v in Counter(r for r, _ in roles).items())
                print(
                    f"{len(writers)} writers ({kinds}) on {', '.join(bases)} "
                    f"for {args.seconds} s …",
                    flush=True,
                )
                started = time.monotonic()
                try:
                    await asyncio.gather(*(writer_loop(w, started + args.seconds) for w in writers))
                finally:
                    elapsed = time.monotonic() - started
                    for client in clients:
                        await client.aclose()
            problems = server_problems(logs)
        checks = await verify(engine, run.sc, run.ledger, run.run_id, before)
        return report(run, checks, elapsed, args.servers, len(writers), problems)
    finally:
        await engine.dispose()


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL,
                        help="a PostgreSQL database whose public schema is reset")  # fmt: skip
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--writers", type=int, default=32)
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--department", default="sales",
                        help="the demo department (code) whose plans are written")  # fmt: skip
    return parser.parse_args(argv)


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main(parse())))
    except KeyboardInterrupt:  # the servers were stopped on the way out
        sys.exit("interrupted")
