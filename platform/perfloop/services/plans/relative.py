"""Targets relative to an earlier period: "+8 % on last quarter's actual", "+10 % year
on year".

An item's target may be given as ``relative: {relativeTo: PREVIOUS | YEAR_AGO, change:
0.08}`` instead of a number (or a KPI library's indicator suggests one:
``defaultRelativeTarget``). It is resolved when the plan is set or assigned, per
person: the base is the person's actual of the item with the same key in the period
compared with (``periods.period_before``: the app's previous cycle, or the same period
a year earlier), for that cycle's whole period; the target is ``actual × (1 +
change)``. The item stores the target and its base (``target_base``: the relation, the
base cycle and its period, the actual, the change), and plans show both.

- A per-person target override wins over the relative target (no base is needed).
- No cycle to compare with: INVALID at ``items.<n>.relative`` naming the cycle.
- A person without an actual for the item in that period: INVALID at
  ``items.<n>.relative`` naming the employee (number and name) and the item — never a
  silent 0. At most ``LISTED`` people are named, with the count of the others.
- Set-based: one statement per relation and chunk of people reads every base of an
  assignment's part (``base_actuals``); a whole request is checked before a job with
  one statement per relative item (``missing_bases``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, exists, func, select

from perfloop.services.core.errors import ErrorCode, ServiceError, UserError
from perfloop.services.plans.common import in_cycle_period
from perfloop.services.plans.periods import PREVIOUS, RELATIONS, YEAR_AGO, period_before
from perfloop.store.core import chunked
from perfloop.store.org import Employee
from perfloop.store.plans import Actual, Scorecard, ScorecardItem

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.store.cycles import Cycle

#: people named in a missing-base error (the rest are counted)
LISTED = 20
_WORDS = {PREVIOUS: "the previous period", YEAR_AGO: "the same period a year earlier"}


@dataclass(frozen=True)
class RelativeTarget:
    """A target as a change on the person's actual of an earlier period."""

    relative_to: str  # PREVIOUS or YEAR_AGO
    change: float

    def as_json(self) -> dict[str, Any]:
        return {"relativeTo": self.relative_to, "change": self.change}


def relative_of(value: Any) -> RelativeTarget | None:
    """A KPI library's ``defaultRelativeTarget`` (or a job's JSON) as a RelativeTarget."""
    if not isinstance(value, Mapping):
        return None
    relation, change = value.get("relativeTo"), value.get("change")
    if relation not in RELATIONS or isinstance(change, bool):
        return None
    if not isinstance(change, int | float):
        return None
    return RelativeTarget(str(relation), float(change))


def relative_errors(items: Sequence[Mapping[str, Any]]) -> list[UserError]:
    """An item's relative target is well formed (a change above -100 %)."""
    errors = []
    for n, values in enumerate(items):
        rel: RelativeTarget | None = values.get("relative")
        if rel is None:
            continue
        if rel.relative_to not in RELATIONS:
            errors.append(
                UserError(
                    ErrorCode.INVALID,
                    f"relativeTo is one of {', '.join(RELATIONS)}",
                    ("items", str(n), "relative", "relativeTo"),
                )
            )
        elif not -1 < rel.change <= 100:
            errors.append(
                UserError(
                    ErrorCode.INVALID,
                    "change is a share above -1 (-100 %), such as 0.08 for +8 %",
                    ("items", str(n), "relative", "change"),
                )
            )
    return errors


@dataclass(frozen=True)
class _Wanted:
    n: int
    key: str
    rel: RelativeTarget
    base: Cycle


async def _wanted(
    session: AsyncSession, cycle: Cycle, items: Sequence[Mapping[str, Any]]
) -> list[_Wanted]:
    """The relative items with the cycle each is based on (INVALID when there is none)."""
    errors = relative_errors(items)
    if errors:
        raise ServiceError(errors)
    bases: dict[str, Cycle | None] = {}
    wanted: list[_Wanted] = []
    for n, values in enumerate(items):
        rel: RelativeTarget | None = values.get("relative")
        if rel is None:
            continue
        if rel.relative_to not in bases:
            bases[rel.relative_to] = await period_before(session, cycle, rel.relative_to)
        base = bases[rel.relative_to]
        if base is None:
            errors.append(
                UserError(
                    ErrorCode.INVALID,
                    f"{cycle.period} has no cycle for {_WORDS[rel.relative_to]} to take the"
                    f" target of item {values['key']!r} from; give it as a number",
                    ("items", str(n), "relative"),
                    detail="no-base-period",
                )
            )
            continue
        wanted.append(_Wanted(n, str(values["key"]), rel, base))
    if errors:
        raise ServiceError(errors)
    return wanted


def _base_json(w: _Wanted, actual: float) -> dict[str, Any]:
    return {
        "relativeTo": w.rel.relative_to,
        "change": w.rel.change,
        "cycleId": w.base.id,
        "period": w.base.period,
        "periodStart": w.base.starts_on.isoformat(),
        "periodEnd": w.base.ends_on.isoformat(),
        "actual": actual,
    }


