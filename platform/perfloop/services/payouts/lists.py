"""Payout lists: a cycle's incentive payouts from its published results.

Rules:

- **Generate** (HR, ``payout.manage``): from each person's **latest published** result
  of the cycle, a line with the base amount (``amounts``: the person's own, else the
  position's, else the grade's), the multiplier and the amount, and the tier that
  applied. The multiplier is the scoring template's: with ``incentive.tiers`` the
  first band whose conditions hold for the basis value (completion, total, kpi or
  review; boundaries exactly as written, ``perfloop.engine.payout_tier``), else the
  result's own multiplier (its rating band is then the tier). ``amount = base ×
  multiplier`` in decimal, rounded as the template's ``incentive.rounding`` says
  (default 2 places, half-up). Each generation is a **new version** of the cycle's
  list (1, 2, …); earlier versions stay readable as they were. Two generations of
  one cycle at once take turns (a row lock on the cycle): each gets its own version.
  Audited as ``payout.generate``.
- **Flags** on a line: ``NO_BASE`` (no base amount), ``NO_TIER`` (no tier holds, or the
  basis value or multiplier is blank): its amount is blank and it counts as
  ``unpaid`` in the totals — nothing is silently paid 0.
- **Totals** per org unit over its subtree, as people were placed when the list was
  generated (each line keeps its unit's path), and for the company (the root units).
- **Budget check**: each unit's total against the cycle's budget for it
  (``amounts.set_budget``, read live): ``over`` when the total exceeds it; the list is
  never cut. Generation answers the over-budget units as warnings too.
- **Stale**: a list records how many published results it saw and the latest
  publication time; a later publication (a rescoring, a calibration or an appeal
  published as version n+1, a person newly published) makes it ``stale`` — generate
  again for a new version. Base amounts and budgets changed later do not make it stale
  (the lines keep the bases they used; budgets are compared live).
- **Approve** (HR): locks a version (``approved``); a stale list, or one approved
  already, is refused (``INVALID``). Approving another version later is allowed (the
  latest approved one is what payroll takes). Audited as ``payout.approve``.
- **Reading** (``payout.read``): HR and executives the whole list, a head the lines and
  unit totals of their subtree; nobody else. A list out of reach answers as missing.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, insert, null, select

from perfloop.authz import Permission, Scope
from perfloop.engine import (
    PayoutTier,
    ScoringScheme,
    as_decimal,
    payout_amount,
    payout_tier,
    payout_tiers,
)
from perfloop.services.core.audit import record
from perfloop.services.core.errors import Forbidden
from perfloop.services.core.pagination import Page, keyset_page
from perfloop.services.payouts.amounts import _commit, budgets
from perfloop.services.plans import get_cycle, invalid, not_found, template_bodies
from perfloop.services.results import PUBLISHED
from perfloop.store.core import utcnow
from perfloop.store.core.writes import lock_rows
from perfloop.store.cycles import Cycle
from perfloop.store.org import Employee, OrgUnit
from perfloop.store.payouts import PayoutBase, PayoutLine, PayoutList
from perfloop.store.results import Result

if TYPE_CHECKING:
    import datetime as dt

    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller

DRAFT, APPROVED = "draft", "approved"
NO_BASE, NO_TIER = "NO_BASE", "NO_TIER"
#: lines read per statement when a list is streamed (an export)
STREAM_BATCH = 1_000


@dataclass(frozen=True)
class UnitTotal:
    org_unit_id: int
    code: str
    name: str
    path: str
    amount: Decimal
    people: int
    unpaid: int
    budget: Decimal | None

    @property
    def over(self) -> bool:
        return self.budget is not None and self.amount > self.budget

    @property
    def remaining(self) -> Decimal | None:
        return self.budget - self.amount if self.budget is not None else None


@dataclass(frozen=True)
class PayoutListView:
    id: int
    cycle_id: int
    version: int
    status: str
    stale: bool
    created_at: dt.datetime
    approved_at: dt.datetime | None
    #: in the caller's reach: the company's (tenant scope) or their subtree's top unit
    amount: Decimal
    people: int
    unpaid: int
    units: list[UnitTotal]
    versions: list[tuple[int, str]] = field(default_factory=list)

    @property
    def over_budget(self) -> list[UnitTotal]:
        return [u for u in self.units if u.over]


@dataclass(frozen=True)
class LineView:
    employee_id: int
    employee_no: str
    employee_name: str
    org_unit_id: int
    org_unit_name: str
    position: str
    grade: str
    result_version: int
    rating: str | None
    basis: str
    basis_value: float | None
    tier: str | None
    tier_title: Mapping[str, str]
    base: Decimal | None
    base_source: str
    multiplier: Decimal | None
    amount: Decimal | None
    flags: Sequence[str]


@dataclass(frozen=True)
class Generated:
    view: PayoutListView
    #: units whose total exceeds their budget, as warnings
    warnings: list[str]


# -- computing a line (the template's rules through perfloop.engine) -----------------


@dataclass(frozen=True)
class _Rules:
    """A scoring template's payout rules: its tiers (basis, bands) and rounding."""

    tiers: tuple[str, list[PayoutTier]] | None
    rounding: Mapping[str, Any]
    bands: Mapping[str, Mapping[str, str]]  # the rating bands' titles


