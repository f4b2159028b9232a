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
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from perfloop.api.core.auth import issue_token
from perfloop.demo import load_demo
from perfloop.services.templates import sync_builtin_templates
from perfloop.settings import Settings, normalize_database_url
from perfloop.store import make_engine, make_sessionmaker, upgrade
from perfloop.store.core import AuditEvent
from perfloop.store.cycles import Cycle
from perfloop.store.datasets import DatasetBatch, DatasetRecord
from perfloop.store.goals import Goal, GoalProposal
from perfloop.store.identity import RoleAssignment, Tenant, UserAccount
from perfloop.store.org import Employee, OrgUnit
from perfloop.store.plans import Actual, Checkin, Scorecard, ScorecardItem

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bench_writers"
SECRET = "bench-concurrent-writers-secret-0123456789"  # noqa: S105 (a throwaway server's key)
TENANT = "demo"

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


def _items(weights: dict[str, float]) -> list[dict[str, Any]]:
    """Items with these keys and weights; the first has an action task (kept by key)."""
    return [
        {
            "key": k, "title": k.upper(), "target": 10, "weight": w,
            "tasks": [{"title": f"follow up {k}"}] if n == 0 else [],
        }
        for n, (k, w) in enumerate(weights.items())
    ]  # fmt: skip


# three item sets that each fit the standard rules (weights 5 to 40, summing to 100)
SETS = [
    _items({"a": 25, "b": 25, "c": 25, "d": 25}),
    _items({"e": 30, "f": 30, "g": 20, "h": 20}),
    _items({"a": 40, "b": 20, "i": 20, "j": 20}),
]
SET_SHAPES = [sorted((i["key"], i["title"], float(i["weight"]), 10.0) for i in s) for s in SETS]

# --- the scenario, read from the demo company -------------------------------------------


@dataclass
class Person:
    employee_id: int
    email: str


@dataclass
class Plan:
    card_id: int
    owner: Person
    #: stable plans only: items whose actual is typed in, and computed ones (overrides)
    manual: list[int] = field(default_factory=list)
    computed: list[int] = field(default_factory=list)


@dataclass
class Team:
    lead: Person
    reps: list[Person]
    goal_id: int | None  # the team's goal (proposals for its people)
    rep_goals: dict[int, int]  # the people's own goals, by employee id


@dataclass
class Scenario:
    tenant_id: int
    cycle_id: int
    starts_on: dt.date
    head: Person
    head_unit_goal: int | None  # the head's own department goal: refused to the head
    hr: list[Person]
    contested_team: Team  # its plans are edited and signed by many at once
    contested: list[Plan]
    lead_card: int  # the contested team lead's own plan: refused to them
    lead_goal: int | None  # the lead's own goal: refused to them
    stable_teams: list[Team]
    stable: dict[int, Plan]  # by employee id: check-ins, actuals, overrides only


