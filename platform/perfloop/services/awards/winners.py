"""Awards (a star of the month per department): who wins, and announcing it.

Rules:

- **The template decides.** An award is an entry of a scoring template's ``awards``
  (``standard-scoring@2``: ``star-of-the-period``): per which org unit kind (team,
  department, company), who takes part (``eligible``), the value ranked (``rank``) and
  the ordered tie-breaks; after them the lowest employee id wins, so there is exactly
  one winner per unit and cycle. The engine ranks (``perfloop.engine.award_entry``,
  ``rank_award``); nothing here recomputes a rule of the template.
- **Who is in the running**: each person's latest **published** result of the cycle
  (drafts never: a result is not final before HR publishes it). Each person's values
  come from their own result: the total, KPI and review parts, rating and multiplier
  as stored, the scorecard's completion by the template's ``/completion`` formula on the
  stored items, ``tenure_days`` from the hire date to the cycle's last day. Their
  formulas are their result's scoring template with the parameters it was scored with;
  people scored by different templates in one unit are ranked together, each by their
  own template's values (use one award definition per company).
- **The unit** is each person's nearest org unit of the award's kind at or above the
  unit they are placed in (``company``: the root); a person with none is left out.
- **Preview, then announce.** Until HR announces an award, ``awards`` computes it on
  demand and shows it to HR only (``award.manage``), marked ``preview``. ``announce``
  stores the winners (``award_winners``), audited as ``award.announce``; from then on
  everyone with ``award.read`` (the whole company by default) reads them.
- **An announced award never changes silently.** Later data (a new result version, a
  calibration, an appeal) leaves the announced winner as it was; HR sees, next to each
  announced winner, whether the current computation would name someone else
  (``differs``). Announcing again only adds the units that had no winner yet
  (``insert … on conflict do nothing``), so two HR announcing at once announce each
  unit once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, select

from perfloop.authz import Permission, Scope
from perfloop.engine import (
    AwardCandidate,
    AwardEntry,
    AwardWinner,
    ScoringScheme,
    award_entry,
    award_spec,
    rank_award,
)
from perfloop.services import plans
from perfloop.services.awards.common import completion_of, number, scheme_of
from perfloop.services.core import audit
from perfloop.services.core.errors import Forbidden
from perfloop.services.core.scopes import employees_in_scope
from perfloop.store.awards import AwardWinner as AwardRow
from perfloop.store.core import insert_or_ignore, utcnow
from perfloop.store.org import Employee, OrgUnit
from perfloop.store.results import Result

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller
    from perfloop.store.cycles import Cycle

PREVIEW = "preview"
ANNOUNCED = "announced"


@dataclass(frozen=True)
class AwardKey:
    """One value a winner was ordered by."""

    key: str
    title: Mapping[str, str]
    value: float | None


@dataclass(frozen=True)
class AwardView:
    cycle_id: int
    award_key: str
    title: Mapping[str, str]
    scoring_ref: str
    org_unit_id: int
    org_unit_name: str
    employee_id: int
    employee_name: str
    employee_no: str
    value: float | None
    #: "rank", a tie-break's key, "employee" (the last resort) or "only"
    decided_by: str
    decided_by_title: Mapping[str, str]
    keys: tuple[AwardKey, ...]
    runner_up_id: int | None
    eligible: int
    candidates: int
    tied: int
    result_version: int
    status: str
    announced_at: dt.datetime | None = None
    #: HR only, for an announced winner: whether today's computation names someone else
    differs: bool | None = None
    runner_up_name: str | None = field(default=None)


_num = number


def _titles(award: Mapping[str, Any]) -> dict[str, Mapping[str, str]]:
    titles: dict[str, Mapping[str, str]] = {
        "rank": {"zh-CN": "排名值", "en": "Ranked value"},
        "employee": {"zh-CN": "员工编号（最后依据）", "en": "Employee id (the last resort)"},
        "only": {"zh-CN": "唯一符合条件者", "en": "The only one eligible"},
    }
    for tb in award.get("tieBreak") or []:
        if isinstance(tb, Mapping) and "key" in tb:
            titles[str(tb["key"])] = dict(tb.get("title") or {"en": str(tb["key"])})
    return titles


@dataclass
class _Computed:
    """One award's winners of a cycle as computed now."""

    award: Mapping[str, Any]
    scoring_ref: str
    winners: list[AwardWinner]
    versions: dict[int, int]  #: employee id -> the result version ranked