#: the columns a line is computed from (a row has them as attributes)
_READ = (
    Employee.id, Employee.employee_no, Employee.position, Employee.grade,
    Employee.org_unit_id, Result.version, Result.rating, Result.kpi_part,
    Result.review_part, Result.total, Result.multiplier, Result.scoring_ref,
)  # fmt: skip
#: read only when a template's tiers are by completion (decoding them is most of a read)
_FOR_COMPLETION = (Result.templates, Result.inputs)
_NOT_NEEDED = (null().label("templates"), null().label("inputs"))


def _rules(body: Mapping[str, Any]) -> _Rules:
    incentive = body.get("incentive") or {}
    titles = {
        str(b["key"]): dict(b.get("title") or {})
        for b in (body.get("rating") or {}).get("bands") or []
        if isinstance(b, Mapping) and "key" in b
    }
    return _Rules(payout_tiers(incentive), dict(incentive.get("rounding") or {}), titles)


@lru_cache(maxsize=64)
def _scheme(body_json: str, parameters_json: str) -> ScoringScheme:
    return ScoringScheme(json.loads(body_json), json.loads(parameters_json))


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _completion(body: Mapping[str, Any], result: Any) -> Any:
    """The scorecard's completion by the template's own formula, over the stored items."""
    parameters = (result.templates or {}).get("parameters") or {}
    scheme = _scheme(_canonical(body), _canonical(parameters))
    formula = scheme.formulas.get("/completion")
    if formula is None:
        return None
    return formula.evaluate({"items": (result.inputs or {}).get("items") or []})


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _line(
    row: Any,
    body: Mapping[str, Any] | None,
    rules: _Rules | None,
    bases: Mapping[tuple[str, str], Decimal],
) -> dict[str, Any]:
    """One person's line from their result and employee columns (``_READ``)."""
    result = employee = row
    base, source = None, "none"
    for kind, key in (("employee", employee.employee_no), ("position", employee.position),
                      ("grade", employee.grade)):  # fmt: skip
        if (kind, key) in bases:
            base, source = bases[kind, key], kind
            break
    flags: list[str] = []
    if rules is not None and rules.tiers is not None and body is not None:
        basis, bands = rules.tiers
        values = {"total": result.total, "kpi": result.kpi_part, "review": result.review_part}
        value = _number(_completion(body, result) if basis == "completion" else values[basis])
        tier = payout_tier(bands, value)
        tier_key, title = (tier.key, dict(tier.title)) if tier else (None, {})
        multiplier = tier.multiplier if tier else None
    else:
        basis, value = "rating", result.total
        tier_key = result.rating
        title = dict((rules.bands if rules else {}).get(result.rating or "", {}))
        multiplier = as_decimal(result.multiplier)
    if base is None:
        flags.append(NO_BASE)
    if multiplier is None or tier_key is None:
        flags.append(NO_TIER)
    amount = payout_amount(base, multiplier, rules.rounding if rules else None)
    return {
        "employee_id": employee.id,
        "org_unit_id": employee.org_unit_id,
        "result_version": result.version,
        "rating": result.rating,
        "basis": basis,
        "basis_value": value,
        "tier": tier_key,
        "tier_title": title,
        "base": base,
        "base_source": source,
        "multiplier": multiplier,
        "amount": None if flags else amount,
        "flags": flags,
    }