async def read_scenario(engine: AsyncEngine, department: str) -> Scenario:
    async with make_sessionmaker(engine)() as s:
        tenant_id = (await s.execute(select(Tenant.id).where(Tenant.slug == TENANT))).scalar_one()
        cycle = (
            (
                await s.execute(
                    select(Cycle).where(Cycle.tenant_id == tenant_id).order_by(Cycle.id.desc())
                )
            )
            .scalars()
            .first()
        )
        assert cycle is not None, "the demo has no cycle"
        dept = (
            await s.execute(
                select(OrgUnit).where(OrgUnit.tenant_id == tenant_id, OrgUnit.code == department)
            )
        ).scalar_one()
        people = list(
            (
                await s.execute(
                    select(Employee)
                    .join(OrgUnit, OrgUnit.id == Employee.org_unit_id)
                    .where(Employee.tenant_id == tenant_id, OrgUnit.path.startswith(dept.path))
                    .order_by(Employee.id)
                )
            ).scalars()
        )
        head = next(e for e in people if e.org_unit_id == dept.id)
        leads = [e for e in people if e.manager_id == head.id]
        goals = list((await s.execute(select(Goal).where(Goal.cycle_id == cycle.id))).scalars())
        cards = {
            c.employee_id: c
            for c in (
                await s.execute(select(Scorecard).where(Scorecard.cycle_id == cycle.id))
            ).scalars()
        }
        items = list(
            (
                await s.execute(
                    select(ScorecardItem).where(
                        ScorecardItem.scorecard_id.in_([c.id for c in cards.values()])
                    )
                )
            ).scalars()
        )
        hr = list(
            (
                await s.execute(
                    select(UserAccount.email, UserAccount.employee_id)
                    .join(RoleAssignment, RoleAssignment.user_id == UserAccount.id)
                    .where(RoleAssignment.tenant_id == tenant_id, RoleAssignment.role == "hr")
                    .order_by(UserAccount.id)
                )
            ).all()
        )

    def team(lead: Employee) -> Team:
        reps = [Person(e.id, e.email.lower()) for e in people if e.manager_id == lead.id]
        unit_goal = next(
            (g.id for g in goals if g.level == "team" and g.org_unit_id == lead.org_unit_id), None
        )
        rep_ids = {r.employee_id for r in reps}
        return Team(
            Person(lead.id, lead.email.lower()),
            reps,
            unit_goal,
            {g.employee_id: g.id for g in goals if g.employee_id in rep_ids},
        )

    teams = [team(lead) for lead in leads]
    contested_team, stable_teams = teams[0], teams[1:]
    stable: dict[int, Plan] = {}
    for t in stable_teams:
        for rep in t.reps:
            card = cards[rep.employee_id]
            mine = [i for i in items if i.scorecard_id == card.id]
            stable[rep.employee_id] = Plan(
                card.id,
                rep,
                manual=[i.id for i in mine if (i.source or {}).get("type") == "manual"],
                computed=[i.id for i in mine if (i.source or {}).get("type") == "dataset"],
            )
    return Scenario(
        tenant_id=tenant_id,
        cycle_id=cycle.id,
        starts_on=cycle.starts_on,
        head=Person(head.id, head.email.lower()),
        head_unit_goal=next(
            (g.id for g in goals if g.level == "department" and g.org_unit_id == dept.id), None
        ),
        hr=[Person(e or 0, m.lower()) for m, e in hr],
        contested_team=contested_team,
        contested=[Plan(cards[r.employee_id].id, r) for r in contested_team.reps],
        lead_card=cards[contested_team.lead.employee_id].id,
        lead_goal=next(
            (g.id for g in goals if g.employee_id == contested_team.lead.employee_id), None
        ),
        stable_teams=stable_teams,
        stable=stable,
    )


# --- what was sent and what came back ----------------------------------------------------

OK, REFUSED, UNKNOWN = "ok", "refused", "unknown"


