"""Candidate lists of a cycle (promotion, reward, training, improvement …) and training
needs by topic.

The lists are the app template's (``lists``); their entries are drawn when HR applies
the cycle's results (``apply.py``). Reading them needs ``candidate.read`` (HR and
executives), filtered by scope in SQL like every read; HR (``candidate.manage``) confirms
or removes an entry with a note (1 to 4,000 characters), audited as
``candidate.confirm`` / ``candidate.remove`` with the status before and after; a decision
may be changed again the same way. The entry is locked while it is decided, so two HR
deciding at once decide one after the other (the later decision stands, both audited).

Training needs aggregate, per topic, the people who need it: the topics of the entries
of the training lists (``training: true``) not removed, and the topics of the improvement
plans opened in the cycle; a person counts once per topic.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import func, select

from perfloop.authz import Permission
from perfloop.services import plans
from perfloop.services.core import audit
from perfloop.services.core.pagination import DEFAULT_PAGE_CAP, Page, keyset_page
from perfloop.services.core.scopes import employees_in_scope
from perfloop.services.improvement.apply import cycle_rules
from perfloop.store.core import lock_rows, utcnow
from perfloop.store.improvement import CandidateEntry, ImprovementPlan
from perfloop.store.org import Employee

if TYPE_CHECKING:
    from sqlalchemy import Select
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller

__all__ = [
    "DECISIONS", "CandidateListView", "CandidateView", "TrainingNeed", "candidate_lists",
    "candidate_page", "decide", "training_needs",
]  # fmt: skip

DECISIONS = {"confirm": "confirmed", "remove": "removed"}
STATUSES = ("proposed", "confirmed", "removed")
MAX_NOTE = 4000


@dataclass(frozen=True)
class CandidateView:
    id: int
    cycle_id: int
    list_key: str
    employee_id: int
    employee_name: str
    employee_no: str
    result_version: int
    reason: Mapping[str, str]
    topics: Sequence[str]
    status: str
    note: str | None
    decided_by_id: int | None
    decided_at: dt.datetime | None


@dataclass(frozen=True)
class CandidateListView:
    key: str
    title: Mapping[str, str]
    training: bool
    proposed: int
    confirmed: int
    removed: int


@dataclass(frozen=True)
class TrainingNeed:
    topic: str
    people: int
    from_lists: int
    from_plans: int


def _view(e: CandidateEntry, who: Employee) -> CandidateView:
    return CandidateView(
        e.id, e.cycle_id, e.list_key, e.employee_id, who.name, who.employee_no,
        e.result_version, e.reason, e.topics, e.status, e.note, e.decided_by_id, e.decided_at,
    )  # fmt: skip


async def candidate_page(
    session: AsyncSession,
    caller: Caller,
    cycle_id: int,
    *,
    list_key: str | None = None,
    status: str | None = None,
    first: int | None = None,
    after: str | None = None,
    page_cap: int = DEFAULT_PAGE_CAP,
) -> Page[CandidateView]:
    """The cycle's candidate entries (of one list, of one status) in the caller's
    ``candidate.read`` scope, by list, then employee number."""
    scope = caller.require(Permission.CANDIDATE_READ)
    cycle = await plans.get_cycle(session, caller, cycle_id)
    if status is not None and status not in STATUSES:
        raise plans.invalid(f"status is one of {', '.join(STATUSES)}", ("status",))
    query = (
        select(CandidateEntry, Employee)
        .join(Employee, Employee.id == CandidateEntry.employee_id)
        .where(
            CandidateEntry.cycle_id == cycle.id,
            CandidateEntry.tenant_id == caller.tenant_id,
            employees_in_scope(caller, scope, CandidateEntry.employee_id),
        )
    )
    if list_key is not None:
        query = query.where(CandidateEntry.list_key == list_key)
    if status is not None:
        query = query.where(CandidateEntry.status == status)
    page = await keyset_page(
        session,
        cast("Select[Any]", query),
        (CandidateEntry.list_key, Employee.employee_no, CandidateEntry.id),
        first=first, after=after, cap=page_cap, what="candidate",
    )  # fmt: skip
    items = [_view(e, who) for e, who in page.items]
    return Page(items, page.cursors, page.has_next_page, page.has_previous_page, page.total_count)


async def candidate_lists(
    session: AsyncSession, caller: Caller, cycle_id: int
) -> list[CandidateListView]:
    """The lists the cycle's app defines, in its order, with the entries per status."""
    scope = caller.require(Permission.CANDIDATE_READ)
    cycle = await plans.get_cycle(session, caller, cycle_id)
    rules, _ = await cycle_rules(session, cycle)
    counted = await session.execute(
        select(CandidateEntry.list_key, CandidateEntry.status, func.count())
        .where(
            CandidateEntry.cycle_id == cycle.id,
            CandidateEntry.tenant_id == caller.tenant_id,
            employees_in_scope(caller, scope, CandidateEntry.employee_id),
        )
        .group_by(CandidateEntry.list_key, CandidateEntry.status)
    )
    counts = {(k, s): int(n) for k, s, n in counted.all()}
    return [
        CandidateListView(
            r.key,
            r.title,
            r.training,
            counts.get((r.key, "proposed"), 0),
            counts.get((r.key, "confirmed"), 0),
            counts.get((r.key, "removed"), 0),
        )
        for r in rules.lists
    ]


