"""Goal decomposition: a goal tree per cycle, allocation coverage, bottom-up
proposals, the top-down against bottom-up gap report and rolled-up progress.

Unit and position goals (the company's, a department's, a team's) are visible
to everyone who may read goals, so people see what they contribute to;
employee goals are filtered by the caller's scope. Managing a unit goal needs
the unit inside the caller's reach (the tenant, or their own unit's subtree).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import and_, or_, select

from perfloop.authz import Permission, Scope
from perfloop.engine import DIRECTIONS
from perfloop.engine.plans import GapReport, GoalNode, coverage, gap_report, rollup
from perfloop.services import audit
from perfloop.services.plan_common import employee_in_scope, get_cycle, invalid, not_found
from perfloop.services.scopes import employees_in_scope
from perfloop.store.models import Employee, OrgUnit
from perfloop.store.plan_models import Actual, Goal, GoalProposal, ScorecardItem

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.caller import Caller
    from perfloop.store.cycle_models import Cycle

LEVELS = ("company", "department", "team", "position", "employee")
EDITABLE = ("title", "target", "weight", "unit", "direction", "additive", "actual", "indicator_key")


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


async def create_goal(session: AsyncSession, caller: Caller, data: GoalData) -> Goal:
    caller.require(Permission.GOAL_MANAGE)
    cycle = await get_cycle(session, caller, data.cycle_id)
    if data.level not in LEVELS:
        raise invalid(f"level must be one of {', '.join(LEVELS)}", ("level",))
    if data.direction not in DIRECTIONS:
        raise invalid(f"direction must be one of {', '.join(DIRECTIONS)}", ("direction",))
    await _check_owner(session, caller, Permission.GOAL_MANAGE, data.org_unit_id, data.employee_id)
    if data.parent_id is not None:
        parent = await _goal(session, caller, data.parent_id)
        if parent.cycle_id != cycle.id:
            raise invalid("the parent goal belongs to another cycle", ("parent",))
    goal = Goal(
        tenant_id=caller.tenant_id,
        created_by_id=caller.user_id,
        **{f.name: getattr(data, f.name) for f in fields(data)},
    )
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


async def update_goal(
    session: AsyncSession, caller: Caller, goal_id: int, changes: dict[str, Any]
) -> Goal:
    caller.require(Permission.GOAL_MANAGE)
    goal = await _goal(session, caller, goal_id)
    await _check_owner(session, caller, Permission.GOAL_MANAGE, goal.org_unit_id, goal.employee_id)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise invalid(f"cannot change {', '.join(sorted(unknown))}", ("input",))
    if "direction" in changes and changes["direction"] not in DIRECTIONS:
        raise invalid(f"direction must be one of {', '.join(DIRECTIONS)}", ("direction",))
    before = {k: getattr(goal, k) for k in changes}
    for k, v in changes.items():
        setattr(goal, k, v)
    audit.record(session, caller, "goal.update", "goal", goal.id, before=before, after=changes)
    await session.commit()
    return goal


async def delete_goal(session: AsyncSession, caller: Caller, goal_id: int) -> None:
    caller.require(Permission.GOAL_MANAGE)
    goal = await _goal(session, caller, goal_id)
    await _check_owner(session, caller, Permission.GOAL_MANAGE, goal.org_unit_id, goal.employee_id)
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
            Actual.period_start == cycle.starts_on,
            Actual.period_end == cycle.ends_on,
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
