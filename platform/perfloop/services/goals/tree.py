"""Goal decomposition: a goal tree per cycle, allocation coverage, bottom-up
proposals, the top-down against bottom-up gap report and rolled-up progress.

Unit and position goals (the company's, a department's, a team's) are visible
to everyone who may read goals, so people see what they contribute to;
employee goals are filtered by the caller's scope. Managing a unit goal needs
the unit inside the caller's reach (the tenant, or their own unit's subtree).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import and_, or_, select

from perfloop.authz import Permission, Scope
from perfloop.engine import DIRECTIONS, GapReport, GoalNode, coverage, gap_report, rollup
from perfloop.services.core import audit
from perfloop.services.core.errors import ErrorCode, ServiceError, UserError
from perfloop.services.core.scopes import employees_in_scope
from perfloop.services.plans import (
    employee_in_scope,
    get_cycle,
    in_cycle_period,
    indicators_of,
    invalid,
    not_found,
    position_name,
    template_bodies,
)
from perfloop.store.goals import Goal, GoalProposal
from perfloop.store.org import Employee, OrgUnit
from perfloop.store.plans import Actual, ScorecardItem

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller
    from perfloop.store.cycles import Cycle

LEVELS = ("company", "department", "team", "position", "employee")
UNIT_LEVELS = ("company", "department", "team")
EDITABLE = ("title", "target", "weight", "unit", "direction", "additive", "actual", "indicator_key")
#: Longest text per field (the column sizes).
LENGTHS = {"title": 200, "position": 100, "indicator_key": 100, "library_ref": 120, "unit": 40}
#: GoalInput's names for the fields the shared lookups report (``cycle`` -> ``cycleId``).
_INPUT_NAMES = {
    "cycle": "cycleId",
    "goal": "parentId",
    "orgUnit": "orgUnitId",
    "employee": "employeeId",
    "indicator_key": "indicatorKey",
    "library_ref": "libraryRef",
}


@dataclass(frozen=True)
class GoalData:
    cycle_id: int
    level: str
    title: str
    parent_id: int | None = None
    org_unit_id: int | None = None
    position: str | None = None
    employee_id: int | None = None
    indicator_key: str | None = None
    library_ref: str | None = None
    target: float | None = None
    unit: str | None = None
    direction: str = "higher"
    additive: bool = True
    weight: float | None = None
    actual: float | None = None


@dataclass(frozen=True, slots=True)
class GoalView:
    id: int
    cycle_id: int
    parent_id: int | None
    level: str
    org_unit_id: int | None
    position: str | None
    employee_id: int | None
    title: str
    indicator_key: str | None
    library_ref: str | None
    target: float | None
    unit: str | None
    direction: str
    additive: bool
    weight: float | None
    allocated: float | None
    unallocated: float | None
    coverage: str | None
    actual: float | None
    progress: float | None


@dataclass(frozen=True)
class GapView:
    goal_id: int
    target: float | None
    report: GapReport


def owner_label(org_unit_id: int | None, position: str | None, employee_id: int | None) -> str:
    if employee_id is not None:
        return f"employee:{employee_id}"
    if position:
        return f"position:{org_unit_id}:{position}"
    return f"unit:{org_unit_id}"


def _visible(caller: Caller, scope: Scope) -> Any:
    return or_(
        Goal.employee_id.is_(None),
        employees_in_scope(caller, scope, cast("ColumnElement[int]", Goal.employee_id)),
    )


async def _check_unit(session: AsyncSession, caller: Caller, scope: Scope, unit_id: int) -> None:
    unit = (
        await session.execute(
            select(OrgUnit.path).where(OrgUnit.id == unit_id, OrgUnit.tenant_id == caller.tenant_id)
        )
    ).scalar_one_or_none()
    if unit is None:
        raise not_found("org unit", ("orgUnit",))
    if scope is Scope.TENANT:
        return
    mine = (
        await session.execute(
            select(OrgUnit.path)
            .join(Employee, Employee.org_unit_id == OrgUnit.id)
            .where(Employee.id == caller.employee_id)
        )
    ).scalar_one_or_none()
    if scope is Scope.SELF or mine is None or not unit.startswith(mine):
        raise not_found("org unit", ("orgUnit",))


async def _check_owner(
    session: AsyncSession,
    caller: Caller,
    permission: Permission,
    org_unit_id: int | None,
    employee_id: int | None,
) -> None:
    if employee_id is not None:
        await employee_in_scope(session, caller, permission, employee_id)
    elif org_unit_id is not None:
        await _check_unit(session, caller, caller.require(permission), org_unit_id)
    else:
        raise invalid("a goal is owned by an org unit or an employee", ("orgUnit",))


def _problem(message: str, field: str) -> UserError:
    return UserError(ErrorCode.INVALID, message, (_INPUT_NAMES.get(field, field),))


@contextmanager
def _as_input() -> Iterator[None]:
    """Report lookup failures under GoalInput's field names (``parentId``, ``orgUnitId``)."""
    try:
        yield
    except ServiceError as exc:
        renamed = [
            replace(e, path=(_INPUT_NAMES.get(e.path[0], e.path[0]), *e.path[1:])) if e.path else e
            for e in exc.errors
        ]
        raise ServiceError(renamed) from exc