async def decide(
    session: AsyncSession, caller: Caller, entry_id: int, decision: str, note: str
) -> CandidateView:
    """Confirm or remove a candidate entry with a note (see the module). Commits."""
    scope = caller.require(Permission.CANDIDATE_MANAGE)
    if decision not in DECISIONS:
        raise plans.invalid(f"decision is one of {', '.join(DECISIONS)}", ("decision",))
    if not note.strip() or len(note) > MAX_NOTE:
        raise plans.invalid(f"a note is 1 to {MAX_NOTE} characters", ("note",))
    rows = await lock_rows(
        session, CandidateEntry, CandidateEntry.id == entry_id,
        CandidateEntry.tenant_id == caller.tenant_id,
        employees_in_scope(caller, scope, CandidateEntry.employee_id),
    )  # fmt: skip
    if not rows:
        raise plans.not_found("candidate entry", ("entry",))
    entry = rows[0]
    before = {"status": entry.status, "note": entry.note}
    entry.status, entry.note = DECISIONS[decision], note
    entry.decided_by_id, entry.decided_at = caller.user_id, utcnow()
    audit.record(
        session, caller, f"candidate.{decision}", "candidate_entry", entry.id,
        before=before, after={"status": entry.status, "list": entry.list_key,
                              "employee": entry.employee_id},
        note=note,
    )  # fmt: skip
    who = await session.get(Employee, entry.employee_id)
    assert who is not None
    view = _view(entry, who)
    await session.commit()
    return view


async def training_needs(
    session: AsyncSession, caller: Caller, cycle_id: int
) -> list[TrainingNeed]:
    """Per topic, the people who need it (see the module), most people first."""
    scope = caller.require(Permission.CANDIDATE_READ)
    cycle = await plans.get_cycle(session, caller, cycle_id)
    rules, _ = await cycle_rules(session, cycle)
    training = [r.key for r in rules.lists if r.training]
    from_lists: dict[str, set[int]] = {}
    from_plans: dict[str, set[int]] = {}
    if training:
        found = await session.execute(
            select(CandidateEntry.employee_id, CandidateEntry.topics).where(
                CandidateEntry.cycle_id == cycle.id,
                CandidateEntry.tenant_id == caller.tenant_id,
                CandidateEntry.list_key.in_(training),
                CandidateEntry.status != "removed",
                employees_in_scope(caller, scope, CandidateEntry.employee_id),
            )
        )
        for employee_id, topics in found.all():
            for topic in topics or []:
                from_lists.setdefault(str(topic), set()).add(employee_id)
    found = await session.execute(
        select(ImprovementPlan.employee_id, ImprovementPlan.topics).where(
            ImprovementPlan.cycle_id == cycle.id,
            ImprovementPlan.tenant_id == caller.tenant_id,
            employees_in_scope(caller, scope, ImprovementPlan.employee_id),
        )
    )
    for employee_id, topics in found.all():
        for topic in topics or []:
            from_plans.setdefault(str(topic), set()).add(employee_id)
    needs = [
        TrainingNeed(
            t,
            len(from_lists.get(t, set()) | from_plans.get(t, set())),
            len(from_lists.get(t, set())),
            len(from_plans.get(t, set())),
        )
        for t in set(from_lists) | set(from_plans)
    ]
    return sorted(needs, key=lambda n: (-n.people, n.topic))
