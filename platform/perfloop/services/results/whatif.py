"""What-if: a modified scoring template or modified parameters applied to a cycle's
inputs, compared with the current results, without storing anything.

Rules:

- **For HR.** ``result.manage`` for the whole company (it reads drafts and every
  person's inputs); anyone else is Forbidden. ``orgUnit`` narrows it to the people
  placed in that unit's subtree.
- **What is tried.** ``scoring``: a whole scoring template document, checked as
  publishing checks it (``templates.validate_template``, and it must be a ``scoring``
  template) and used for every plan instead of its own template; ``parameters``:
  merged into the parameters installed for each person's unit (objects deeply,
  anything else replaced) — weights, thresholds, bands, tiers and relation weights are
  parameters of the standard template. A problem is TEMPLATE_INVALID naming its JSON
  pointer under ``scoring`` or ``parameters``. Neither: the current template and
  parameters (nothing moves unless inputs changed since the last run). An item's score
  settings (threshold, floor, cap) are copied from the scheme when the plan is set: a
  copy equal to the current scheme's value follows the what-if's, an item's own stays.
- **One scoring path.** The signed plans, their schemes and ratings are the scoring
  run's own (``inputs.gather``); the what-if score is ``score_scorecard`` on the same
  items and ratings with the what-if scheme (``plans.plan_schemes``).
- **Before.** A person's stored latest result (draft or published) when one exists,
  else what the current template gives now; the answer counts which (``stored``,
  ``computed``) and each mover says which.
- **Nothing is stored**: no row is written, no audit, the session is rolled back.
- **The answer**: per band the counts before and after, the means, and the movers
  (a total or band that changed) by absolute change, the first ``first`` of them with
  their total count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from perfloop.authz import Permission, Scope
from perfloop.engine import score_scorecard, to_json
from perfloop.services import plans, templates
from perfloop.services.core.documents import check_document_size
from perfloop.services.core.errors import ErrorCode, Forbidden, ServiceError, UserError
from perfloop.services.results.explain import bands_of
from perfloop.services.results.inputs import gather, schemes_of
from perfloop.store.core import chunked
from perfloop.store.org import Employee, OrgUnit
from perfloop.store.results import Result

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.engine import ScoringScheme
    from perfloop.services.core.caller import Caller
    from perfloop.store.cycles import Cycle
    from perfloop.templates import TemplateError

#: movers listed when the caller does not say; at most ``MAX_MOVERS``
DEFAULT_MOVERS, MAX_MOVERS = 50, 1000
_SAME = 1e-9


@dataclass(frozen=True)
class BandCount:
    """How many people a band holds before and after (``band`` None: no band)."""

    band: str | None
    before: int
    after: int


@dataclass(frozen=True)
class Mover:
    employee_id: int
    employee_name: str
    employee_no: str
    before_total: float | None
    before_rating: str | None
    #: whether ``before`` is the stored latest result (else computed now)
    before_stored: bool
    after_total: float | None
    after_rating: str | None
    #: after − before (None when either has no total)
    delta: float | None


@dataclass(frozen=True)
class WhatIf:
    cycle_id: int
    people: int
    stored: int
    computed: int
    unsigned: int
    failed: int
    mean_before: float | None
    mean_after: float | None
    bands: list[BandCount]
    moved: int
    band_changed: int
    movers: list[Mover]


@dataclass(frozen=True)
class _Score:
    total: float | None
    rating: str | None


def _score(
    scheme: ScoringScheme, items: Sequence[Mapping[str, Any]], ratings: Sequence[Any]
) -> _Score:
    scored = score_scorecard(scheme, items, ratings=ratings)
    total = to_json(scored.total)
    number = total if isinstance(total, int | float) and not isinstance(total, bool) else None
    return _Score(number, scored.rating if isinstance(scored.rating, str) else None)


def _items(
    items: list[dict[str, Any]], current: ScoringScheme, tried: ScoringScheme
) -> list[dict[str, Any]]:
    """The plan's items for the what-if scheme: an item's score settings are a copy of
    the scheme's taken when the plan was set (``plans.SCORE_SETTINGS``), so a setting
    equal to the current scheme's follows the what-if's value; one of the item's own
    (unlike the scheme's) stays."""
    changed = {
        k: tried.parameters[k]
        for k in plans.SCORE_SETTINGS
        if k in tried.parameters and tried.parameters[k] != current.parameters.get(k)
    }
    if not changed:
        return items
    out = []
    for item in items:
        own = item.get("params")
        if own:
            item = {
                **item,
                "params": {
                    k: changed[k] if k in changed and v == current.parameters.get(k) else v
                    for k, v in own.items()
                },
            }
        out.append(item)
    return out


def _template_errors(errors: Sequence[TemplateError]) -> ServiceError:
    return ServiceError(
        [
            UserError(
                ErrorCode.TEMPLATE_INVALID,
                f"scoring{e.pointer}: {e.message}",
                ("scoring", *e.pointer.split("/")[1:]),
                detail=str(e.code),
            )
            for e in errors
        ]
    )


async def _checked(
    session: AsyncSession, caller: Caller, scoring: Mapping[str, Any], max_bytes: int
) -> Mapping[str, Any]:
    check_document_size(scoring, ("scoring",), max_bytes)
    errors = await templates.validate_template(session, caller, scoring, max_bytes=max_bytes)
    if errors:
        raise _template_errors(errors)
    if scoring.get("kind") != "scoring":
        raise ServiceError.one(
            ErrorCode.TEMPLATE_INVALID,
            f"scoring/kind: a what-if takes a scoring template, not {scoring.get('kind')!r}",
            ("scoring", "kind"),
        )
    return scoring


async def _units(session: AsyncSession, cycle: Cycle, org_unit_id: int | None) -> list[int]:
    query = select(OrgUnit.id).where(OrgUnit.tenant_id == cycle.tenant_id)
    if org_unit_id is not None:
        path = (
            await session.execute(
                select(OrgUnit.path).where(
                    OrgUnit.id == org_unit_id, OrgUnit.tenant_id == cycle.tenant_id
                )
            )
        ).scalar_one_or_none()
        if path is None:
            raise plans.not_found("org unit", ("orgUnit",))
        query = query.where(OrgUnit.path.startswith(path, autoescape=False))
    return list((await session.execute(query)).scalars())


async def _stored(
    session: AsyncSession, cycle: Cycle, employee_ids: Sequence[int]
) -> dict[int, _Score]:
    """Each person's latest stored result (draft or published), unlocked."""
    out: dict[int, _Score] = {}
    for chunk in chunked(sorted(employee_ids)):
        latest = (
            select(Result.employee_id, func.max(Result.version).label("version"))
            .where(Result.cycle_id == cycle.id, Result.employee_id.in_(chunk))
            .group_by(Result.employee_id)
            .subquery()
        )
        rows = await session.execute(
            select(Result.employee_id, Result.total, Result.rating)
            .join(
                latest,
                (latest.c.employee_id == Result.employee_id) & (latest.c.version == Result.version),
            )
            .where(Result.cycle_id == cycle.id)
        )
        for employee_id, total, rating in rows:
            out[employee_id] = _Score(total, rating)
    return out


def _mean(values: Sequence[float | None]) -> float | None:
    numbers = [v for v in values if v is not None]
    return round(sum(numbers) / len(numbers), 4) if numbers else None


def _band_order(schemes: Sequence[ScoringScheme], seen: set[str | None]) -> list[str | None]:
    """The bands as the templates list them, then any other band seen, then no band."""
    order: list[str | None] = []
    for scheme in schemes:
        order.extend(b for b in bands_of(scheme.template) if b not in order)
    order.extend(sorted(b for b in seen if b is not None and b not in order))
    if None in seen:
        order.append(None)
    return order


async def what_if(
    session: AsyncSession,
    caller: Caller,
    cycle_id: int,
    *,
    scoring: Mapping[str, Any] | None = None,
    parameters: Mapping[str, Any] | None = None,
    org_unit_id: int | None = None,
    first: int | None = None,
    max_bytes: int,
) -> WhatIf:
    """The cycle's results as they would be with ``scoring`` or ``parameters``, compared
    with the current ones (see the module); writes nothing."""
    if caller.require(Permission.RESULT_MANAGE) is not Scope.TENANT:
        raise Forbidden("a what-if needs result.manage for the whole company")
    limit = DEFAULT_MOVERS if first is None else max(0, min(first, MAX_MOVERS))
    cycle = await plans.get_cycle(session, caller, cycle_id)
    if scoring is not None:
        scoring = await _checked(session, caller, scoring, max_bytes)
    if parameters is not None:
        check_document_size(parameters, ("parameters",), max_bytes)
    units = await _units(session, cycle, org_unit_id)
    inputs = await gather(session, cycle, units)
    tried = inputs.schemes
    if scoring is not None or parameters:
        tried = await schemes_of(
            session, cycle, inputs.signed, [], scoring=scoring, overrides=parameters
        )
    stored = await _stored(session, cycle, [p.employee_id for p in inputs.signed])
    before: dict[int, _Score] = {}
    after: dict[int, _Score] = {}
    for plan in inputs.signed:
        ratings = inputs.ratings.get(plan.employee_id, [])
        current = inputs.schemes[plan.id]
        items = _items(plan.items, current, tried[plan.id])
        after[plan.employee_id] = _score(tried[plan.id], items, ratings)
        known = stored.get(plan.employee_id)
        before[plan.employee_id] = (
            known if known is not None else _score(inputs.schemes[plan.id], plan.items, ratings)
        )
    moving: list[tuple[float, int]] = []
    band_changed = 0
    for employee_id, b in before.items():
        a = after[employee_id]
        changed_band = a.rating != b.rating
        band_changed += changed_band
        if b.total is None or a.total is None:
            if changed_band or (a.total is None) != (b.total is None):
                moving.append((float("inf"), employee_id))
        elif abs(a.total - b.total) > _SAME or changed_band:
            moving.append((abs(a.total - b.total), employee_id))
    moving.sort(key=lambda m: -m[0])
    listed = [employee_id for _, employee_id in moving[:limit]]
    people = await _people(session, listed)
    movers = []
    for employee_id in listed:
        b, a = before[employee_id], after[employee_id]
        name, number = people.get(employee_id, ("", ""))
        delta = round(a.total - b.total, 6) if a.total is not None and b.total is not None else None
        movers.append(
            Mover(employee_id, name, number, b.total, b.rating, employee_id in stored,
                  a.total, a.rating, delta)
        )  # fmt: skip
    seen = {s.rating for s in before.values()} | {s.rating for s in after.values()}
    order = _band_order([*tried.values()][:1] + [*inputs.schemes.values()][:1], seen)
    bands = [
        BandCount(
            band,
            sum(1 for s in before.values() if s.rating == band),
            sum(1 for s in after.values() if s.rating == band),
        )
        for band in order
    ]
    return WhatIf(
        cycle_id=cycle.id,
        people=len(before),
        stored=sum(1 for e in before if e in stored),
        computed=sum(1 for e in before if e not in stored),
        unsigned=len(inputs.unsigned),
        failed=len(inputs.failed),
        mean_before=_mean([s.total for s in before.values()]),
        mean_after=_mean([s.total for s in after.values()]),
        bands=bands,
        moved=len(moving),
        band_changed=band_changed,
        movers=movers,
    )


async def _people(session: AsyncSession, employee_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    if not employee_ids:
        return {}
    rows = await session.execute(
        select(Employee.id, Employee.name, Employee.employee_no).where(
            Employee.id.in_(employee_ids)
        )
    )
    return {i: (n, no) for i, n, no in rows}


__all__ = ["DEFAULT_MOVERS", "MAX_MOVERS", "BandCount", "Mover", "WhatIf", "what_if"]