# -- generation ----------------------------------------------------------------------


def _latest_published(tenant_id: int, cycle_id: int) -> Any:
    return (
        select(Result.employee_id, func.max(Result.version).label("version"))
        .where(
            Result.tenant_id == tenant_id, Result.cycle_id == cycle_id, Result.status == PUBLISHED
        )
        .group_by(Result.employee_id)
        .subquery()
    )


async def _publication_mark(
    session: AsyncSession, tenant_id: int, cycle_id: int
) -> tuple[int, dt.datetime | None]:
    row = (
        await session.execute(
            select(func.count(), func.max(Result.published_at)).where(
                Result.tenant_id == tenant_id,
                Result.cycle_id == cycle_id,
                Result.status == PUBLISHED,
            )
        )
    ).one()
    return int(row[0]), row[1]


def _same_time(a: dt.datetime | None, b: dt.datetime | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.replace(tzinfo=None) == b.replace(tzinfo=None)


async def generate(session: AsyncSession, caller: Caller, cycle_id: int) -> Generated:
    """A new version of the cycle's payout list from its published results (HR)."""
    if caller.require(Permission.PAYOUT_MANAGE) is not Scope.TENANT:
        raise Forbidden("you may not manage payout here")
    cycle = await get_cycle(session, caller, cycle_id)
    # two generations of one cycle take turns (the cycle's row lock), so each gets
    # its own version number and sees the publications before it
    await lock_rows(session, Cycle, Cycle.id == cycle.id)
    count, mark = await _publication_mark(session, caller.tenant_id, cycle.id)
    if count == 0:
        raise invalid("the cycle has no published results yet: publish them first", ("cycle",))
    latest = _latest_published(caller.tenant_id, cycle.id)
    refs = list(
        (
            await session.execute(
                select(Result.scoring_ref)
                .distinct()
                .join(
                    latest,
                    and_(
                        Result.employee_id == latest.c.employee_id,
                        Result.version == latest.c.version,
                    ),
                )
                .where(Result.cycle_id == cycle.id)
            )
        ).scalars()
    )
    bodies = await template_bodies(session, caller.tenant_id, refs, "scoring")
    rules = {ref: _rules(body) for ref, body in bodies.items()}
    bases = {
        (r.kind, r.key): r.amount
        for r in (
            await session.execute(
                select(PayoutBase).where(PayoutBase.tenant_id == caller.tenant_id)
            )
        ).scalars()
    }
    paths = dict(
        (
            await session.execute(
                select(OrgUnit.id, OrgUnit.path).where(OrgUnit.tenant_id == caller.tenant_id)
            )
        ).all()
    )
    version = (
        await session.execute(
            select(func.coalesce(func.max(PayoutList.version), 0)).where(
                PayoutList.cycle_id == cycle.id
            )
        )
    ).scalar_one() + 1
    payout_list = PayoutList(tenant_id=caller.tenant_id, cycle_id=cycle.id, version=version,
                             status=DRAFT, results_count=count, results_mark=mark, totals={},
                             created_by_id=caller.user_id)  # fmt: skip
    session.add(payout_list)
    await session.flush()
    totals: dict[int, list[Any]] = defaultdict(lambda: [Decimal("0.00"), 0, 0])
    by_completion = any(r.tiers and r.tiers[0] == "completion" for r in rules.values())
    query = (
        select(*_READ, *(_FOR_COMPLETION if by_completion else _NOT_NEEDED))
        .join(
            latest,
            and_(Result.employee_id == latest.c.employee_id, Result.version == latest.c.version),
        )
        .join(Employee, Employee.id == Result.employee_id)
        .where(Result.cycle_id == cycle.id)
    )
    people = 0
    last: tuple[str, int] | None = None
    while True:  # keyset batches: a company's results are never all in memory
        batch = query
        if last is not None:
            batch = batch.where(
                (Employee.employee_no > last[0])
                | ((Employee.employee_no == last[0]) & (Employee.id > last[1]))
            )
        read = (
            await session.execute(
                batch.order_by(Employee.employee_no, Employee.id).limit(STREAM_BATCH)
            )
        ).all()
        rows: list[dict[str, Any]] = []
        for row in read:
            line = _line(row, bodies.get(row.scoring_ref), rules.get(row.scoring_ref), bases)
            path = paths.get(row.org_unit_id, f"/{row.org_unit_id}/")
            line.update(tenant_id=caller.tenant_id, list_id=payout_list.id, unit_path=path)
            rows.append(line)
            for unit in (int(p) for p in path.strip("/").split("/") if p):
                total = totals[unit]
                total[1] += 1
                if line["amount"] is None:
                    total[2] += 1
                else:
                    total[0] += line["amount"]
        if rows:
            await session.execute(insert(PayoutLine), rows)
        people += len(rows)
        if len(read) < STREAM_BATCH:
            break
        last = (read[-1].employee_no, read[-1].id)
    payout_list.totals = {
        str(unit): {"amount": str(t[0]), "people": t[1], "unpaid": t[2]}
        for unit, t in totals.items()
    }
    record(session, caller, "payout.generate", "payout_list", payout_list.id,
           after={"cycle": cycle.id, "version": version, "people": people})  # fmt: skip
    await _commit(session)
    view = await get_list(session, caller, cycle.id, version)
    assert view is not None  # HR reads every list
    warnings = [
        f"{u.name}: {u.amount} is over the budget of {u.budget} by {u.amount - (u.budget or 0)}"
        for u in view.over_budget
    ]
    return Generated(view, warnings)


async def approve(
    session: AsyncSession, caller: Caller, cycle_id: int, version: int
) -> PayoutListView:
    """Approve (lock) a version of the cycle's payout list (HR)."""
    if caller.require(Permission.PAYOUT_MANAGE) is not Scope.TENANT:
        raise Forbidden("you may not manage payout here")
    cycle = await get_cycle(session, caller, cycle_id)
    found = await lock_rows(
        session, PayoutList, PayoutList.cycle_id == cycle.id, PayoutList.version == version,
        PayoutList.tenant_id == caller.tenant_id,
    )  # fmt: skip
    if not found:
        raise not_found("payout list", ("version",))
    payout_list = found[0]
    if payout_list.status == APPROVED:
        raise invalid(f"version {version} is approved already", ("version",))
    count, mark = await _publication_mark(session, caller.tenant_id, cycle.id)
    if count != payout_list.results_count or not _same_time(mark, payout_list.results_mark):
        raise invalid(
            f"version {version} is stale (results were published since it was generated): "
            "generate the list again and approve the new version",
            ("version",),
        )
    payout_list.status, payout_list.approved_at = APPROVED, utcnow()
    payout_list.approved_by_id = caller.user_id
    record(session, caller, "payout.approve", "payout_list", payout_list.id,
           before={"status": DRAFT}, after={"status": APPROVED, "version": version})  # fmt: skip
    await _commit(session)
    view = await get_list(session, caller, cycle.id, version)
    assert view is not None
    return view


# -- reading -------------------------------------------------------------------------


async def _reach(session: AsyncSession, caller: Caller) -> tuple[Scope, str | None]:
    """The caller's payout.read scope and, below tenant scope, their unit's path."""
    scope = caller.require(Permission.PAYOUT_READ)
    if scope is Scope.TENANT:
        return scope, None
    if scope is not Scope.SUBTREE or caller.employee_id is None:
        raise Forbidden("you may not read payout here")
    path = (
        await session.execute(
            select(OrgUnit.path)
            .join(Employee, Employee.org_unit_id == OrgUnit.id)
            .where(Employee.id == caller.employee_id)
        )
    ).scalar_one_or_none()
    if path is None:
        raise Forbidden("you may not read payout here")
    return scope, path


async def _find(
    session: AsyncSession, caller: Caller, cycle_id: int, version: int | None
) -> PayoutList | None:
    query = select(PayoutList).where(
        PayoutList.tenant_id == caller.tenant_id, PayoutList.cycle_id == cycle_id
    )
    if version is not None:
        query = query.where(PayoutList.version == version)
    return (
        await session.execute(query.order_by(PayoutList.version.desc()).limit(1))
    ).scalar_one_or_none()


async def get_list(
    session: AsyncSession, caller: Caller, cycle_id: int, version: int | None = None
) -> PayoutListView | None:
    """The cycle's payout list (``version``, or the latest), as far as the caller
    reaches: None when there is none or it is out of reach (no payout.read)."""
    if caller.scope(Permission.PAYOUT_READ) is None:
        return None
    try:
        _, top = await _reach(session, caller)
    except Forbidden:  # a team or self grant: payout lists are read by unit (not yet)
        return None
    payout_list = await _find(session, caller, cycle_id, version)
    if payout_list is None:
        return None
    count, mark = await _publication_mark(session, caller.tenant_id, cycle_id)
    stale = count != payout_list.results_count or not _same_time(mark, payout_list.results_mark)
    limits = await budgets(session, caller.tenant_id, cycle_id)
    units_query = select(OrgUnit).where(OrgUnit.tenant_id == caller.tenant_id)
    if top is not None:
        units_query = units_query.where(OrgUnit.path.startswith(top, autoescape=True))
    units = (await session.execute(units_query.order_by(OrgUnit.path))).scalars().all()
    totals = payout_list.totals or {}
    shown: list[UnitTotal] = []
    for unit in units:
        t = totals.get(str(unit.id))
        if t is None and unit.id not in limits:
            continue
        shown.append(
            UnitTotal(
                unit.id,
                unit.code,
                unit.name,
                unit.path,
                Decimal(t["amount"]) if t else Decimal("0.00"),
                int(t["people"]) if t else 0,
                int(t["unpaid"]) if t else 0,
                limits.get(unit.id),
            )
        )
    # the top of the caller's reach: the company's root units, or their own unit
    tops = [u for u in shown if (top is None and u.path.count("/") == 2) or u.path == top]
    versions = (
        await session.execute(
            select(PayoutList.version, PayoutList.status)
            .where(PayoutList.tenant_id == caller.tenant_id, PayoutList.cycle_id == cycle_id)
            .order_by(PayoutList.version)
        )
    ).all()
    return PayoutListView(
        id=payout_list.id, cycle_id=cycle_id, version=payout_list.version,
        status=payout_list.status, stale=stale, created_at=payout_list.created_at,
        approved_at=payout_list.approved_at,
        amount=sum((u.amount for u in tops), Decimal("0.00")),
        people=sum(u.people for u in tops), unpaid=sum(u.unpaid for u in tops), units=shown,
        versions=[(v, s) for v, s in versions],
    )  # fmt: skip


def _lines_query(
    caller: Caller, payout_list_id: int, top: str | None, org_unit_path: str | None
) -> Any:
    query = (
        select(PayoutLine, Employee.employee_no, Employee.name, Employee.position, Employee.grade,
               OrgUnit.name)
        .join(Employee, Employee.id == PayoutLine.employee_id)
        .join(OrgUnit, OrgUnit.id == PayoutLine.org_unit_id)
        .where(PayoutLine.list_id == payout_list_id, PayoutLine.tenant_id == caller.tenant_id)
    )  # fmt: skip
    if top is not None:
        query = query.where(PayoutLine.unit_path.startswith(top, autoescape=True))
    if org_unit_path is not None:
        query = query.where(PayoutLine.unit_path.startswith(org_unit_path, autoescape=True))
    return query


def _line_view(row: Any) -> LineView:
    line, number, name, position, grade, unit_name = row
    return LineView(
        employee_id=line.employee_id, employee_no=number, employee_name=name,
        org_unit_id=line.org_unit_id, org_unit_name=unit_name, position=position, grade=grade,
        result_version=line.result_version, rating=line.rating, basis=line.basis,
        basis_value=line.basis_value, tier=line.tier, tier_title=line.tier_title or {},
        base=line.base, base_source=line.base_source, multiplier=line.multiplier,
        amount=line.amount, flags=list(line.flags or []),
    )  # fmt: skip


async def _unit_path(session: AsyncSession, caller: Caller, org_unit_id: int | None) -> str | None:
    if org_unit_id is None:
        return None
    path = (
        await session.execute(
            select(OrgUnit.path).where(
                OrgUnit.id == org_unit_id, OrgUnit.tenant_id == caller.tenant_id
            )
        )
    ).scalar_one_or_none()
    return path or "/-/"  # an unknown unit matches nothing


async def line_page(
    session: AsyncSession,
    caller: Caller,
    cycle_id: int,
    version: int | None = None,
    *,
    org_unit_id: int | None = None,
    first: int | None = None,
    after: str | None = None,
    page_cap: int = 100,
) -> Page[LineView]:
    """A page of the list's lines in the caller's reach (``orgUnit``'s subtree), by
    employee number (as at generation: by line id); an empty page when there is no
    list."""
    _, top = await _reach(session, caller)
    payout_list = await _find(session, caller, cycle_id, version)
    list_id = payout_list.id if payout_list is not None else 0
    query = _lines_query(caller, list_id, top, await _unit_path(session, caller, org_unit_id))
    page = await keyset_page(session, query, [PayoutLine.id], first=first,
                             after=after, cap=page_cap, what="payout line")  # fmt: skip
    return Page([_line_view(r) for r in page.items], page.cursors, page.has_next_page,
                page.has_previous_page, page.total_count)  # fmt: skip


async def iter_lines(
    session: AsyncSession,
    caller: Caller,
    cycle_id: int,
    version: int | None = None,
    *,
    org_unit_id: int | None = None,
) -> AsyncIterator[LineView]:
    """Every line in the caller's reach, by employee number (as numbered when the list
    was generated: the lines are written in that order, and read by their id), read
    STREAM_BATCH at a time (an export of a large list never holds it whole).
    NOT_FOUND without a list."""
    await get_cycle(session, caller, cycle_id)
    _, top = await _reach(session, caller)
    payout_list = await _find(session, caller, cycle_id, version)
    if payout_list is None:
        raise not_found("payout list", ("version",))
    query = _lines_query(
        caller, payout_list.id, top, await _unit_path(session, caller, org_unit_id)
    )
    last = 0
    while True:  # by line id: the lines were written in employee-number order
        rows = (
            await session.execute(
                query.where(PayoutLine.id > last).order_by(PayoutLine.id).limit(STREAM_BATCH)
            )
        ).all()
        for row in rows:
            yield _line_view(row)
        if len(rows) < STREAM_BATCH:
            return
        last = rows[-1][0].id


__all__ = [
    "APPROVED",
    "DRAFT",
    "NO_BASE",
    "NO_TIER",
    "Generated",
    "LineView",
    "PayoutListView",
    "UnitTotal",
    "approve",
    "generate",
    "get_list",
    "iter_lines",
    "line_page",
]
