"""Who acts in the demo quarter: the demo tenant's people, and a Caller for each
of them built the way a request's caller is (``services.caller.resolve_caller``),
so every write goes through the services' permission and scope checks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import aliased

from perfloop.authz import EnforcerCache
from perfloop.demo.company import DEMO_DOMAIN, DEMO_TENANT
from perfloop.demo.targets import PLAYBOOKS, PLUGIN_ITEMS, Person, Playbook, playbooks, targets
from perfloop.engine import expected_progress
from perfloop.plugins import get_registry
from perfloop.services.core.caller import Caller, resolve_caller
from perfloop.services.cycles import Period, period_containing
from perfloop.store.identity import Tenant
from perfloop.store.org import Employee, OrgUnit
from perfloop.templates.registry import plugin_template_failures

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

HR = f"hr@{DEMO_DOMAIN}"


def first_party_plugins() -> tuple[frozenset[str], frozenset[str]]:
    """The first-party metric plugins whose items the demo's plans may hold
    (``PLUGIN_ITEMS``): those installed with their templates, and those missing."""
    registry, broken = get_registry(), plugin_template_failures()
    wanted = {plugin for plugin, _, _ in PLUGIN_ITEMS.values()}
    usable = {p for p in wanted if registry.plugin(p) is not None and p not in broken}
    return frozenset(usable), frozenset(wanted - usable)


def current_quarter(today: dt.date) -> Period:
    """The calendar quarter that contains ``today``."""
    return period_containing("quarter", today)


async def read_people(session: AsyncSession, tenant_id: int) -> list[Person]:
    """The tenant's active employees with their department, team and role, by number."""
    unit, parent = aliased(OrgUnit), aliased(OrgUnit)
    rows = (
        await session.execute(
            select(Employee, unit.kind, unit.code, parent.code)
            .join(unit, unit.id == Employee.org_unit_id)
            .outerjoin(parent, parent.id == unit.parent_id)
            .where(Employee.tenant_id == tenant_id, Employee.status == "active")
            .order_by(Employee.employee_no)
        )
    ).all()
    unit_of = {e.id: e.org_unit_id for e, *_ in rows}
    people = []
    for e, kind, code, parent_code in rows:
        if kind == "company":
            dept, team, role = "", None, "ceo"
        elif kind == "department":
            dept, team, role = code, None, "head"
        else:
            same_unit = e.manager_id is not None and unit_of.get(e.manager_id) == e.org_unit_id
            dept, team, role = parent_code or "", code, "staff" if same_unit else "lead"
        people.append(
            Person(
                id=e.id,
                no=e.employee_no,
                name=e.name,
                email=e.email,
                dept=dept,
                team=team,
                role=role,
                position=e.position,
                grade=e.grade,
                hired=e.hire_date,
                manager_id=e.manager_id,
            )
        )
    return people


@dataclass
class Demo:
    """The demo tenant's quarter in the making: its people, callers and cycle."""

    session: AsyncSession
    tenant_id: int
    today: dt.date
    quarter: Period
    people: list[Person]
    cycle_id: int = 0
    tasks: bool = True  # plans get their playbook's action-plan task
    share_of_quarter: float = 1.0  # the period's length in quarters (a month: 1/3)
    #: the departments' playbooks: the current quarter's hold the installed first-party
    #: plugins' items (``playbooks``); the closed quarter and its months keep the built-in
    #: libraries, as their results stage needs every actual
    books: Mapping[str, Playbook] = field(default_factory=lambda: PLAYBOOKS)
    cache: EnforcerCache = field(default_factory=EnforcerCache)
    _callers: dict[str, Caller] = field(default_factory=dict)
    _targets: dict[int, dict[str, float]] = field(default_factory=dict)

    @classmethod
    async def start(cls, session: AsyncSession, today: dt.date) -> Demo:
        tenant_id = (
            await session.execute(select(Tenant.id).where(Tenant.slug == DEMO_TENANT))
        ).scalar_one()
        people = await read_people(session, tenant_id)
        books = playbooks(first_party_plugins()[0])
        return cls(session, tenant_id, today, current_quarter(today), people, books=books)

    def for_quarter(
        self, quarter: Period, people: list[Person], *, tasks: bool, share_of_quarter: float = 1.0
    ) -> Demo:
        """The same tenant in another quarter (or a month: ``share_of_quarter`` 1/3), seen
        from its last day, with these people (the same people, as they did then) and
        the built-in playbooks; callers are shared."""
        return Demo(
            self.session, self.tenant_id, quarter.ends_on, quarter, people,
            tasks=tasks, share_of_quarter=share_of_quarter, cache=self.cache,
            _callers=self._callers,
        )  # fmt: skip

    async def caller(self, who: Person | str) -> Caller:
        """The demo user (a person or an email) as a caller, as their token would make them."""
        email = who.email if isinstance(who, Person) else who
        if email not in self._callers:
            self._callers[email] = await resolve_caller(
                self.session, self.cache, DEMO_TENANT, email
            )
        return self._callers[email]

    async def hr(self) -> Caller:
        return await self.caller(HR)

    @property
    def planned(self) -> list[Person]:
        """Everyone with a plan this quarter: all but the CEO, whose plan is the company goals."""
        return [p for p in self.people if p.role != "ceo"]

    def person(self, employee_id: int) -> Person:
        return next(p for p in self.people if p.id == employee_id)

    def manager(self, person: Person) -> Person:
        assert person.manager_id is not None, f"{person.email} has no manager"
        return self.person(person.manager_id)

    def targets(self, person: Person) -> dict[str, float]:
        if person.id not in self._targets:
            self._targets[person.id] = targets(
                person, self.quarter.starts_on, self.share_of_quarter, self.books
            )
        return self._targets[person.id]

    @property
    def elapsed(self) -> float:
        """The share of the quarter elapsed by the end of today."""
        return expected_progress(self.quarter.starts_on, self.quarter.ends_on, self.today)


__all__ = ["HR", "Demo", "current_quarter", "first_party_plugins", "read_people"]