async def _units(session: AsyncSession, tenant_id: int) -> dict[int, tuple[str, str, str]]:
    rows = await session.execute(
        select(OrgUnit.id, OrgUnit.kind, OrgUnit.path, OrgUnit.name).where(
            OrgUnit.tenant_id == tenant_id
        )
    )
    return {uid: (kind, path, name) for uid, kind, path, name in rows.all()}


def _unit_of(placed: int, kind: str, units: Mapping[int, tuple[str, str, str]]) -> int | None:
    """The nearest unit of ``kind`` at or above ``placed`` (company: the root)."""
    found = units.get(placed)
    if found is None:
        return None
    ids = [int(p) for p in found[1].strip("/").split("/") if p]
    if kind == "company":
        return ids[0] if ids else None
    for uid in reversed(ids):
        if units.get(uid, ("",))[0] == kind:
            return uid
    return None


async def _published_latest(session: AsyncSession, cycle: Cycle) -> list[Any]:
    """Each person's latest published result of the cycle, with the person."""
    latest = (
        select(Result.employee_id, func.max(Result.version).label("version"))
        .where(
            Result.tenant_id == cycle.tenant_id,
            Result.cycle_id == cycle.id,
            Result.status == "published",
        )
        .group_by(Result.employee_id)
        .subquery()
    )
    rows = await session.execute(
        select(Result, Employee)
        .join(
            latest,
            and_(latest.c.employee_id == Result.employee_id, latest.c.version == Result.version),
        )
        .join(Employee, Employee.id == Result.employee_id)
        .where(Result.cycle_id == cycle.id)
        .order_by(Employee.id)
    )
    return list(rows.all())


def _candidate_data(
    scheme: ScoringScheme, result: Result, employee: Employee, cycle: Cycle
) -> dict[str, Any]:
    return {
        "total": result.total,
        "kpi": result.kpi_part,
        "review": result.review_part,
        "completion": completion_of(scheme, result),
        "rating": result.rating,
        "multiplier": result.multiplier,
        "tenure_days": (cycle.ends_on - employee.hire_date).days,
        "employee_no": employee.employee_no,
    }


async def _compute(
    session: AsyncSession, cycle: Cycle, award_key: str | None
) -> tuple[dict[str, _Computed], dict[int, tuple[str, str, str]], dict[int, Employee]]:
    """Every award (or ``award_key``) of the templates the cycle's published results were
    scored with, computed now; the org units and the people read."""
    rows = await _published_latest(session, cycle)
    units = await _units(session, cycle.tenant_id)
    refs = sorted({r.scoring_ref for r, _ in rows})
    bodies = await plans.template_bodies(session, cycle.tenant_id, refs, "scoring")
    entries: dict[str, list[AwardEntry]] = {}
    counts: dict[str, dict[int, int]] = {}
    awards: dict[str, tuple[Mapping[str, Any], str]] = {}
    versions: dict[int, int] = {}
    people: dict[int, Employee] = {}
    for result, employee in rows:
        body = bodies.get(result.scoring_ref)
        if body is None:
            continue
        scheme = scheme_of(body, result)
        if scheme is None:
            continue
        people[employee.id] = employee
        versions[employee.id] = result.version
        data = _candidate_data(scheme, result, employee, cycle)
        for award in body.get("awards") or []:
            key = str(award.get("key"))
            if award_key is not None and key != award_key:
                continue
            awards.setdefault(key, (award, result.scoring_ref))
            unit = _unit_of(employee.org_unit_id, str(award.get("unit")), units)
            if unit is None:
                continue
            unit_counts = counts.setdefault(key, {})
            unit_counts[unit] = unit_counts.get(unit, 0) + 1
            if award_spec(scheme, key) is None:
                continue
            entry = award_entry(scheme, key, AwardCandidate(employee.id, unit, data))
            if entry is not None:
                entries.setdefault(key, []).append(entry)
    computed = {
        key: _Computed(award, ref, rank_award(entries.get(key, []), counts.get(key, {})), versions)
        for key, (award, ref) in awards.items()
    }
    return computed, units, people


