"""A cycle's scoring inputs: what a scoring run and a what-if both score.

Rules:

- **One gathering.** The plans of the people placed in some org units with their
  items and actuals for the cycle's period (``plans_of``), each signed plan's scheme
  (``schemes_of``: ``plans.plan_schemes``, the plan's scoring template with the
  parameters installed for the person's unit) and the ratings of the people's
  submitted reviews (``reviews.ratings_for``) are read here and nowhere else, so a
  what-if scores exactly what a run would.
- **Set-based and chunked.** A fixed number of statements per chunk of units
  (``store.core.chunked``), whatever the number of people; nothing is written.
- **Only a signed plan is scored.** An unsigned plan is listed with the reason; a plan
  whose scheme cannot be built (its template gone, the install's parameters no longer
  fitting it) is listed as failed; the others are scored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, select

from perfloop.services import plans, reviews
from perfloop.services.core.errors import ServiceError
from perfloop.store.core import chunked
from perfloop.store.org import Employee
from perfloop.store.plans import Actual, Scorecard, ScorecardItem

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.engine import ScoringScheme
    from perfloop.store.cycles import Cycle

UNSIGNED = "the plan is not signed by both sides"


@dataclass
class PlanInputs:
    """One plan as the engine scores it (``items``) and as a result shows it (``shown``)."""

    id: int
    employee_id: int
    org_unit_id: int
    status: str
    revision: int
    scoring_ref: str
    items: list[dict[str, Any]] = field(default_factory=list)
    shown: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class CycleInputs:
    """The signed plans of some units with their schemes and ratings, and the plans that
    cannot be scored (``unsigned``, ``failed``: the employee and the reason)."""

    signed: list[PlanInputs]
    schemes: dict[int, ScoringScheme]
    ratings: Mapping[int, Sequence[Mapping[str, Any]]]
    unsigned: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)


async def plans_of(session: AsyncSession, cycle: Cycle, units: Sequence[int]) -> list[PlanInputs]:
    """The cycle's plans of the people placed in ``units``, with their items and actuals
    for the cycle's period, by employee number."""
    found: dict[int, PlanInputs] = {}
    for chunk in chunked(sorted(set(units))):
        rows = await session.execute(
            select(
                Scorecard.id,
                Scorecard.employee_id,
                Employee.org_unit_id,
                Scorecard.status,
                Scorecard.revision,
                Scorecard.scoring_ref,
                ScorecardItem.key,
                ScorecardItem.title,
                ScorecardItem.titles,
                ScorecardItem.unit,
                ScorecardItem.direction,
                ScorecardItem.target,
                ScorecardItem.weight,
                ScorecardItem.thresholds,
                Actual.value,
                Actual.provenance,
            )
            .join(Employee, Employee.id == Scorecard.employee_id)
            .outerjoin(ScorecardItem, ScorecardItem.scorecard_id == Scorecard.id)
            .outerjoin(
                Actual, and_(Actual.item_id == ScorecardItem.id, plans.in_cycle_period(cycle))
            )
            .where(
                Scorecard.tenant_id == cycle.tenant_id,
                Scorecard.cycle_id == cycle.id,
                Employee.org_unit_id.in_(chunk),
            )
            .order_by(Employee.employee_no, Scorecard.id, ScorecardItem.position)
        )
        for (
            card_id, employee_id, unit_id, status, revision, ref, key, title, titles, unit,
            direction,
            target, weight, thresholds, actual, provenance,
        ) in rows:  # fmt: skip
            plan = found.get(card_id)
            if plan is None:
                plan = PlanInputs(card_id, employee_id, unit_id, status, revision, ref)
                found[card_id] = plan
            if key is None:
                continue
            plan.items.append(
                {"key": key, "actual": actual, "target": target, "direction": direction,
                 "weight": weight, "params": thresholds}
            )  # fmt: skip
            plan.shown.append(
                {"key": key, "title": title, "titles": titles or {"zh-CN": title, "en": title},
                 "unit": unit, "direction": direction, "target": target, "actual": actual,
                 "weight": weight,
                 "params": dict(thresholds) if thresholds else None}
                | _provenance(provenance)
            )  # fmt: skip
    return list(found.values())


def _provenance(stored: object) -> dict[str, Any]:
    """A computed actual's provenance as a result keeps it (``provenance``), or nothing."""
    found = plans.Provenance.of(stored) if stored is not None else None
    return {"provenance": found.explained()} if found is not None else {}


async def schemes_of(
    session: AsyncSession,
    cycle: Cycle,
    signed: Sequence[PlanInputs],
    failed: list[dict[str, Any]],
    *,
    scoring: Mapping[str, Any] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> dict[int, ScoringScheme]:
    """Each plan's scheme; a plan whose scheme cannot be built (its template gone, the
    install's parameters not fitting it) is listed in ``failed`` and left out. With a
    what-if's ``scoring`` or ``overrides`` (``plans.plan_schemes``) a problem is the
    what-if's: raised, naming its place."""
    wanted = [(p.id, p.org_unit_id, p.scoring_ref) for p in signed]
    if scoring is not None or overrides:
        return await plans.plan_schemes(
            session, cycle, wanted, scoring=scoring, overrides=overrides
        )
    try:
        return await plans.plan_schemes(session, cycle, wanted)
    except ServiceError:  # find which plans: one at a time (rare)
        out: dict[int, ScoringScheme] = {}
        for plan in signed:
            try:
                out.update(
                    await plans.plan_schemes(
                        session, cycle, [(plan.id, plan.org_unit_id, plan.scoring_ref)]
                    )
                )
            except ServiceError as exc:
                failed.append({"employee": plan.employee_id, "reason": exc.errors[0].message})
        return out


async def gather(session: AsyncSession, cycle: Cycle, units: Sequence[int]) -> CycleInputs:
    """The cycle's scoring inputs of the people placed in ``units`` (see the module)."""
    unsigned: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    signed = []
    for plan in await plans_of(session, cycle, units):
        if plan.status != "signed":
            unsigned.append({"employee": plan.employee_id, "reason": UNSIGNED})
        else:
            signed.append(plan)
    schemes = await schemes_of(session, cycle, signed, failed)
    signed = [p for p in signed if p.id in schemes]
    ratings = await reviews.ratings_for(session, cycle, [p.employee_id for p in signed])
    return CycleInputs(signed, schemes, ratings, unsigned, failed)


__all__ = ["UNSIGNED", "CycleInputs", "PlanInputs", "gather", "plans_of", "schemes_of"]
