"""Applying a cycle's published results (结果应用): improvement plans and candidate lists.

``apply_results(cycle)`` (HR, ``improvement.manage`` for the company) reads each person's
latest **published** result of the cycle and, by the rules of the cycle's app template
(``rules.py``):

- **opens an improvement plan** for each person the ``improvement.when`` rule names, with
  the gaps (the items ``improvement.gap`` names), the reason, the items to carry into
  the next cycle (``improvement.carry``), the training topics (the gaps' titles) and the
  owner (the person's manager). One plan per person and cycle: a person who has one
  keeps it as it is (a later result version does not open another or change it), and
  two HR applying at once open one (an insert that ignores a duplicate);
- **closes the plans carried into this cycle** (opened in an earlier cycle, their items
  carried by the assignment of this one, still open) with the outcome the
  ``improvement.met`` rule gives on the person's result here: ``met`` or ``not_met``,
  recorded as by the rule (no person) — a plan closed by its owner before stays as they
  closed it;
- **draws the candidate lists** (``lists``): each person a list's ``when`` names is on it,
  with the reason in zh-CN and en and the items its ``items`` rule names (a training
  list's topics). Entries HR has not decided follow the results (updated, and dropped
  when the person is no longer named); a confirmed or removed entry stays as HR decided.

Everything is in one transaction, audited as one ``improvement.apply`` event with the
counts. Applying again with nothing changed changes nothing. Publishing results applies
them too (``apply_published``, right after the publication commits), when the cycle's
app has rules for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, delete, func, select, update

from perfloop.authz import Permission, Scope
from perfloop.services import apps, plans
from perfloop.services.core import audit
from perfloop.services.core.errors import ErrorCode, Forbidden, ServiceError
from perfloop.services.improvement.rules import AppRules, reason_text, result_data
from perfloop.store.apps import InstalledApp
from perfloop.store.core import chunked, insert_or_ignore, lock_rows, utcnow
from perfloop.store.improvement import CandidateEntry, ImprovementPlan
from perfloop.store.org import Employee
from perfloop.store.results import Result

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller
    from perfloop.store.cycles import Cycle

__all__ = ["Applied", "apply_published", "apply_results", "cycle_rules"]

PUBLISHED = "published"


@dataclass(frozen=True)
class Applied:
    """What applying a cycle's results did."""

    results: int
    opened: int
    closed: int
    listed: dict[str, int]


async def cycle_rules(session: AsyncSession, cycle: Cycle) -> tuple[AppRules, dict[str, Any]]:
    """The rules of the cycle's app template and the parameters of its install."""
    install = await session.get(InstalledApp, cycle.installed_app_id)
    if install is None:
        return AppRules(None, ()), {}
    record = await apps.load_template(
        session, cycle.tenant_id, "app", install.app_key, install.app_version
    )
    body: Mapping[str, Any] = record.body if record is not None else {}
    return AppRules.of(body), dict(install.parameters or {})


async def published_results(session: AsyncSession, cycle: Cycle) -> list[Result]:
    """Each person's latest published result of the cycle, by employee id."""
    latest = (
        select(Result.employee_id, func.max(Result.version).label("version"))
        .where(Result.cycle_id == cycle.id, Result.status == PUBLISHED)
        .group_by(Result.employee_id)
        .subquery()
    )
    rows = await session.execute(
        select(Result)
        .join(
            latest,
            and_(latest.c.employee_id == Result.employee_id, latest.c.version == Result.version),
        )
        .where(Result.cycle_id == cycle.id, Result.tenant_id == cycle.tenant_id)
        .order_by(Result.employee_id)
    )
    return list(rows.scalars())


def data_of(result: Result, params: Mapping[str, Any]) -> dict[str, Any]:
    return result_data(
        rating=result.rating, total=result.total, kpi=result.kpi_part,
        review=result.review_part, multiplier=result.multiplier,
        inputs=result.inputs or {}, params=params,
    )  # fmt: skip


async def apply_results(session: AsyncSession, caller: Caller, cycle_id: int) -> Applied:
    """Open improvement plans, close the plans carried into the cycle and draw the
    candidate lists from the cycle's published results (see the module). Commits."""
    if caller.require(Permission.IMPROVEMENT_MANAGE) is not Scope.TENANT:
        raise Forbidden("applying results needs improvement.manage for the whole company")
    cycle = await plans.get_cycle(session, caller, cycle_id)
    applied = await _apply(session, caller, cycle)
    if applied is None:
        raise ServiceError.one(
            ErrorCode.INVALID, "the cycle has no published results to apply", ("cycle",),
            "no-published-results",
        )  # fmt: skip
    return applied


async def apply_published(session: AsyncSession, caller: Caller, cycle: Cycle) -> Applied | None:
    """What publishing results does next (``services.results.publish``, whose caller HR
    may publish for the whole company): :func:`apply_results` when the cycle's app has
    rules for it; None (nothing written) when it has none."""
    rules, _ = await cycle_rules(session, cycle)
    if rules.improvement is None and not rules.lists:
        return None
    return await _apply(session, caller, cycle)


