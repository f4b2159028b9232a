"""Calibration (校准): comparing units' rating distributions with the scoring
template's target, and moving single ratings with a reason.

Rules:

- **The target is the template's.** A scoring template may list a target
  distribution (``rating.distribution``: per band a ``max`` and/or ``min`` share of
  the rated people, checked when the template is published). A unit's distribution is
  read over each person's **latest** result version of the cycle (drafts included:
  calibration happens before publication), grouped by scoring template (people scored
  by different templates are not compared with one target). A band is *over* when its
  share is above its ``max``, *under* when below its ``min``. A template without a
  distribution has no target: nothing is over or under.
- **A move is a new rating, with a reason.** ``calibrate`` (``result.calibrate``,
  HR) moves one person's latest result to another band of its scoring template, with
  a reason (not blank). The multiplier follows through the template's own incentive
  formula (``perfloop.engine.rerate``, with the result's stored parameters) — never a
  band→multiplier map here. The total and the parts stay what the template scored;
  the move is recorded on the row (``calibrations``: from, to, the multipliers, the
  reason, who, when), in the audit log (``result.calibrate``, before/after) and in
  the person's explanation.
- **Versions.** On a draft, the move updates the draft (its revision + 1). A
  published result is never changed: the move writes version n+1 as a draft with the
  moved rating (the published version's calibrations carried along), which HR then
  publishes as usual. A scoring run that rewrites a draft scores it afresh: its
  calibrations are dropped (they stay in the audit log), and the unit shows again
  whether it needs them.
- **Concurrency: optimistic, under a row lock.** The caller states the version and
  revision they saw (``expectedVersion``, ``expectedRevision``). The person's rows are
  locked (``lock_rows``: ``FOR NO KEY UPDATE`` on PostgreSQL, the write lock on
  SQLite) and the latest version is read again; if it is not the one the caller saw,
  the answer is ``CONFLICT`` and nothing is written. Two HR moving the same result at
  once: one wins, the other gets ``CONFLICT`` (a unique violation from a raced
  version n+1 answers the same).
- **The guard.** ``calibration-complete`` (the cycle's results stage) counts the
  org units — the units people are placed in — that are not calibrated: a unit with
  a person whose plan is signed but who has no result yet (not scored), or whose
  latest results break their template's target (a band over its max or under its
  min). Moving ratings until the unit fits clears it; a cycle template that allows
  a deliberate exception gives the guard an ``override`` (HR, with a reason, stored
  on the transition) — ``quarterly-review@1``'s has none.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.exc import DBAPIError

from perfloop.authz import Permission
from perfloop.engine import ScoringScheme, rerate, to_json
from perfloop.services import plans
from perfloop.services.core import audit
from perfloop.services.core.errors import ErrorCode, ServiceError, race_conflict
from perfloop.services.core.scopes import employees_in_scope
from perfloop.services.results.reads import ResultView, get_result, in_unit, visible
from perfloop.services.results.scoring import DRAFT, PUBLISHED, with_trees
from perfloop.store.core import lock_rows, utcnow
from perfloop.store.org import Employee, OrgUnit
from perfloop.store.plans import Scorecard
from perfloop.store.results import Result

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller
    from perfloop.store.cycles import Cycle

#: people listed per band (the counts are complete)
PEOPLE_CAP = 50
_EPS = 1e-9


@dataclass(frozen=True)
class CalibrateInput:
    cycle_id: int
    employee_id: int
    rating: str
    reason: str
    expected_version: int
    expected_revision: int


@dataclass(frozen=True)
class BandPerson:
    employee_id: int
    employee_name: str
    employee_no: str
    version: int
    revision: int
    status: str
    total: float | None
    calibrated: bool


@dataclass(frozen=True)
class BandRow:
    band: str
    title: Mapping[str, str]
    count: int
    share: float
    min: float | None
    max: float | None
    over: bool
    under: bool
    people: list[BandPerson] = field(default_factory=list)


@dataclass(frozen=True)
class CalibrationGroup:
    """The people of a unit scored by one scoring template, by band."""

    scoring_ref: str
    rated: int
    unrated: int
    bands: list[BandRow]

    @property
    def breaks(self) -> bool:
        return any(b.over or b.under for b in self.bands)


@dataclass(frozen=True)
class CalibrationView:
    cycle_id: int
    org_unit_id: int | None
    groups: list[CalibrationGroup]


@lru_cache(maxsize=64)
def _scheme(body_json: str, parameters_json: str) -> ScoringScheme:
    return ScoringScheme(json.loads(body_json), json.loads(parameters_json))


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _targets(body: Mapping[str, Any]) -> tuple[list[tuple[str, Mapping[str, str]]], dict[str, Any]]:
    rating = body.get("rating") or {}
    bands: list[tuple[str, Mapping[str, str]]] = [
        (str(b["key"]), dict(b.get("title") or {}))
        for b in rating.get("bands") or []
        if isinstance(b, Mapping) and "key" in b
    ]
    targets = {
        str(t["band"]): t for t in rating.get("distribution") or [] if isinstance(t, Mapping)
    }
    return bands, targets


def _group(
    ref: str,
    body: Mapping[str, Any],
    rows: Sequence[tuple[int, str, str, int, int, str, float | None, str | None, list[Any]]],
    cap: int,
) -> CalibrationGroup:
    bands, targets = _targets(body)
    by_band: dict[str, list[BandPerson]] = {}
    unrated = 0
    for emp_id, name, no, version, revision, status, total, rating, calibrations in rows:
        if rating is None:
            unrated += 1
            continue
        by_band.setdefault(rating, []).append(
            BandPerson(emp_id, name, no, version, revision, status, total, bool(calibrations))
        )
    rated = sum(len(p) for p in by_band.values())
    known = [k for k, _ in bands]
    order = bands + [(k, {}) for k in sorted(by_band) if k not in known]
    out = []
    for key, title in order:
        people = sorted(by_band.get(key, []), key=lambda p: p.employee_no)
        share = len(people) / rated if rated else 0.0
        target = targets.get(key) or {}
        low, high = target.get("min"), target.get("max")
        out.append(
            BandRow(
                band=key,
                title=title,
                count=len(people),
                share=share,
                min=low,
                max=high,
                over=bool(rated) and high is not None and share > high + _EPS,
                under=bool(rated) and low is not None and share < low - _EPS,
                people=people[:cap],
            )
        )
    return CalibrationGroup(ref, rated, unrated, out)


#: what calibration reads of each latest result (``_group`` reads from the third on)
_COLUMNS = (
    Result.scoring_ref, Employee.org_unit_id, Employee.id, Employee.name, Employee.employee_no,
    Result.version, Result.revision, Result.status, Result.total, Result.rating,
    Result.calibrations,
)  # fmt: skip


def _latest_rows(cycle: Cycle, *where: Any) -> Any:
    """Each person's latest result version of the cycle, the columns calibration reads."""
    latest = (
        select(Result.employee_id, func.max(Result.version).label("version"))
        .where(Result.tenant_id == cycle.tenant_id, Result.cycle_id == cycle.id, *where)
        .group_by(Result.employee_id)
        .subquery()
    )
    return (
        select(*_COLUMNS)
        .join(
            latest,
            and_(latest.c.employee_id == Result.employee_id, latest.c.version == Result.version),
        )
        .join(Employee, Employee.id == Result.employee_id)
        .where(Result.cycle_id == cycle.id)
    )


