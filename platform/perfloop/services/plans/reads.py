"""Reading plans back: one scorecard, a manager's team view.

Everything is precomputed here with a fixed number of set-based queries (the
cycle, the plans with their items and actuals in one joined query, the
action-plan tasks in another, the plans' scoring schemes in three), so a team
view of any size runs the same statements and the GraphQL layer only copies
flat values.

Every number shown is the plan's scoring template's: each plan is scored by
``perfloop.engine.score_scorecard`` with its scheme (``plans.plan_schemes``:
its template with the parameters installed for the employee's unit, each
item's own score settings on top). During the cycle there are no reviews: the
template's review formula sees relations without raters and its total formula
decides what that means (the standard one leaves a blank section out).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from sqlalchemy import Executable, and_, bindparam, false, select

from perfloop.authz import Permission, Scope
from perfloop.engine import (
    expected_progress,
    is_behind,
    is_cumulative,
    score_scorecard,
)
from perfloop.services.core.pagination import DEFAULT_PAGE_CAP, Page, keyset_page
from perfloop.services.core.scopes import employees_in_scope, scope_condition
from perfloop.services.plans.common import get_cycle, plan_schemes
from perfloop.services.plans.provenance import Provenance
from perfloop.store.core import chunked
from perfloop.store.org import Employee
from perfloop.store.plans import ActionTask, Actual, Scorecard, ScorecardItem

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.engine import ScoringScheme
    from perfloop.services.core.caller import Caller
    from perfloop.store.cycles import Cycle


def _number(value: object) -> float | None:
    """A formula's result as a number to show: null, TRUE/FALSE and error values are None."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return None


@dataclass(frozen=True, slots=True)
class TaskView:
    id: int
    item_id: int
    #: the zh-CN title
    title: str
    owner_id: int | None
    due_on: dt.date | None
    status: str
    #: the title in each language
    titles: Titles


@dataclass(frozen=True, slots=True)
class TargetBase:
    """What a relative target was worked out from (``relative.py``)."""

    relative_to: str
    change: float
    cycle_id: int
    period: str
    period_start: dt.date
    period_end: dt.date
    actual: float

    @classmethod
    def of(cls, value: object) -> TargetBase | None:
        if not isinstance(value, dict):
            return None
        return cls(
            relative_to=value["relativeTo"],
            change=value["change"],
            cycle_id=value["cycleId"],
            period=value["period"],
            period_start=dt.date.fromisoformat(value["periodStart"]),
            period_end=dt.date.fromisoformat(value["periodEnd"]),
            actual=value["actual"],
        )


@dataclass(frozen=True, slots=True)
class Titles:
    """An item's title in each product language (``zh_cn``, ``en``)."""

    zh_cn: str
    en: str

    @classmethod
    def of(cls, titles: object, title: str) -> Titles:
        """From the ``titles`` column; a row written before it had one reads ``title``
        in both languages."""
        if isinstance(titles, dict):
            zh, en = str(titles.get("zh-CN") or ""), str(titles.get("en") or "")
            return cls(zh or en or title, en or zh or title)
        return cls(title, title)

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh_cn


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
    #: why a computed actual could not be computed (then ``actual`` is None)
    actual_error: str | None = None
    #: the base of a target relative to an earlier period (None: a target as a number)
    target_base: TargetBase | None = None
    #: the title in each language (``title`` is the zh-CN one)
    titles: Titles | None = None
    #: where a computed actual came from (provider, version, parameters, data range)
    actual_provenance: Provenance | None = None


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
    #: the scoring template the plan was set under (key@version)
    scoring_ref: str = ""
    #: the template's `/completion` over the items (None: an error value or no value)
    completion: float | None = None
    #: the template's KPI part (`/kpi`); None until every item has a score
    score: float | None = None
    #: the template's total, rating and bonus multiplier (no review during the cycle)
    total: float | None = None
    rating: str | None = None
    multiplier: float | None = None

    @property
    def total_weight(self) -> float:
        return sum(i.weight for i in self.items)

    @property
    def behind_count(self) -> int:
        return sum(1 for i in self.items if i.behind)