def _base_rows(base: Cycle, keys: Iterable[str]) -> Any:
    """(employee id, item key, actual) of the base cycle's items with these keys."""
    return (
        select(Scorecard.employee_id, ScorecardItem.key, Actual.value)
        .join(Scorecard, Scorecard.id == ScorecardItem.scorecard_id)
        .join(Actual, and_(Actual.item_id == ScorecardItem.id, in_cycle_period(base)))
        .where(
            Scorecard.cycle_id == base.id,
            ScorecardItem.key.in_(sorted(set(keys))),
            Actual.value.is_not(None),
        )
    )


async def _missing_error(
    session: AsyncSession, w: _Wanted, people: Sequence[int], count: int | None = None
) -> UserError:
    named: list[str] = []
    for chunk in chunked(list(people[:LISTED])):
        found = await session.execute(
            select(Employee.id, Employee.employee_no, Employee.name).where(Employee.id.in_(chunk))
        )
        by_id = {i: f"{name} ({no})" for i, no, name in found.all()}
        named.extend(by_id.get(i, str(i)) for i in chunk)
    total = len(people) if count is None else count
    more = f" and {total - len(named)} more" if total > len(named) else ""
    return UserError(
        ErrorCode.INVALID,
        f"no actual of item {w.key!r} in {w.base.period} ({_WORDS[w.rel.relative_to]}) for "
        f"{', '.join(named)}{more}: the target relative to it cannot be worked out; give "
        "those people a target override or the item a number",
        ("items", str(w.n), "relative"),
        detail="no-base-actual",
    )


async def resolve_relative_targets(
    session: AsyncSession,
    cycle: Cycle,
    items: Sequence[Mapping[str, Any]],
    employee_ids: Sequence[int],
    overrides: Mapping[int, Mapping[str, float]] | None = None,
) -> dict[int, dict[str, tuple[float, dict[str, Any]]]]:
    """Each person's relative targets with their bases: ``{employee id: {item key:
    (target, base)}}``. Items without a relative target, and people with an override
    for an item, are left out. Raises INVALID (module docstring) when a base is missing."""
    wanted = await _wanted(session, cycle, items)
    if not wanted:
        return {}
    overrides = overrides or {}
    by_base: dict[int, list[_Wanted]] = {}
    for w in wanted:
        by_base.setdefault(w.base.id, []).append(w)
    values: dict[tuple[int, int, str], float] = {}
    for base_id, ws in by_base.items():
        base = ws[0].base
        for chunk in chunked(list(employee_ids)):
            rows = await session.execute(
                _base_rows(base, [w.key for w in ws]).where(Scorecard.employee_id.in_(chunk))
            )
            for employee_id, key, value in rows.all():
                values[(base_id, employee_id, key)] = float(value)
    out: dict[int, dict[str, tuple[float, dict[str, Any]]]] = {}
    errors: list[UserError] = []
    for w in wanted:
        missing = []
        for e in employee_ids:
            if w.key in overrides.get(e, {}):
                continue
            actual = values.get((w.base.id, e, w.key))
            if actual is None:
                missing.append(e)
                continue
            out.setdefault(e, {})[w.key] = (actual * (1 + w.rel.change), _base_json(w, actual))
        if missing:
            errors.append(await _missing_error(session, w, missing))
    if errors:
        raise ServiceError(errors)
    return out


async def missing_bases(
    session: AsyncSession,
    cycle: Cycle,
    items: Sequence[Mapping[str, Any]],
    reached: ColumnElement[bool],
    overridden: Mapping[int, Iterable[str]] | None = None,
) -> None:
    """Check a whole request before it runs as a job: every person ``reached`` (a
    condition on ``Employee``) has a base for each relative item. One statement per
    relative item (the first people without one, and their count). Raises as
    :func:`resolve_relative_targets` does."""
    wanted = await _wanted(session, cycle, items)
    errors = []
    for w in wanted:
        has_base = exists(_base_rows(w.base, [w.key]).where(Scorecard.employee_id == Employee.id))
        lacking = select(Employee.id).where(reached, ~has_base)
        excused = sorted(e for e, keys in (overridden or {}).items() if w.key in set(keys))
        if excused:
            lacking = lacking.where(Employee.id.not_in(excused))  # a few: the overrides
        people = list(
            (await session.execute(lacking.order_by(Employee.id).limit(LISTED))).scalars()
        )
        if people:
            count = (
                await session.execute(select(func.count()).select_from(lacking.subquery()))
            ).scalar_one()
            errors.append(await _missing_error(session, w, people, count))
    if errors:
        raise ServiceError(errors)


__all__ = [
    "RelativeTarget",
    "missing_bases",
    "relative_errors",
    "relative_of",
    "resolve_relative_targets",
]
