"""Reading plans back: one scorecard, a manager's team view.

Everything is precomputed here with a fixed number of set-based queries (the
cycle, the plans with their items and actuals in one joined query, the
action-plan tasks in another), so a team view of any size runs the same
statements and the GraphQL layer only copies flat values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, select

from perfloop.authz import Permission
from perfloop.engine import completion as completion_of
from perfloop.engine import item_score
from perfloop.engine.plans import expected_progress, is_behind
from perfloop.services.plan_common import get_cycle
from perfloop.services.scopes import employees_in_scope
from perfloop.store.models import Employee
from perfloop.store.plan_models import ActionTask, Actual, Scorecard, ScorecardItem

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.caller import Caller

#: Item score settings when an item sets no thresholds (the standard scheme's defaults).
DEFAULT_THRESHOLDS = {"threshold": 0.6, "floor": 0.0, "cap": 120.0}
CUMULATIVE = frozenset({"sum", "count"})


@dataclass(frozen=True, slots=True)
class TaskView:
    id: int
    item_id: int
    title: str
    owner_id: int | None
    due_on: dt.date | None
    status: str


@dataclass(slots=True)
class ItemView:
    id: int
    key: str
    title: str
    library_ref: str | None
    indicator_key: str | None
    goal_id: int | None
    unit: str | None
    direction: str
    aggregation: str | None
    source_type: str
    target: float | None
    weight: float
    actual: float | None
    actual_source: str | None
    completion: float | None
    score: float | None
    expected_progress: float
    behind: bool
    tasks: list[TaskView] = field(default_factory=list)


@dataclass(slots=True)
class ScorecardView:
    id: int
    cycle_id: int
    employee_id: int
    employee_name: str
    employee_no: str
    org_unit_id: int
    status: str
    revision: int
    employee_signed_at: dt.datetime | None
    manager_signed_at: dt.datetime | None
    items: list[ItemView] = field(default_factory=list)

    @property
    def total_weight(self) -> float:
        return sum(i.weight for i in self.items)

    @property
    def completion(self) -> float | None:
        """Weighted completion of the items that have one."""
        known = [(i.weight, i.completion) for i in self.items if i.completion is not None]
        weights = sum(w for w, _ in known)
        return sum(w * c for w, c in known) / weights if known and weights else None

    @property
    def score(self) -> float | None:
        """Weighted item score out of 100; None until every item is scored."""
        if not self.items or any(i.score is None for i in self.items):
            return None
        return sum(i.weight * (i.score or 0.0) for i in self.items) / 100

    @property
    def behind_count(self) -> int:
        return sum(1 for i in self.items if i.behind)


def _item(
    row: Any, expected: float, tasks: dict[int, list[TaskView]], source_type: str
) -> ItemView:
    done = completion_of(row.actual, row.target, row.direction)
    settings = {**DEFAULT_THRESHOLDS, **(row.thresholds or {})}
    cumulative = (row.aggregation or "sum") in CUMULATIVE and row.direction == "higher"
    return ItemView(
        id=row.item_id,
        key=row.key,
        title=row.title,
        library_ref=row.library_ref,
        indicator_key=row.indicator_key,
        goal_id=row.goal_id,
        unit=row.unit,
        direction=row.direction,
        aggregation=row.aggregation,
        source_type=source_type,
        target=row.target,
        weight=row.weight,
        actual=row.actual,
        actual_source=row.actual_source,
        completion=done,
        score=item_score(
            done,
            threshold=settings.get("threshold"),
            floor=settings.get("floor"),
            cap=settings.get("cap"),
        ),
        expected_progress=expected,
        behind=is_behind(done, expected, cumulative=cumulative),
        tasks=tasks.get(row.item_id, []),
    )


async def _read(
    session: AsyncSession,
    caller: Caller,
    cycle_id: int,
    today: dt.date | None,
    employee_id: int | None = None,
) -> list[ScorecardView]:
    scope = caller.require(Permission.SCORECARD_READ)
    cycle = await get_cycle(session, caller, cycle_id)
    expected = expected_progress(cycle.starts_on, cycle.ends_on, today or dt.date.today())
    where = [
        Scorecard.tenant_id == caller.tenant_id,
        Scorecard.cycle_id == cycle.id,
        employees_in_scope(caller, scope, Scorecard.employee_id),
    ]
    if employee_id is not None:
        where.append(Scorecard.employee_id == employee_id)
    rows = (
        await session.execute(
            select(
                Scorecard.id,
                Scorecard.employee_id,
                Scorecard.status,
                Scorecard.revision,
                Scorecard.employee_signed_at,
                Scorecard.manager_signed_at,
                Employee.name,
                Employee.employee_no,
                Employee.org_unit_id,
                ScorecardItem.id.label("item_id"),
                ScorecardItem.key,
                ScorecardItem.title,
                ScorecardItem.library_ref,
                ScorecardItem.indicator_key,
                ScorecardItem.goal_id,
                ScorecardItem.unit,
                ScorecardItem.direction,
                ScorecardItem.aggregation,
                ScorecardItem.source,
                ScorecardItem.target,
                ScorecardItem.weight,
                ScorecardItem.thresholds,
                Actual.value.label("actual"),
                Actual.source.label("actual_source"),
            )
            .join(Employee, Employee.id == Scorecard.employee_id)
            .outerjoin(ScorecardItem, ScorecardItem.scorecard_id == Scorecard.id)
            .outerjoin(
                Actual,
                and_(
                    Actual.item_id == ScorecardItem.id,
                    Actual.period_start == cycle.starts_on,
                    Actual.period_end == cycle.ends_on,
                ),
            )
            .where(*where)
            .order_by(Employee.employee_no, ScorecardItem.position)
        )
    ).all()
    tasks: dict[int, list[TaskView]] = {}
    if any(r.item_id is not None for r in rows):
        for t in (
            await session.execute(
                select(ActionTask)
                .join(ScorecardItem, ScorecardItem.id == ActionTask.item_id)
                .join(Scorecard, Scorecard.id == ScorecardItem.scorecard_id)
                .where(*where)
                .order_by(ActionTask.id)
            )
        ).scalars():
            tasks.setdefault(t.item_id, []).append(
                TaskView(t.id, t.item_id, t.title, t.owner_id, t.due_on, t.status)
            )
    cards: dict[int, ScorecardView] = {}
    for r in rows:
        card = cards.get(r.id)
        if card is None:
            card = cards[r.id] = ScorecardView(
                id=r.id,
                cycle_id=cycle.id,
                employee_id=r.employee_id,
                employee_name=r.name,
                employee_no=r.employee_no,
                org_unit_id=r.org_unit_id,
                status=r.status,
                revision=r.revision,
                employee_signed_at=r.employee_signed_at,
                manager_signed_at=r.manager_signed_at,
            )
        if r.item_id is not None:
            source_type = str((r.source or {}).get("type", "manual"))
            card.items.append(_item(r, expected, tasks, source_type))
    return list(cards.values())


async def get_scorecard(
    session: AsyncSession,
    caller: Caller,
    employee_id: int,
    cycle_id: int,
    *,
    today: dt.date | None = None,
) -> ScorecardView | None:
    """One employee's plan with progress, or None when missing or out of scope."""
    cards = await _read(session, caller, cycle_id, today, employee_id)
    return cards[0] if cards else None


async def team_scorecards(
    session: AsyncSession, caller: Caller, cycle_id: int, *, today: dt.date | None = None
) -> list[ScorecardView]:
    """Every plan of the cycle the caller may read (a manager: their team)."""
    return await _read(session, caller, cycle_id, today)


__all__ = ["ItemView", "ScorecardView", "TaskView", "get_scorecard", "team_scorecards"]