def _view(
    cycle: Cycle,
    computed: _Computed,
    winner: AwardWinner,
    units: Mapping[int, tuple[str, str, str]],
    people: Mapping[int, Employee],
) -> AwardView:
    titles = _titles(computed.award)
    person = people[winner.employee_id]
    runner = people.get(winner.runner_up) if winner.runner_up is not None else None
    return AwardView(
        cycle_id=cycle.id,
        award_key=str(computed.award.get("key")),
        title=dict(computed.award.get("title") or {}),
        scoring_ref=computed.scoring_ref,
        org_unit_id=winner.unit_id,
        org_unit_name=units.get(winner.unit_id, ("", "", ""))[2],
        employee_id=person.id,
        employee_name=person.name,
        employee_no=person.employee_no,
        value=_num(winner.value),
        decided_by=winner.decided_by,
        decided_by_title=titles.get(winner.decided_by, {"en": winner.decided_by}),
        keys=tuple(AwardKey(k, titles.get(k, {"en": k}), _num(v)) for k, v in winner.keys),
        runner_up_id=winner.runner_up,
        runner_up_name=runner.name if runner is not None else None,
        eligible=winner.eligible,
        candidates=winner.candidates,
        tied=len(winner.tied),
        result_version=computed.versions.get(winner.employee_id, 0),
        status=PREVIEW,
    )


def _details(view: AwardView) -> dict[str, Any]:
    return {
        "title": dict(view.title),
        "unitName": view.org_unit_name,
        "decidedByTitle": dict(view.decided_by_title),
        "keys": [{"key": k.key, "title": dict(k.title), "value": k.value} for k in view.keys],
        "runnerUp": view.runner_up_id,
        "runnerUpName": view.runner_up_name,
        "eligible": view.eligible,
        "candidates": view.candidates,
        "tied": view.tied,
    }


def _from_row(row: AwardRow, employee: Employee) -> AwardView:
    d = row.details or {}
    return AwardView(
        cycle_id=row.cycle_id,
        award_key=row.award_key,
        title=d.get("title") or {},
        scoring_ref=row.scoring_ref,
        org_unit_id=row.org_unit_id,
        org_unit_name=str(d.get("unitName") or ""),
        employee_id=employee.id,
        employee_name=employee.name,
        employee_no=employee.employee_no,
        value=row.value,
        decided_by=row.decided_by,
        decided_by_title=d.get("decidedByTitle") or {},
        keys=tuple(
            AwardKey(str(k.get("key")), k.get("title") or {}, _num(k.get("value")))
            for k in d.get("keys") or []
        ),
        runner_up_id=d.get("runnerUp"),
        runner_up_name=d.get("runnerUpName"),
        eligible=int(d.get("eligible") or 0),
        candidates=int(d.get("candidates") or 0),
        tied=int(d.get("tied") or 0),
        result_version=row.result_version,
        status=ANNOUNCED,
        announced_at=row.announced_at,
    )


async def _announced(
    session: AsyncSession, caller: Caller, cycle: Cycle, award_key: str | None, scope: Scope
) -> list[AwardView]:
    query = (
        select(AwardRow, Employee)
        .join(Employee, Employee.id == AwardRow.employee_id)
        .where(AwardRow.tenant_id == caller.tenant_id, AwardRow.cycle_id == cycle.id)
    )
    if award_key is not None:
        query = query.where(AwardRow.award_key == award_key)
    if scope is not Scope.TENANT:
        query = query.where(employees_in_scope(caller, scope, AwardRow.employee_id))
    rows = await session.execute(query.order_by(AwardRow.award_key, AwardRow.org_unit_id))
    return [_from_row(row, employee) for row, employee in rows.all()]


async def _in_unit_filter(
    session: AsyncSession, caller: Caller, org_unit_id: int | None
) -> str | None:
    """The path of the org unit asked for (None: all); NOT_FOUND when not the tenant's."""
    if org_unit_id is None:
        return None
    unit = await session.get(OrgUnit, org_unit_id)
    if unit is None or unit.tenant_id != caller.tenant_id:
        raise plans.not_found("org unit", ("orgUnit",))
    return unit.path