async def _apply(session: AsyncSession, caller: Caller, cycle: Cycle) -> Applied | None:
    rules, params = await cycle_rules(session, cycle)
    results = await published_results(session, cycle)
    if not results:
        return None
    data = {r.employee_id: data_of(r, params) for r in results}
    versions = {r.employee_id: r.version for r in results}
    opened = await _open_plans(session, caller, cycle, rules, data, versions)
    closed = await _close_carried(session, cycle, rules, data)
    listed = await _draw_lists(session, cycle, rules, data, versions)
    audit.record(
        session, caller, "improvement.apply", "cycle", cycle.id,
        after={"results": len(results), "opened": opened, "closed": closed, "listed": listed},
    )  # fmt: skip
    await session.commit()
    return Applied(len(results), opened, closed, listed)


async def _open_plans(
    session: AsyncSession,
    caller: Caller,
    cycle: Cycle,
    rules: AppRules,
    data: Mapping[int, Mapping[str, Any]],
    versions: Mapping[int, int],
) -> int:
    rule = rules.improvement
    if rule is None:
        return 0
    named = [e for e, d in data.items() if rule.when.holds(d)]
    if not named:
        return 0
    managers: dict[int, int | None] = {}
    for chunk in chunked(named):
        found = await session.execute(
            select(Employee.id, Employee.manager_id).where(Employee.id.in_(chunk))
        )
        managers.update(dict(found.all()))
    before = await _count(session, cycle)
    rows = []
    now = utcnow()
    for employee_id in named:
        d = data[employee_id]
        gaps = rule.gap.items(d) if rule.gap is not None else []
        rows.append(
            {
                "tenant_id": cycle.tenant_id, "cycle_id": cycle.id, "employee_id": employee_id,
                "owner_id": managers.get(employee_id), "result_version": versions[employee_id],
                "form_ref": rule.form, "status": "open",
                "reason": reason_text(rule.reason, d, gaps),
                "gaps": [{k: g.get(k) for k in ("key", "title", "unit", "direction", "target",
                                                 "actual", "completion")} for g in gaps],
                "carry": rule.carry(d, gaps), "answers": {},
                "topics": list(dict.fromkeys(str(g.get("title") or g.get("key")) for g in gaps)),
                "revision": 1, "opened_by_id": caller.user_id, "opened_at": now, "updated_at": now,
            }
        )  # fmt: skip
    await insert_or_ignore(session, ImprovementPlan, rows, key=("cycle_id", "employee_id"))
    return await _count(session, cycle) - before


async def _count(session: AsyncSession, cycle: Cycle) -> int:
    counted = await session.execute(
        select(func.count()).where(ImprovementPlan.cycle_id == cycle.id)
    )
    return int(counted.scalar_one())


async def _close_carried(
    session: AsyncSession, cycle: Cycle, rules: AppRules, data: Mapping[int, Mapping[str, Any]]
) -> int:
    met = rules.improvement.met if rules.improvement is not None else None
    if met is None:
        return 0
    carried = await lock_rows(
        session, ImprovementPlan,
        ImprovementPlan.tenant_id == cycle.tenant_id,
        ImprovementPlan.carried_cycle_id == cycle.id,
        ImprovementPlan.status == "open",
        order_by=ImprovementPlan.id,
    )  # fmt: skip
    now = utcnow()
    closed = 0
    for plan in carried:
        d = data.get(plan.employee_id)
        if d is None:
            continue  # no published result here yet: the plan stays open
        plan.status = "closed"
        plan.outcome = "met" if met.holds(d) else "not_met"
        plan.outcome_by_rule = True
        plan.closed_by_id = None
        plan.closed_at = now
        plan.revision += 1
        plan.updated_at = now
        closed += 1
    return closed


async def _draw_lists(
    session: AsyncSession,
    cycle: Cycle,
    rules: AppRules,
    data: Mapping[int, Mapping[str, Any]],
    versions: Mapping[int, int],
) -> dict[str, int]:
    listed: dict[str, int] = {}
    for rule in rules.lists:
        entries: dict[int, dict[str, Any]] = {}
        for employee_id, d in data.items():
            if not rule.when.holds(d):
                continue
            named = rule.items.items(d) if rule.items is not None else []
            topics = [str(i.get("title") or i.get("key")) for i in named] if rule.training else []
            entries[employee_id] = {
                "reason": reason_text(rule.reason, d, named),
                "topics": list(dict.fromkeys(topics)),
                "result_version": versions[employee_id],
            }
        listed[rule.key] = len(entries)
        undecided = CandidateEntry.status == "proposed"
        mine = and_(CandidateEntry.cycle_id == cycle.id, CandidateEntry.list_key == rule.key)
        existing = await session.execute(select(CandidateEntry.employee_id).where(mine))
        known = set(existing.scalars())
        gone = sorted(known - set(entries))
        for chunk in chunked(gone):
            await session.execute(
                delete(CandidateEntry)
                .where(mine, undecided, CandidateEntry.employee_id.in_(chunk))
                .execution_options(synchronize_session=False)
            )
        for employee_id in sorted(known & set(entries)):
            await session.execute(
                update(CandidateEntry)
                .where(mine, undecided, CandidateEntry.employee_id == employee_id)
                .values(**entries[employee_id])
                .execution_options(synchronize_session=False)
            )
        rows = [
            {"tenant_id": cycle.tenant_id, "cycle_id": cycle.id, "list_key": rule.key,
             "employee_id": e, "status": "proposed", **values}
            for e, values in entries.items() if e not in known
        ]  # fmt: skip
        await insert_or_ignore(
            session, CandidateEntry, rows, key=("cycle_id", "list_key", "employee_id")
        )
    return listed
