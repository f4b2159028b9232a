"""bench/concurrent_writers.py's scenario: who writes what in the demo company, the
item sets contested plans are edited to, and the ledger of every write and its fate."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from perfloop.store import make_sessionmaker
from perfloop.store.cycles import Cycle
from perfloop.store.goals import Goal
from perfloop.store.identity import RoleAssignment, Tenant, UserAccount
from perfloop.store.org import Employee, OrgUnit
from perfloop.store.plans import Scorecard, ScorecardItem

TENANT = "demo"


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