async def _bodies(session: AsyncSession, cycle: Cycle, rows: Sequence[Any]) -> dict[str, Any]:
    refs = sorted({r[0] for r in rows})
    return dict(await plans.template_bodies(session, cycle.tenant_id, refs, "scoring"))


def _groups(rows: Sequence[Any], bodies: Mapping[str, Any], cap: int) -> list[CalibrationGroup]:
    """``_latest_rows``' rows grouped by scoring template."""
    refs = sorted({r[0] for r in rows})
    return [
        _group(ref, bodies.get(ref) or {}, [tuple(r[2:]) for r in rows if r[0] == ref], cap)
        for ref in refs
    ]


async def calibration(
    session: AsyncSession,
    caller: Caller,
    cycle_id: int,
    org_unit_id: int | None = None,
    *,
    people_cap: int = PEOPLE_CAP,
) -> CalibrationView | None:
    """The rating distribution of the people in ``org_unit_id``'s subtree (or all in
    the caller's ``result.calibrate`` scope), per scoring template and band, against
    the template's target; up to ``people_cap`` people listed per band. None for a
    caller without ``result.calibrate``, or a cycle missing or of another tenant
    (forbidden and missing answer alike)."""
    scope = caller.scope(Permission.RESULT_CALIBRATE)
    if scope is None:
        return None
    try:
        cycle = await plans.get_cycle(session, caller, cycle_id)
    except ServiceError:
        return None
    query = _latest_rows(cycle, employees_in_scope(caller, scope, Result.employee_id))
    if org_unit_id is not None:
        unit = await session.get(OrgUnit, org_unit_id)
        if unit is None or unit.tenant_id != caller.tenant_id:
            raise plans.not_found("org unit", ("orgUnit",))
        query = query.where(in_unit(org_unit_id, caller.tenant_id))
    rows = (await session.execute(query)).all()
    bodies = await _bodies(session, cycle, rows)
    groups = _groups(rows, bodies, max(0, min(people_cap, PEOPLE_CAP)))
    return CalibrationView(cycle.id, org_unit_id, groups)