@dataclass
class Ledger:
    """Every write the clients made, with whether it was acknowledged (ok), refused with
    a typed error, or of unknown fate (a transport error, an HTTP 5xx, a GraphQL error)."""

    checkins: dict[str, str] = field(default_factory=dict)  # note -> fate
    batches: dict[str, tuple[str, list[str]]] = field(default_factory=dict)  # key -> fate, keys
    committed: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)
    actuals: dict[int, list[tuple[float, str]]] = field(default_factory=lambda: defaultdict(list))
    overrides: dict[int, list[tuple[float, str]]] = field(default_factory=lambda: defaultdict(list))
    targets: dict[int, list[tuple[float, str]]] = field(default_factory=lambda: defaultdict(list))
    proposals: dict[tuple[int, int], list[tuple[float, str]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    edits: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    signs: dict[int, list[tuple[str, int, str]]] = field(default_factory=lambda: defaultdict(list))
    #: the audit action each write makes -> fates
    audited: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    forbidden_accepted: list[str] = field(default_factory=list)


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


# --- the checks ---------------------------------------------------------------------------


@dataclass
class Check:
    name: str
    checked: int = 0
    lost: int = 0
    duplicated: int = 0
    violations: int = 0
    examples: list[str] = field(default_factory=list)

    def bad(self, what: str, message: str) -> None:
        setattr(self, what, getattr(self, what) + 1)
        if len(self.examples) < 5:
            self.examples.append(message)


def _allowed(writes: list[tuple[float, str]]) -> tuple[set[float], bool]:
    """The values the last write may have left, and whether any write was acknowledged."""
    values = {v for v, fate in writes if fate in (OK, UNKNOWN)}
    return values, any(fate == OK for _, fate in writes)


@dataclass
class Before:
    audit_id: int
    revisions: dict[int, int]
    statuses: dict[int, str]
    targets: dict[int, float | None]
    actuals: dict[int, float | None]


async def snapshot(engine: AsyncEngine, sc: Scenario) -> Before:
    async with make_sessionmaker(engine)() as s:
        audit_id = (await s.execute(select(func.coalesce(func.max(AuditEvent.id), 0)))).scalar_one()
        cards = (await s.execute(select(Scorecard.id, Scorecard.revision, Scorecard.status))).all()
        targets = dict((await s.execute(select(Goal.id, Goal.target))).all())
        actuals = dict((await s.execute(select(Actual.item_id, Actual.value))).all())
    return Before(
        int(audit_id),
        {c: r for c, r, _ in cards},
        {c: st for c, _, st in cards},
        targets,
        actuals,
    )


async def verify(engine: AsyncEngine, run: Run, before: Before) -> list[Check]:
    sc, ledger = run.sc, run.ledger
    checks: list[Check] = []
    async with make_sessionmaker(engine)() as s:
        # check-ins: every acknowledged note once, no refused one
        c = Check("check-ins")
        found = Counter(
            (
                await s.execute(
                    select(Checkin.note).where(Checkin.note.startswith(f"bench:{run.run_id}:"))
                )
            ).scalars()
        )
        for note, fate in ledger.checkins.items():
            c.checked += 1
            n = found.get(note, 0)
            if fate == OK and n == 0:
                c.bad("lost", f"check-in {note} acknowledged, not stored")
            if n > 1:
                c.bad("duplicated", f"check-in {note} stored {n} times")
            if fate == REFUSED and n:
                c.bad("violations", f"check-in {note} refused, yet stored")
        checks.append(c)

        # ingest: every committed batch with its rows, once; refused ones absent
        c = Check("ingest batches")
        batches = {
            b.batch_key: b
            for b in (
                await s.execute(
                    select(DatasetBatch).where(
                        DatasetBatch.batch_key.startswith(f"bench-{run.run_id}-")
                    )
                )
            ).scalars()
        }
        rows = (
            await s.execute(
                select(DatasetRecord.record_key, DatasetRecord.batch_id).where(
                    DatasetRecord.record_key.startswith(f"BW-bench-{run.run_id}-")
                )
            )
        ).all()
        per_key = Counter(k for k, _ in rows)
        batch_of = dict(rows)
        for key, (fate, keys) in ledger.batches.items():
            c.checked += 1
            batch = batches.get(key)
            if fate == OK and batch is None:
                c.bad("lost", f"batch {key} acknowledged, not stored")
                continue
            if fate == REFUSED and batch is not None:
                c.bad("violations", f"batch {key} refused, yet stored")
            if batch is None:
                continue
            stored = [k for k in keys if per_key.get(k)]
            if len(stored) != len(keys) or batch.inserted != len(keys):
                c.bad("lost", f"batch {key}: {len(stored)} of {len(keys)} rows stored")
            if any(batch_of.get(k) != batch.id for k in stored):
                c.bad("violations", f"batch {key}: rows filed under another batch")
        for k, n in per_key.items():
            if n > 1:
                c.bad("duplicated", f"record {k} stored {n} times")
        checks.append(c)

        # actuals: one row per item and period, holding an acknowledged value
        c = Check("actuals (manual, overrides)")
        period = (
            await s.execute(select(Cycle.starts_on, Cycle.ends_on).where(Cycle.id == sc.cycle_id))
        ).one()
        touched = set(ledger.actuals) | set(ledger.overrides)
        stored_actuals: dict[int, list[tuple[float | None, str]]] = defaultdict(list)
        for item, value, source in (
            await s.execute(
                select(Actual.item_id, Actual.value, Actual.source).where(
                    Actual.item_id.in_(touched),
                    Actual.period_start == period.starts_on,
                    Actual.period_end == period.ends_on,
                )
            )
        ).all():
            stored_actuals[item].append((value, source))
        live_items = set(
            (
                await s.execute(select(ScorecardItem.id).where(ScorecardItem.id.in_(touched)))
            ).scalars()
        )
        for item in touched:
            if item not in live_items:  # removed by a contested edit (its history is audited)
                continue
            c.checked += 1
            held = stored_actuals.get(item, [])
            if len(held) > 1:
                c.bad("duplicated", f"item {item}: {len(held)} actuals for one period")
            manual, acked_manual = _allowed(ledger.actuals.get(item, []))
            over, acked_over = _allowed(ledger.overrides.get(item, []))
            if not held:
                if acked_manual or acked_over:
                    c.bad("lost", f"item {item}: acknowledged actual missing")
                continue
            value, source = held[0]
            if acked_over:  # a refresh never replaces an override
                if source != "override" or value not in over:
                    c.bad("lost", f"item {item}: override {sorted(over)} now {value} ({source})")
            elif acked_manual and (source != "manual" or value not in manual):
                c.bad("lost", f"item {item}: manual {value} ({source}) not acknowledged")
        checks.append(c)

        # goal targets: an acknowledged one, or as it was
        c = Check("goal targets")
        targets = dict(
            (
                await s.execute(select(Goal.id, Goal.target).where(Goal.cycle_id == sc.cycle_id))
            ).all()
        )
        for goal, writes in ledger.targets.items():
            c.checked += 1
            values, acked = _allowed(writes)
            if acked and targets.get(goal) not in values:
                c.bad("lost", f"goal {goal}: target {targets.get(goal)} not acknowledged")
            if not acked and targets.get(goal) not in values | {before.targets.get(goal)}:
                c.bad("violations", f"goal {goal}: target {targets.get(goal)} never sent")
        for own in (sc.lead_goal, sc.head_unit_goal):  # refused to their owners
            if own is not None:
                c.checked += 1
                if targets.get(own) != before.targets.get(own):
                    c.bad("violations", f"goal {own} changed by its own owner")
        checks.append(c)

        # proposals: one per goal and owner, with an acknowledged amount
        c = Check("proposals")
        proposals = (
            await s.execute(
                select(GoalProposal.goal_id, GoalProposal.owner_key, GoalProposal.amount).where(
                    GoalProposal.goal_id.in_({g for g, _ in ledger.proposals})
                )
            )
        ).all()
        per_owner: dict[tuple[int, str], list[float]] = defaultdict(list)
        for goal, key, amount in proposals:
            per_owner[(goal, key)].append(amount)
        for (goal, employee), writes in ledger.proposals.items():
            c.checked += 1
            held_amounts = per_owner.get((goal, f"employee:{employee}"), [])
            values, acked = _allowed(writes)
            if len(held_amounts) > 1:
                c.bad("duplicated", f"goal {goal}, employee {employee}: {len(held_amounts)} rows")
            if acked and not held_amounts:
                c.bad("lost", f"goal {goal}, employee {employee}: proposal missing")
            elif acked and held_amounts[0] not in values:
                c.bad("lost", f"goal {goal}, employee {employee}: {held_amounts[0]} not acked")
        checks.append(c)

        # contested plans: one whole item set, a revision per accepted edit, signatures
        # that match the status and the revision their signer read
        c = Check("contested plans")
        cards = {
            card.id: card
            for card in (
                await s.execute(
                    select(Scorecard).where(Scorecard.id.in_([p.card_id for p in sc.contested]))
                )
            ).scalars()
        }
        items = (
            await s.execute(
                select(
                    ScorecardItem.scorecard_id,
                    ScorecardItem.key,
                    ScorecardItem.title,
                    ScorecardItem.weight,
                    ScorecardItem.target,
                ).where(ScorecardItem.scorecard_id.in_(cards))
            )
        ).all()
        shapes: dict[int, list[tuple[str, str, float, float]]] = defaultdict(list)
        for card_id, key, title, weight, target in items:
            shapes[card_id].append((key, title, float(weight), float(target or 0)))
        revisions_audited: dict[str, list[int]] = defaultdict(list)
        for object_id, after in (
            await s.execute(
                select(AuditEvent.object_id, AuditEvent.after)
                .where(AuditEvent.id > before.audit_id, AuditEvent.action == "scorecard.items.set")
                .order_by(AuditEvent.id)
            )
        ).all():
            revisions_audited[object_id].append(int((after or {}).get("revision", -1)))
        for plan in sc.contested:
            c.checked += 1
            card = cards[plan.card_id]
            edits = ledger.edits.get(plan.card_id, [])
            edited, unknown = edits.count(OK), edits.count(UNKNOWN)
            start = before.revisions[plan.card_id]
            if edited and sorted(shapes[plan.card_id]) not in SET_SHAPES:
                c.bad("violations", f"plan {plan.card_id}: items are no one set")
            if edited and sum(w for _, _, w, _ in shapes[plan.card_id]) != 100:
                c.bad("violations", f"plan {plan.card_id}: weights do not sum to 100")
            if not start + edited <= card.revision <= start + edited + unknown:
                c.bad(
                    "lost" if card.revision < start + edited else "violations",
                    f"plan {plan.card_id}: revision {card.revision}, {edited} edits since {start}",
                )
            at = sorted(revisions_audited.get(str(plan.card_id), []))
            if at != list(range(start + 1, card.revision + 1)):
                c.bad("violations", f"plan {plan.card_id}: edits audited at revisions {at}")
            by_employee, by_manager = card.employee_signed_at, card.manager_signed_at
            expected = (
                "signed"
                if by_employee and by_manager
                else "signing"
                if by_employee or by_manager
                else "draft"
            )
            if card.status != expected:
                c.bad("violations", f"plan {plan.card_id}: {card.status} with signatures "
                      f"employee={bool(by_employee)} manager={bool(by_manager)}")  # fmt: skip
            for role, signed in (("employee", by_employee), ("manager", by_manager)):
                seen = {
                    rev
                    for r, rev, fate in ledger.signs.get(plan.card_id, [])
                    if r == role and fate in (OK, UNKNOWN)
                }
                if signed and card.revision not in seen and (edited or seen):
                    c.bad("violations", f"plan {plan.card_id}: {role} signature on revision "
                          f"{card.revision}, signed at {sorted(seen)}")  # fmt: skip
        # refused to their owner: the lead's own plan
        c.checked += 1
        lead_revision = (
            await s.execute(select(Scorecard.revision).where(Scorecard.id == sc.lead_card))
        ).scalar_one()
        if lead_revision != before.revisions[sc.lead_card]:
            c.bad("violations", "the lead changed their own plan")
        checks.append(c)

        # stable plans: actuals and check-ins neither reopen nor change them
        c = Check("other plans")
        for card_id, revision, status in (
            await s.execute(
                select(Scorecard.id, Scorecard.revision, Scorecard.status).where(
                    Scorecard.id.in_([p.card_id for p in sc.stable.values()])
                )
            )
        ).all():
            c.checked += 1
            if (revision, status) != (before.revisions[card_id], before.statuses[card_id]):
                c.bad("violations", f"plan {card_id}: {status} r{revision}, was "
                      f"{before.statuses[card_id]} r{before.revisions[card_id]}")  # fmt: skip
        checks.append(c)

        # the audit trail: one event per acknowledged write, none for a refused one
        c = Check("audit trail = acknowledged writes")
        audited = Counter(
            dict(
                (
                    await s.execute(
                        select(AuditEvent.action, func.count())
                        .where(AuditEvent.id > before.audit_id)
                        .group_by(AuditEvent.action)
                    )
                ).all()
            )
        )
        for action, fates in sorted(ledger.audited.items()):
            if action.startswith("forbidden"):
                continue
            c.checked += len(fates)
            n_ok, unknown = fates.count(OK), fates.count(UNKNOWN)
            n = audited.get(action, 0)
            if n < n_ok:
                c.bad("lost", f"{action}: {n_ok} acknowledged, {n} audited")
            if n > n_ok + unknown:
                c.bad("duplicated", f"{action}: {n_ok} acknowledged, {n} audited")
        for message in ledger.forbidden_accepted:
            c.bad("violations", f"accepted: {message}")
        checks.append(c)
    return checks


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
        checks = await verify(engine, run, before)
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