def _value_errors(values: Mapping[str, Any]) -> list[UserError]:
    """Problems of goal values a caller sets (on create or update), naming the field."""
    errors = []
    for name, limit in LENGTHS.items():
        text = values.get(name)
        if isinstance(text, str) and len(text) > limit:
            errors.append(_problem(f"{name} is longer than {limit} characters", name))
    if "title" in values and not (values["title"] or "").strip():
        errors.append(_problem("a goal needs a title", "title"))
    if "direction" in values and values["direction"] not in DIRECTIONS:
        errors.append(_problem(f"direction must be one of {', '.join(DIRECTIONS)}", "direction"))
    if "additive" in values and values["additive"] is None:
        errors.append(_problem("additive is true or false", "additive"))
    for name in ("target", "weight", "actual"):
        number = values.get(name)
        if number is not None and not math.isfinite(number):
            errors.append(_problem(f"{name} must be a finite number", name))
    if (values.get("weight") or 0) < 0:
        errors.append(_problem("weight cannot be negative", "weight"))
    return errors


def _owner_errors(data: GoalData) -> list[UserError]:
    """The owner a goal's level calls for: a unit, a position within a unit, an employee."""
    if data.level not in LEVELS:
        return [_problem(f"level must be one of {', '.join(LEVELS)}", "level")]
    errors = []
    if data.level == "employee" and data.employee_id is None:
        errors.append(_problem("an employee goal names the employee", "employee"))
    if data.level != "employee" and data.employee_id is not None:
        errors.append(_problem(f"a {data.level} goal is not owned by an employee", "employee"))
    if data.level == "position" and not (data.position or "").strip():
        errors.append(_problem("a position goal names the position", "position"))
    if data.level != "position" and data.position is not None:
        errors.append(_problem("only a position goal names a position", "position"))
    if data.level in (*UNIT_LEVELS, "position") and data.org_unit_id is None:
        errors.append(_problem(f"a {data.level} goal names its org unit", "orgUnit"))
    return errors


async def _indicator_errors(
    session: AsyncSession, caller: Caller, data: GoalData
) -> list[UserError]:
    if data.library_ref is None:
        return []
    found = await template_bodies(session, caller.tenant_id, [data.library_ref], "kpi-library")
    library = found.get(data.library_ref)
    if library is None:
        return [_problem(f"no KPI library {data.library_ref}", "library_ref")]
    if (data.indicator_key or "") not in indicators_of(library):
        message = f"no indicator {data.indicator_key!r} in KPI library {data.library_ref}"
        return [_problem(message, "indicator_key")]
    return []


async def create_goal(session: AsyncSession, caller: Caller, data: GoalData) -> Goal:
    """Add a goal to a cycle's tree; every problem of the input is reported at once,
    under GoalInput's field names, and nothing is written."""
    caller.require(Permission.GOAL_MANAGE)
    with _as_input():
        cycle = await get_cycle(session, caller, data.cycle_id)
    values = {f.name: getattr(data, f.name) for f in fields(data)}
    errors = _owner_errors(data) + _value_errors(values)
    errors += await _indicator_errors(session, caller, data)
    if data.position is not None and not errors:
        values["position"] = await position_name(session, caller.tenant_id, data.position)
        if values["position"] is None:
            errors.append(_problem(f"no position {data.position!r} in this tenant", "position"))
    if errors:
        raise ServiceError(errors)
    with _as_input():
        await _check_owner(
            session, caller, Permission.GOAL_MANAGE, data.org_unit_id, data.employee_id
        )
        if data.parent_id is not None:
            parent = await _goal(session, caller, data.parent_id)
            if parent.cycle_id != cycle.id:
                raise invalid("the parent goal belongs to another cycle", ("parentId",))
    values["title"] = data.title.strip()
    goal = Goal(tenant_id=caller.tenant_id, created_by_id=caller.user_id, **values)
    session.add(goal)
    await session.flush()
    audit.record(
        session, caller, "goal.create", "goal", goal.id,
        after={"title": goal.title, "target": goal.target, "parent": goal.parent_id},
    )  # fmt: skip
    await session.commit()
    return goal


