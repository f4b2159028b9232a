"""Reading goals: the tree of a cycle with coverage and rolled-up progress, and
the gap report. Unit and position goals are visible to everyone who may read
goals; employee goals are filtered by the caller's scope.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal, cast

from sqlalchemy import or_, select

from perfloop.authz import Permission, Scope
from perfloop.engine import GapReport, GoalNode, coverage, gap_report, rollup
from perfloop.services.core.pagination import DEFAULT_PAGE_CAP, Page, keyset_page
from perfloop.services.core.scopes import employees_in_scope
from perfloop.services.plans import (
    Titles,
    get_cycle,
    in_cycle_period,
    not_found,
    template_bodies,
)
from perfloop.store.apps import InstalledApp
from perfloop.store.core import keep_rows, lock_rows
from perfloop.store.goals import Goal, GoalProposal
from perfloop.store.plans import Actual, ScorecardItem

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller
    from perfloop.store.cycles import Cycle


@dataclass(frozen=True, slots=True)
class GoalView:
    id: int
    cycle_id: int
    parent_id: int | None
    level: str
    org_unit_id: int | None
    position: str | None
    employee_id: int | None
    #: the zh-CN title
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
    #: the title in each language (``title`` is the zh-CN one)
    titles: Titles


#: the goal gap report's threshold when the app template sets none (app
#: ``analytics.goalGapThreshold``): a gap above 10 % of the top-down target is flagged
DEFAULT_GAP_THRESHOLD = 0.1


@dataclass(frozen=True)
class GapView:
    goal_id: int
    target: float | None
    report: GapReport
    #: the share of a target a gap may reach before it is flagged (the app template's)
    threshold: float = DEFAULT_GAP_THRESHOLD

    def flagged(self, top_down: float | None, gap: float | None) -> bool:
        """A gap larger than ``threshold`` × its top-down target (a line without both
        sides has no gap and is not flagged)."""
        if gap is None or top_down is None:
            return False
        return abs(gap) > self.threshold * abs(top_down)

    @property
    def gap_flagged(self) -> bool:
        """The goal's whole gap against its target (else the allocated total)."""
        base = self.target if self.target is not None else self.report.top_down
        return self.flagged(base, self.report.gap)


async def gap_threshold(session: AsyncSession, tenant_id: int, cycle: Cycle) -> float:
    """The goal gap threshold of the cycle's app template (``analytics.goalGapThreshold``),
    else ``DEFAULT_GAP_THRESHOLD``."""
    install = await session.get(InstalledApp, cycle.installed_app_id)
    if install is None:
        return DEFAULT_GAP_THRESHOLD
    ref = f"{install.app_key}@{install.app_version}"
    body = (await template_bodies(session, tenant_id, [ref], "app")).get(ref) or {}
    value = (body.get("analytics") or {}).get("goalGapThreshold")
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    return DEFAULT_GAP_THRESHOLD


def owner_label(org_unit_id: int | None, position: str | None, employee_id: int | None) -> str:
    if employee_id is not None:
        return f"employee:{employee_id}"
    if position:
        return f"position:{org_unit_id}:{position}"
    return f"unit:{org_unit_id}"


def goals_visible_to(caller: Caller, scope: Scope) -> Any:
    return or_(
        Goal.employee_id.is_(None),
        employees_in_scope(caller, scope, cast("ColumnElement[int]", Goal.employee_id)),
    )


async def goal_in_scope(
    session: AsyncSession,
    caller: Caller,
    goal_id: int,
    *,
    hold: Literal["write", "refer"] | None = None,
) -> Goal:
    """A goal the caller may read; NOT_FOUND otherwise. For a write, ``hold`` says what
    it is about to do: ``write`` (change or delete the goal) locks it until commit,
    ``refer`` (a proposal, a child goal) keeps it from being deleted until then; either
    way a goal deleted meanwhile is not found (``store/core/writes.py``)."""
    scope = caller.require(Permission.GOAL_READ)
    criteria = (
        Goal.id == goal_id,
        Goal.tenant_id == caller.tenant_id,
        goals_visible_to(caller, scope),
    )
    if hold == "write":
        goal = next(iter(await lock_rows(session, Goal, *criteria)), None)
    else:
        query = select(Goal).where(*criteria)
        goal = (
            await session.execute(keep_rows(query, Goal) if hold == "refer" else query)
        ).scalar_one_or_none()
    if goal is None:
        raise not_found("goal", ("goal",), zh="未找到该目标，或无权查看")
    return goal


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
    visible = set(
        (
            await session.execute(
                select(Goal.id).where(Goal.cycle_id == cycle.id, goals_visible_to(caller, scope))
            )
        ).scalars()
    )
    return await _views(session, caller, cycle, visible)


async def goal_page(
    session: AsyncSession,
    caller: Caller,
    cycle_id: int,
    *,
    first: int | None = None,
    after: str | None = None,
    page_cap: int = DEFAULT_PAGE_CAP,
) -> Page[GoalView]:
    """One page of :func:`list_goals`, by id (the order goals were created in).
    Coverage and progress still count the whole tree, goals on other pages and
    goals the caller cannot see included."""
    scope = caller.require(Permission.GOAL_READ)
    cycle = await get_cycle(session, caller, cycle_id)
    page = await keyset_page(
        session,
        select(Goal.id).where(
            Goal.tenant_id == caller.tenant_id,
            Goal.cycle_id == cycle.id,
            goals_visible_to(caller, scope),
        ),
        (Goal.id,),
        first=first,
        after=after,
        cap=page_cap,
        what="goal",
    )
    return replace(page, items=await _views(session, caller, cycle, set(page.items)))


async def _views(
    session: AsyncSession, caller: Caller, cycle: Cycle, ids: set[int]
) -> list[GoalView]:
    """Views of the goals ``ids`` of ``cycle``, by id, rolled up over the whole tree."""
    if not ids:
        return []
    goals = list(
        (
            await session.execute(
                select(Goal)
                .where(Goal.tenant_id == caller.tenant_id, Goal.cycle_id == cycle.id)
                .order_by(Goal.id)
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
        if g.id not in ids:
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
                titles=Titles.of(g.titles, g.title),
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
    """Top-down (the children's targets) against bottom-up (proposals) per owner; a gap
    larger than the app template's threshold is flagged (``GapView.flagged``)."""
    scope = caller.require(Permission.GOAL_READ)
    goal = await goal_in_scope(session, caller, goal_id)
    children = (
        await session.execute(
            select(Goal)
            .where(Goal.parent_id == goal.id, goals_visible_to(caller, scope))
            .order_by(Goal.id)
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
    cycle = await get_cycle(session, caller, goal.cycle_id)
    threshold = await gap_threshold(session, caller.tenant_id, cycle)
    return GapView(goal.id, goal.target, gap_report(allocated, proposed), threshold)