def _conflict(message: str, *, zh: str | None = None) -> ServiceError:
    return ServiceError.one(ErrorCode.CONFLICT, message, ("expectedRevision",), zh=zh)


async def calibrate(session: AsyncSession, caller: Caller, move: CalibrateInput) -> ResultView:
    """Move one person's latest result to ``move.rating`` with a reason (see the module
    for the rules); returns the result as the caller then reads it. Commits."""
    scope = caller.require(Permission.RESULT_CALIBRATE)
    reason = move.reason.strip()
    if not reason:
        raise plans.invalid("a calibration needs a reason", ("reason",), zh="校准须填写原因")
    cycle = await plans.get_cycle(session, caller, move.cycle_id)
    mine = (
        Result.tenant_id == caller.tenant_id,
        Result.cycle_id == cycle.id,
        Result.employee_id == move.employee_id,
        employees_in_scope(caller, scope, Result.employee_id),
        visible(caller),
    )
    try:
        rows = await lock_rows(session, Result, *mine)
        if not rows:
            raise plans.not_found("result", ("employee",))
        last = max(rows, key=lambda r: r.version)
        # read again after the lock: a version written by whoever held it counts
        newest = (await session.execute(select(func.max(Result.version)).where(*mine))).scalar()
        if newest != last.version or last.version != move.expected_version:
            raise _conflict(
                f"the result is at version {newest}, not {move.expected_version}; read it again",
                zh=f"结果当前为第 {newest} 版，而不是第 {move.expected_version} 版，请重新加载",
            )
        if last.revision != move.expected_revision:
            raise _conflict(
                f"the result is at revision {last.revision}, not {move.expected_revision}; "
                "read it again",
                zh=f"结果当前修订号为 {last.revision}，而不是 {move.expected_revision}，请重新加载",
            )
        version = await _move(session, caller, cycle, last, move.rating, reason)
        await session.commit()
    except DBAPIError as exc:
        await session.rollback()
        raced = race_conflict(exc)
        if raced is None:
            raise
        raise raced from exc
    except ServiceError:
        await session.rollback()
        raise
    found = await get_result(session, caller, cycle.id, move.employee_id, version)
    assert found is not None  # the caller may calibrate, so they may read it
    return found