async def _goal(session: AsyncSession, caller: Caller, goal_id: int) -> Goal:
    scope = caller.require(Permission.GOAL_READ)
    goal = (
        await session.execute(
            select(Goal).where(
                Goal.id == goal_id, Goal.tenant_id == caller.tenant_id, _visible(caller, scope)
            )
        )
    ).scalar_one_or_none()
    if goal is None:
        raise not_found("goal", ("goal",))
    return goal


async def _check_managed(session: AsyncSession, caller: Caller, goal: Goal) -> None:
    """A goal the caller may read but not manage answers like a missing one."""
    try:
        await _check_owner(
            session, caller, Permission.GOAL_MANAGE, goal.org_unit_id, goal.employee_id
        )
    except ServiceError as exc:
        raise not_found("goal", ("goal",)) from exc


async def update_goal(
    session: AsyncSession, caller: Caller, goal_id: int, changes: dict[str, Any]
) -> Goal:
    """Change some of a goal's values (a ``None`` target, weight, unit or actual clears it:
    a goal without its own actual is measured by its plan items or rolled up)."""
    caller.require(Permission.GOAL_MANAGE)
    goal = await _goal(session, caller, goal_id)
    await _check_managed(session, caller, goal)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise invalid(f"cannot change {', '.join(sorted(unknown))}", (sorted(unknown)[0],))
    errors = _value_errors(changes)
    if errors:
        raise ServiceError(errors)
    before = {k: getattr(goal, k) for k in changes}
    for k, v in changes.items():
        setattr(goal, k, v.strip() if k == "title" else v)
    audit.record(session, caller, "goal.update", "goal", goal.id, before=before, after=changes)
    await session.commit()
    return goal


async def delete_goal(session: AsyncSession, caller: Caller, goal_id: int) -> None:
    caller.require(Permission.GOAL_MANAGE)
    goal = await _goal(session, caller, goal_id)
    await _check_managed(session, caller, goal)
    audit.record(
        session, caller, "goal.delete", "goal", goal.id,
        before={"title": goal.title, "target": goal.target, "parent": goal.parent_id},
    )  # fmt: skip
    await session.delete(goal)
    await session.commit()


async def propose(
    session: AsyncSession,
    caller: Caller,
    goal_id: int,
    amount: float,
    *,
    org_unit_id: int | None = None,
    position: str | None = None,
    employee_id: int | None = None,
    note: str | None = None,
) -> GoalProposal:
    """Say what a unit, position or person can take on under ``goal_id`` (bottom-up)."""
    caller.require(Permission.GOAL_PROPOSE)
    goal = await _goal(session, caller, goal_id)
    if not math.isfinite(amount) or amount < 0:
        raise invalid("propose an amount of 0 or more", ("amount",))
    if position is not None and (org_unit_id is None or not position.strip()):
        raise invalid("a position's proposal names the position and its org unit", ("orgUnit",))
    if position is not None:  # by catalogue code or name, as employees hold it
        held = await position_name(session, caller.tenant_id, position)
        if held is None:
            raise invalid(f"no position {position!r} in this tenant", ("position",))
        position = held
    await _check_owner(session, caller, Permission.GOAL_PROPOSE, org_unit_id, employee_id)
    same = and_(
        GoalProposal.goal_id == goal.id,
        GoalProposal.org_unit_id.is_(None)
        if org_unit_id is None
        else GoalProposal.org_unit_id == org_unit_id,
        GoalProposal.position.is_(None) if position is None else GoalProposal.position == position,
        GoalProposal.employee_id.is_(None)
        if employee_id is None
        else GoalProposal.employee_id == employee_id,
    )
    row = (await session.execute(select(GoalProposal).where(same))).scalar_one_or_none()
    before = None if row is None else {"amount": row.amount}
    if row is None:
        row = GoalProposal(
            tenant_id=caller.tenant_id,
            goal_id=goal.id,
            org_unit_id=org_unit_id,
            position=position,
            employee_id=employee_id,
            amount=amount,
        )
        session.add(row)
    row.amount, row.note, row.proposed_by_id = amount, note, caller.user_id
    await session.flush()
    audit.record(
        session, caller, "goal.propose", "goal", goal.id, before=before,
        after={"owner": owner_label(org_unit_id, position, employee_id), "amount": amount},
        note=note,
    )  # fmt: skip
    await session.commit()
    return row