def _plan_statements(scope: Scope, narrow: Narrow) -> tuple[Executable, Executable]:
    """The plan query and the task query for callers at ``scope``.

    Built once per scope with bound parameters (``tenant_id``, ``cycle_id``,
    ``starts_on``, ``ends_on``, ``me``; for one plan ``employee_id``, for a page
    ``ids``):
    building a statement of this size and its cache key costs more than running
    it on a team's rows.
    """
    where = [
        Scorecard.tenant_id == bindparam("tenant_id"),
        Scorecard.cycle_id == bindparam("cycle_id"),
        scope_condition(
            scope, Scorecard.employee_id, me=bindparam("me"), tenant_id=bindparam("tenant_id")
        ),
    ]
    if narrow == "employee":
        where.append(Scorecard.employee_id == bindparam("employee_id"))
    elif narrow == "page":
        where.append(Scorecard.id.in_(bindparam("ids", expanding=True)))
    plans = (
        select(
            Scorecard.id,
            Scorecard.employee_id,
            Scorecard.status,
            Scorecard.revision,
            Scorecard.employee_signed_at,
            Scorecard.manager_signed_at,
            Scorecard.scoring_ref,
            Employee.name,
            Employee.employee_no,
            Employee.org_unit_id,
            ScorecardItem.id,
            ScorecardItem.key,
            ScorecardItem.title,
            ScorecardItem.titles,
            ScorecardItem.library_ref,
            ScorecardItem.indicator_key,
            ScorecardItem.goal_id,
            ScorecardItem.unit,
            ScorecardItem.direction,
            ScorecardItem.aggregation,
            # only the source's type is shown: extract it in SQL, not the whole document
            ScorecardItem.source["type"].as_string(),
            ScorecardItem.target,
            ScorecardItem.weight,
            ScorecardItem.thresholds,
            ScorecardItem.target_base,
            Actual.value,
            Actual.source,
            Actual.error,
            Actual.provenance,
        )
        .join(Employee, Employee.id == Scorecard.employee_id)
        .outerjoin(ScorecardItem, ScorecardItem.scorecard_id == Scorecard.id)
        .outerjoin(
            Actual,
            and_(
                Actual.item_id == ScorecardItem.id,
                Actual.period_start == bindparam("starts_on"),
                Actual.period_end == bindparam("ends_on"),
            ),
        )
        .where(*where)
        .order_by(Employee.employee_no, ScorecardItem.position)
    )
    tasks = (
        select(
            ActionTask.id,
            ActionTask.item_id,
            ActionTask.title,
            ActionTask.owner_id,
            ActionTask.due_on,
            ActionTask.status,
            ActionTask.titles,
        )
        .join(ScorecardItem, ScorecardItem.id == ActionTask.item_id)
        .join(Scorecard, Scorecard.id == ScorecardItem.scorecard_id)
        .where(*where)
        .order_by(ActionTask.id)
    )
    return plans, tasks


#: Which plans of the cycle a read takes: all in scope, one employee's, a page's ids.
Narrow = Literal["all", "employee", "page"]
_STATEMENTS: dict[tuple[Scope, Narrow], tuple[Executable, Executable]] = {}


async def _read(
    session: AsyncSession,
    caller: Caller,
    cycle: Cycle,
    today: dt.date | None,
    *,
    employee_id: int | None = None,
    ids: Sequence[int] | None = None,
) -> list[ScorecardView]:
    scope = caller.require(Permission.SCORECARD_READ)
    if scope is not Scope.TENANT and caller.employee_id is None:
        return []  # an account without an employee record reaches nobody below tenant scope
    expected = expected_progress(cycle.starts_on, cycle.ends_on, today or dt.date.today())
    params: dict[str, object] = {
        "tenant_id": caller.tenant_id,
        "cycle_id": cycle.id,
        "starts_on": cycle.starts_on,
        "ends_on": cycle.ends_on,
        "me": caller.employee_id or 0,
    }
    narrow: Narrow = "all"
    if employee_id is not None:
        narrow, params["employee_id"] = "employee", employee_id
    elif ids is not None:
        narrow, params["ids"] = "page", list(ids)
    key = (scope, narrow)
    statements = _STATEMENTS.get(key) or _STATEMENTS.setdefault(key, _plan_statements(*key))
    # Core execution (no ORM row loading): plain rows, unpacked by position below.
    connection = await session.connection()
    rows = (await connection.execute(statements[0], params)).all()
    tasks: dict[int, list[TaskView]] = {}
    if any(row[10] is not None for row in rows):  # some plan has items
        for task in await connection.execute(statements[1], params):
            task_id, item_id, title, owner_id, due_on, status, titles = task
            tasks.setdefault(item_id, []).append(
                TaskView(task_id, item_id, title, owner_id, due_on, status,
                         Titles.of(titles, title))
            )  # fmt: skip
    cards: dict[int, ScorecardView] = {}
    inputs: dict[int, list[dict[str, object]]] = {}
    card: ScorecardView | None = None
    # Rows unpacked by position: reading a Row's attributes by name costs more
    # than everything else done per item.
    for (
        card_id, card_employee_id, status, revision, employee_signed_at, manager_signed_at,
        scoring_ref, name, employee_no, org_unit_id,
        item_id, key, title, titles, library_ref, indicator_key, goal_id, unit, direction,
        aggregation, source_type, target, weight, thresholds, target_base, actual,
        actual_source, actual_error, provenance,
    ) in rows:  # fmt: skip
        if card is None or card.id != card_id:
            card = cards[card_id] = ScorecardView(
                id=card_id,
                cycle_id=cycle.id,
                employee_id=card_employee_id,
                employee_name=name,
                employee_no=employee_no,
                org_unit_id=org_unit_id,
                status=status,
                revision=revision,
                employee_signed_at=employee_signed_at,
                manager_signed_at=manager_signed_at,
                scoring_ref=scoring_ref,
            )
            inputs[card_id] = []
        if item_id is None:
            continue
        inputs[card_id].append(
            {
                "key": key,
                "actual": actual,
                "target": target,
                "direction": direction,
                "weight": weight,
                "params": thresholds,
            }
        )
        card.items.append(
            ItemView(
                id=item_id,
                key=key,
                title=title,
                titles=Titles.of(titles, title),
                library_ref=library_ref,
                indicator_key=indicator_key,
                goal_id=goal_id,
                unit=unit,
                direction=direction,
                aggregation=aggregation,
                source_type=source_type or "manual",
                target=target,
                weight=weight,
                actual=actual,
                actual_source=actual_source,
                actual_error=actual_error,
                completion=None,
                score=None,
                expected_progress=expected,
                behind=False,
                tasks=tasks.get(item_id, []),
                target_base=TargetBase.of(target_base),
                actual_provenance=Provenance.of(provenance) if provenance is not None else None,
            )
        )
    schemes = await plan_schemes(
        session, cycle, [(c.id, c.org_unit_id, c.scoring_ref) for c in cards.values()]
    )
    for card in cards.values():
        _score(card, schemes[card.id], inputs[card.id], expected)
    return list(cards.values())


