"""Stage guards: what must hold before a cycle's stage starts.

Before a stage starts, each guard the template lists on it is checked by the
guard function registered for its ``check`` name (``GUARDS``). A guard
function is ``async def guard(session, cycle, spec) -> list[str]``: ``spec`` is
the guard as written in the template, and the result lists what blocks the
stage (empty: the guard holds). An unknown check blocks (fail closed).

Several checks need tables other domains own. Each counts open items through
a hook in ``HOOKS``: ``unsigned_plans`` counts the cycle's scorecards that are
not signed by both sides (``perfloop.services.plans.unsigned_plan_count``),
``missing_actuals`` the items of those plans without an actual for the cycle's
period (``perfloop.services.plans.missing_actual_count``), ``missing_forms``
the required review forms of a stage not submitted
(``perfloop.services.reviews.missing_form_count``; this hook also takes the
stage the guard names), ``uncalibrated_units`` the org units whose results are not
scored yet or break their scoring template's target distribution
(``perfloop.services.results.uncalibrated_unit_count``, see
``services/results/calibration.py``), ``open_appeals`` the cycle's open appeals
(``perfloop.services.appeals.open_appeal_count``). A domain plugs in
with one call::

    from perfloop.services import cycles

    async def open_appeals(session, cycle) -> int:
        ...  # SELECT count(*) FROM appeals WHERE cycle_id = :id AND status != 'resolved'

    cycles.set_hook("open_appeals", open_appeals)

(or replaces a whole guard with ``register_guard``). A failing guard with an
``override`` block may be overridden by a caller who holds ``cycle.override``
and one of the listed roles, with a reason; the reason and the overridden
guards are stored on the transition and in the audit log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import select

from perfloop.services.core.errors import ServiceError, UserError
from perfloop.services.cycles.periods import parse_period, sub_periods
from perfloop.store.cycles import Cycle, CycleStage

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


Guard = Callable[["AsyncSession", Cycle, Mapping[str, Any]], Awaitable[list[str]]]
#: ``(session, cycle) -> count``; the ``missing_forms`` hook also gets the stage key
Hook = Callable[..., Awaitable[int]]


async def _unsigned_scorecards(session: AsyncSession, cycle: Cycle) -> int:
    # imported here: scorecards build on cycles, not the other way round
    from perfloop.services.plans import unsigned_plan_count

    return await unsigned_plan_count(session, cycle.id)


async def _items_without_actuals(session: AsyncSession, cycle: Cycle) -> int:
    from perfloop.services.plans import missing_actual_count

    return await missing_actual_count(session, cycle)


async def _unsubmitted_forms(session: AsyncSession, cycle: Cycle, stage: str | None) -> int:
    from perfloop.services.reviews import missing_form_count

    return await missing_form_count(session, cycle, stage)


async def _uncalibrated_units(session: AsyncSession, cycle: Cycle) -> int:
    from perfloop.services.results import uncalibrated_unit_count

    return await uncalibrated_unit_count(session, cycle)


async def _open_appeals(session: AsyncSession, cycle: Cycle) -> int:
    from perfloop.services.appeals import open_appeal_count

    return await open_appeal_count(session, cycle)


HOOKS: dict[str, Hook] = {
    # Replaced by the owning service once its tables exist (see the module docstring).
    "unsigned_plans": _unsigned_scorecards,  # scorecards not signed by both sides
    "missing_actuals": _items_without_actuals,  # plan items without an actual for the period
    "missing_forms": _unsubmitted_forms,  # required forms of a stage not submitted (spec["stage"])
    "uncalibrated_units": _uncalibrated_units,  # org units not scored or off the target
    "open_appeals": _open_appeals,  # appeals filed and not decided
}

_DEFAULT_HOOKS: Final = dict(HOOKS)
GUARDS: dict[str, Guard] = {}


def register_guard(check: str) -> Callable[[Guard], Guard]:
    """Register (or replace) the guard function for a template's ``check`` name."""

    def put(fn: Guard) -> Guard:
        GUARDS[check] = fn
        return fn

    return put


def set_hook(name: str, hook: Hook | None) -> None:
    """Plug a counter into a built-in guard; None restores the default."""
    if name not in HOOKS:
        raise KeyError(f"no guard hook {name!r}; one of {', '.join(HOOKS)}")
    HOOKS[name] = hook or _DEFAULT_HOOKS[name]


def _counting(hook: str, what: str) -> Guard:
    async def guard(session: AsyncSession, cycle: Cycle, spec: Mapping[str, Any]) -> list[str]:
        count = await HOOKS[hook](session, cycle)
        return [f"{count} {what}"] if count else []

    return guard


register_guard("plans-signed")(_counting("unsigned_plans", "plan(s) not signed by both sides"))
register_guard("actuals-complete")(_counting("missing_actuals", "item(s) without an actual"))
register_guard("calibration-complete")(_counting("uncalibrated_units", "unit(s) not calibrated"))
register_guard("appeals-resolved")(_counting("open_appeals", "appeal(s) still open"))


@register_guard("forms-submitted")
async def _forms_submitted(
    session: AsyncSession, cycle: Cycle, spec: Mapping[str, Any]
) -> list[str]:
    count = await HOOKS["missing_forms"](session, cycle, spec.get("stage"))
    return [f"{count} required form(s) of stage {spec.get('stage')} not submitted"] if count else []


@register_guard("deadline-passed")
async def _deadline_passed(
    session: AsyncSession, cycle: Cycle, spec: Mapping[str, Any]
) -> list[str]:
    due = (
        await session.execute(
            select(CycleStage.due_on).where(
                CycleStage.cycle_id == cycle.id, CycleStage.key == spec.get("stage")
            )
        )
    ).scalar_one_or_none()
    if due is not None and dt.date.today() <= due:
        return [f"the deadline of stage {spec.get('stage')} ({due.isoformat()}) has not passed"]
    return []


@register_guard("periods-closed")
async def _periods_closed(
    session: AsyncSession, cycle: Cycle, spec: Mapping[str, Any]
) -> list[str]:
    children = {
        c.period: c.status
        for c in (await session.execute(select(Cycle).where(Cycle.parent_id == cycle.id))).scalars()
    }
    summary = parse_period(cycle.period)
    template_period = spec.get("period")
    if summary is None or not isinstance(template_period, str):
        return []
    reasons = []
    for period in sub_periods(summary, template_period):
        status = children.get(period.label)
        if status is None:
            reasons.append(f"{period.label} has not been opened")
        elif status != "closed":
            reasons.append(f"{period.label} is not closed")
    return reasons


@dataclass(frozen=True)
class GuardFailure:
    """A guard that does not hold, with what blocks it and who may override it."""

    key: str
    check: str
    message: Mapping[str, str]
    reasons: Sequence[str]
    override_roles: Sequence[str]
    reason_required: bool

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "check": self.check, "reasons": list(self.reasons)}


class GuardsFailed(ServiceError):
    """The next stage's guards do not hold (and were not, or could not be, overridden)."""

    def __init__(self, failures: Sequence[GuardFailure], errors: list[UserError]) -> None:
        super().__init__(errors)
        self.failures = list(failures)