async def _move(
    session: AsyncSession, caller: Caller, cycle: Cycle, last: Result, rating: str, reason: str
) -> int:
    ref = last.scoring_ref
    body = (await plans.template_bodies(session, cycle.tenant_id, [ref], "scoring")).get(ref)
    if body is None:
        raise plans.invalid(f"the scoring template {last.scoring_ref} is not available", ("cycle",))
    bands = [k for k, _ in _targets(body)[0]]
    if rating not in bands:
        listed = ", ".join(bands) or "none"
        raise plans.invalid(
            f"{rating!r} is not a band of {ref} ({listed})",
            ("rating",),
            zh=f"{rating!r} 不是 {ref} 的评级（可选：{listed}）",
        )
    if rating == last.rating:
        raise plans.invalid(
            f"the rating is already {rating}", ("rating",), zh=f"评级已经是 {rating}"
        )
    parameters = (last.templates or {}).get("parameters") or {}
    scheme = _scheme(_canonical(body), _canonical(parameters))
    inputs = last.inputs or {}
    # the trees as the person reads them (a run stores none): this version keeps them
    stored = with_trees(
        last.explanation or {}, scheme, inputs.get("items") or [], inputs.get("ratings") or []
    )
    completion = (stored.get("completion") or {}).get("value")
    value, how = rerate(
        scheme, rating, kpi=last.kpi_part, review=last.review_part, completion=completion,
        total=last.total,
    )  # fmt: skip
    value = to_json(value)
    multiplier = value if isinstance(value, int | float) and not isinstance(value, bool) else None
    if how is not None:
        stored["multiplier"] = how.to_dict()
    record = {
        "from": last.rating, "to": rating, "multiplierFrom": last.multiplier,
        "multiplierTo": multiplier, "reason": reason, "by": caller.user_id,
        "byName": caller.display_name, "at": utcnow().isoformat(),
        "version": last.version if last.status == DRAFT else last.version + 1,
    }  # fmt: skip
    before = {"version": last.version, "status": last.status, "revision": last.revision,
              "rating": last.rating, "multiplier": last.multiplier}  # fmt: skip
    calibrations = [*(last.calibrations or []), record]
    if last.status == PUBLISHED:
        row = Result(
            tenant_id=last.tenant_id, cycle_id=last.cycle_id, employee_id=last.employee_id,
            version=last.version + 1, status=DRAFT, scorecard_id=last.scorecard_id,
            scorecard_revision=last.scorecard_revision, scoring_ref=last.scoring_ref,
            templates=last.templates, inputs=last.inputs, kpi_part=last.kpi_part,
            review_part=last.review_part, total=last.total, rating=rating,
            multiplier=multiplier, explanation=stored, computed_at=last.computed_at,
            revision=1, calibrations=calibrations,
        )  # fmt: skip
        session.add(row)
    else:
        row = last
        row.rating, row.multiplier, row.explanation = rating, multiplier, stored
        row.calibrations, row.revision = calibrations, last.revision + 1
    await session.flush()
    audit.record(
        session, caller, "result.calibrate", "result", row.id, before=before,
        after={"version": row.version, "status": row.status, "revision": row.revision,
               "rating": rating, "multiplier": multiplier, "reason": reason},
    )  # fmt: skip
    return row.version


async def uncalibrated_unit_count(session: AsyncSession, cycle: Cycle) -> int:
    """The org units of the cycle that are not calibrated (the module's guard rule):
    a person placed there with a signed plan and no result, or latest results that
    break their scoring template's target distribution."""
    unscored = (
        select(Employee.org_unit_id)
        .join(Scorecard, Scorecard.employee_id == Employee.id)
        .where(
            Scorecard.tenant_id == cycle.tenant_id,
            Scorecard.cycle_id == cycle.id,
            Scorecard.status == "signed",
            ~exists().where(Result.cycle_id == cycle.id, Result.employee_id == Employee.id),
        )
        .distinct()
    )
    units = set((await session.execute(unscored)).scalars())
    # the latest versions counted per unit, template and band in SQL (one row per
    # band present), not read person by person
    latest = _latest_rows(cycle).subquery()
    counts = (
        await session.execute(
            select(latest.c.org_unit_id, latest.c.scoring_ref, latest.c.rating, func.count())
            .where(latest.c.rating.is_not(None))
            .group_by(latest.c.org_unit_id, latest.c.scoring_ref, latest.c.rating)
        )
    ).all()
    refs = sorted({ref for _, ref, _, _ in counts})
    bodies = await plans.template_bodies(session, cycle.tenant_id, refs, "scoring")
    by_group: dict[tuple[int, str], dict[str, int]] = {}
    for unit, ref, rating, count in counts:
        by_group.setdefault((unit, ref), {})[rating] = count
    for (unit, ref), bands in by_group.items():
        if unit not in units and _off_target(bands, _targets(bodies.get(ref) or {})[1]):
            units.add(unit)
    return len(units)


def _off_target(counts: Mapping[str, int], targets: Mapping[str, Any]) -> bool:
    """Whether a group's counts by band break a target (as ``_group`` flags them)."""
    rated = sum(counts.values())
    for band, target in targets.items():
        share = counts.get(band, 0) / rated if rated else 0.0
        low, high = target.get("min"), target.get("max")
        if rated and high is not None and share > high + _EPS:
            return True
        if rated and low is not None and share < low - _EPS:
            return True
    return False


__all__ = [
    "PEOPLE_CAP",
    "BandPerson",
    "BandRow",
    "CalibrateInput",
    "CalibrationGroup",
    "CalibrationView",
    "calibrate",
    "calibration",
    "uncalibrated_unit_count",
]