async def awards(
    session: AsyncSession,
    caller: Caller,
    cycle_id: int,
    *,
    award_key: str | None = None,
    org_unit_id: int | None = None,
) -> list[AwardView]:
    """The cycle's award winners the caller may read, by award key and unit id:
    announced ones (``award.read``) and, for HR (``award.manage``), the preview of the
    units not announced yet and ``differs`` on the announced ones. ``org_unit_id``:
    the units at or below that unit."""
    read = caller.require(Permission.AWARD_READ)
    cycle = await plans.get_cycle(session, caller, cycle_id)
    path = await _in_unit_filter(session, caller, org_unit_id)
    found = await _announced(session, caller, cycle, award_key, read)
    if caller.scope(Permission.AWARD_MANAGE) is Scope.TENANT:
        computed, units, people = await _compute(session, cycle, award_key)
        now: dict[tuple[str, int], AwardView] = {
            (key, w.unit_id): _view(cycle, c, w, units, people)
            for key, c in computed.items()
            for w in c.winners
        }
        done = {(v.award_key, v.org_unit_id) for v in found}
        found = [
            v if (v.award_key, v.org_unit_id) not in now else _with_differs(v, now) for v in found
        ] + [v for k, v in now.items() if k not in done]
    else:
        units = {}
    if path is not None:
        if not units:
            units = await _units(session, caller.tenant_id)
        found = [v for v in found if units.get(v.org_unit_id, ("", "", ""))[1].startswith(path)]
    return sorted(found, key=lambda v: (v.award_key, v.org_unit_id))


def _with_differs(view: AwardView, now: Mapping[tuple[str, int], AwardView]) -> AwardView:
    current = now[(view.award_key, view.org_unit_id)]
    return replace(view, differs=current.employee_id != view.employee_id)


@dataclass(frozen=True)
class Announcement:
    announced: int  #: units given a winner now
    kept: int  #: units whose winner was announced before (left as announced)
    winners: list[AwardView]


async def announce(
    session: AsyncSession, caller: Caller, cycle_id: int, award_key: str
) -> Announcement:
    """Announce the award's winners of the cycle as computed now (HR, ``award.manage``
    for the whole company): each unit without an announced winner gets one; announced
    ones stay. Audited as ``award.announce``. Commits."""
    if caller.require(Permission.AWARD_MANAGE) is not Scope.TENANT:
        raise Forbidden("announcing awards needs award.manage for the whole company")
    cycle = await plans.get_cycle(session, caller, cycle_id)
    computed, units, people = await _compute(session, cycle, award_key)
    award = computed.get(award_key)
    if award is None:
        raise plans.invalid(
            f"no published result of this cycle was scored by a template with the award "
            f"{award_key!r}",
            ("award",),
        )
    before = {
        r.org_unit_id
        for r in (
            await session.execute(
                select(AwardRow).where(
                    AwardRow.cycle_id == cycle.id, AwardRow.award_key == award_key
                )
            )
        ).scalars()
    }
    now = utcnow()
    fresh = [_view(cycle, award, w, units, people) for w in award.winners]
    rows = [
        {
            "tenant_id": cycle.tenant_id,
            "cycle_id": cycle.id,
            "award_key": award_key,
            "scoring_ref": v.scoring_ref,
            "org_unit_id": v.org_unit_id,
            "employee_id": v.employee_id,
            "result_version": v.result_version,
            "value": v.value,
            "decided_by": v.decided_by,
            "details": _details(v),
            "announced_at": now,
            "announced_by_id": caller.user_id,
        }
        for v in fresh
        if v.org_unit_id not in before
    ]
    await insert_or_ignore(session, AwardRow, rows, ("cycle_id", "award_key", "org_unit_id"))
    audit.record(
        session, caller, "award.announce", "cycle", cycle.id,
        after={"award": award_key, "winners": [
            {"orgUnit": r["org_unit_id"], "employee": r["employee_id"], "value": r["value"],
             "decidedBy": r["decided_by"]} for r in rows]},
    )  # fmt: skip
    await session.commit()
    announced = await _announced(session, caller, cycle, award_key, Scope.TENANT)
    return Announcement(
        announced=len([v for v in announced if v.org_unit_id not in before]),
        kept=len(before),
        winners=announced,
    )


__all__ = [
    "ANNOUNCED",
    "PREVIEW",
    "Announcement",
    "AwardKey",
    "AwardView",
    "announce",
    "awards",
]