def _score(
    card: ScorecardView, scheme: ScoringScheme, items: list[dict[str, object]], expected: float
) -> None:
    """The plan's numbers, from its scoring template (the one engine path)."""
    result = score_scorecard(scheme, items)
    for view, (completion, score) in zip(card.items, result.scores, strict=True):
        view.completion = _number(completion)
        view.score = _number(score)
        view.behind = is_behind(
            view.completion, expected, cumulative=is_cumulative(view.aggregation, view.direction)
        )
    card.completion = _number(result.completion)
    # the KPI part is shown once every item has a score (during the cycle a missing
    # actual would otherwise read as a low score)
    card.score = _number(result.kpi) if card.items and not result.unscored else None
    card.total = _number(result.total)
    card.rating = result.rating if isinstance(result.rating, str) else None
    card.multiplier = _number(result.multiplier)


async def get_scorecard(
    session: AsyncSession,
    caller: Caller,
    employee_id: int,
    cycle_id: int,
    *,
    today: dt.date | None = None,
) -> ScorecardView | None:
    """One employee's plan with progress, or None when missing or out of scope."""
    cycle = await get_cycle(session, caller, cycle_id)
    cards = await _read(session, caller, cycle, today, employee_id=employee_id)
    return cards[0] if cards else None


async def team_scorecards(
    session: AsyncSession, caller: Caller, cycle_id: int, *, today: dt.date | None = None
) -> list[ScorecardView]:
    """Every plan of the cycle the caller may read (a manager: their team), by
    employee number. For a list a client reads, :func:`team_scorecard_page`."""
    cycle = await get_cycle(session, caller, cycle_id)
    return await _read(session, caller, cycle, today)


async def team_scorecard_page(
    session: AsyncSession,
    caller: Caller,
    cycle_id: int,
    *,
    first: int | None = None,
    after: str | None = None,
    page_cap: int = DEFAULT_PAGE_CAP,
    today: dt.date | None = None,
    count: bool = True,
) -> Page[ScorecardView]:
    """One page of :func:`team_scorecards`, by employee number: the page's plan
    ids first (keyset), then the same plan and task statements for those ids.
    Without ``count`` the page carries no total, and costs the same at any size."""
    scope = caller.require(Permission.SCORECARD_READ)
    cycle = await get_cycle(session, caller, cycle_id)
    reaches = scope is Scope.TENANT or caller.employee_id is not None
    page = await keyset_page(
        session,
        select(Scorecard.id)
        .join(Employee, Employee.id == Scorecard.employee_id)
        .where(
            Scorecard.tenant_id == caller.tenant_id,
            Scorecard.cycle_id == cycle.id,
            # lets the planner walk the (tenant, employee number) index in page order
            # instead of sorting every employee of the company
            Employee.tenant_id == caller.tenant_id,
            employees_in_scope(caller, scope, Scorecard.employee_id) if reaches else false(),
        ),
        (Employee.employee_no, Scorecard.id),
        first=first,
        after=after,
        cap=page_cap,
        what="scorecard",
        count=count,
    )
    views = await _read(session, caller, cycle, today, ids=page.items) if page.items else []
    return replace(page, items=views)


async def scorecards_by_id(
    session: AsyncSession,
    caller: Caller,
    cycle_id: int,
    ids: Sequence[int],
    *,
    today: dt.date | None = None,
) -> list[ScorecardView]:
    """The plans of the cycle with these ids that the caller may read, by employee
    number: what a mutation changed, read back without reading anyone else's plan.
    The ids are read in chunks (``perfloop.store.core.chunked``), so no statement
    grows with the number of plans."""
    cycle = await get_cycle(session, caller, cycle_id)
    views: list[ScorecardView] = []
    for chunk in chunked(sorted(set(ids))):
        views.extend(await _read(session, caller, cycle, today, ids=chunk))
    return sorted(views, key=lambda v: (v.employee_no, v.id))


__all__ = [
    "ItemView",
    "ScorecardView",
    "TaskView",
    "Titles",
    "get_scorecard",
    "scorecards_by_id",
    "team_scorecard_page",
    "team_scorecards",
]