async def _measured(session: AsyncSession, cycle: Cycle) -> dict[int, float]:
    """Sum of the linked plan items' actuals for the cycle period, per goal."""
    rows = await session.execute(
        select(ScorecardItem.goal_id, Actual.value)
        .join(Actual, Actual.item_id == ScorecardItem.id)
        .join(Goal, Goal.id == ScorecardItem.goal_id)
        .where(
            Goal.cycle_id == cycle.id,
            in_cycle_period(cycle),
            Actual.value.is_not(None),
        )
    )
    out: dict[int, float] = {}
    for goal_id, value in rows:
        if goal_id is not None and value is not None:
            out[goal_id] = out.get(goal_id, 0.0) + float(value)
    return out


async def list_goals(session: AsyncSession, caller: Caller, cycle_id: int) -> list[GoalView]:
    """The cycle's goals the caller may see, with coverage and rolled-up progress
    (computed over the whole tree, so a parent's progress counts every child)."""
    scope = caller.require(Permission.GOAL_READ)
    cycle = await get_cycle(session, caller, cycle_id)
    goals = list(
        (
            await session.execute(
                select(Goal)
                .where(Goal.tenant_id == caller.tenant_id, Goal.cycle_id == cycle.id)
                .order_by(Goal.id)
            )
        ).scalars()
    )
    visible = set(
        (
            await session.execute(
                select(Goal.id).where(Goal.cycle_id == cycle.id, _visible(caller, scope))
            )
        ).scalars()
    )
    measured = await _measured(session, cycle)
    nodes = [
        GoalNode(
            g.id,
            g.parent_id,
            g.target,
            g.additive,
            g.weight,
            g.direction,
            g.actual if g.actual is not None else measured.get(g.id),
        )
        for g in goals
    ]
    cover, progress = coverage(nodes), rollup(nodes)
    out = []
    for g in goals:
        if g.id not in visible:
            continue
        c = cover.get(g.id)
        r = progress[g.id]
        out.append(
            GoalView(
                id=g.id,
                cycle_id=g.cycle_id,
                parent_id=g.parent_id,
                level=g.level,
                org_unit_id=g.org_unit_id,
                position=g.position,
                employee_id=g.employee_id,
                title=g.title,
                indicator_key=g.indicator_key,
                library_ref=g.library_ref,
                target=g.target,
                unit=g.unit,
                direction=g.direction,
                additive=g.additive,
                weight=g.weight,
                allocated=c.allocated if c and c.children else None,
                unallocated=c.unallocated if c and c.children else None,
                coverage=c.status if c else None,
                actual=r.actual,
                progress=r.completion,
            )
        )
    return out


async def goal_gap_report(session: AsyncSession, caller: Caller, goal_id: int) -> GapView:
    """Top-down (the children's targets) against bottom-up (proposals) per owner."""
    scope = caller.require(Permission.GOAL_READ)
    goal = await _goal(session, caller, goal_id)
    children = (
        await session.execute(
            select(Goal).where(Goal.parent_id == goal.id, _visible(caller, scope)).order_by(Goal.id)
        )
    ).scalars()
    allocated: dict[str, float | None] = {}
    for c in children:
        label = owner_label(c.org_unit_id, c.position, c.employee_id)
        allocated[label] = (allocated.get(label) or 0.0) + (c.target or 0.0)
    proposals = (
        await session.execute(
            select(GoalProposal)
            .where(
                GoalProposal.goal_id == goal.id,
                or_(
                    GoalProposal.employee_id.is_(None),
                    employees_in_scope(
                        caller, scope, cast("ColumnElement[int]", GoalProposal.employee_id)
                    ),
                ),
            )
            .order_by(GoalProposal.id)
        )
    ).scalars()
    proposed: dict[str, float | None] = {
        owner_label(p.org_unit_id, p.position, p.employee_id): p.amount for p in proposals
    }
    return GapView(goal.id, goal.target, gap_report(allocated, proposed))


__all__ = [
    "GapView",
    "GoalData",
    "GoalView",
    "create_goal",
    "delete_goal",
    "goal_gap_report",
    "list_goals",
    "owner_label",
    "propose",
    "update_goal",
]
