"""Plan aggregates for dashboards: items of a cycle grouped by org unit,
indicator and/or period, over the plans the caller may report on.

A page costs the page, not the report:

- The groups are formed in SQL (``GROUP BY`` the requested dimensions) and paged
  by keyset (``keyset_page``, the project's one pager): one statement gives the
  page's group keys, their item and people counts and the total number of groups.
- Each item's completion comes from its plan's scoring template
  (``engine.score_items``, the item stage of the one scoring path), the behind
  flag from the engine. Only the page's groups' rows are read for
  them, streamed (``yield_per``) into one running total per group, so memory
  follows the page, never the number of plans. The sums of targets and actuals
  are added there too, in Python, so their numbers are the ones the report always
  gave (SQLite's ``SUM`` of reals rounds differently).

Grouped by period, the cycle's own period and the periods inside it (a month of a
quarter) are separate rows that never mix: a row of the cycle's period is scored
against the items' targets, which are the cycle's; a row of another period shows its
items and the sum of their actuals but no target, completion or behind flag — a
plan item has no target for a month, and scoring a month against the quarter's
target would read as failing (``whole_cycle`` says which a row is).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import String, and_, cast, distinct, func, literal_column, select, tuple_

from perfloop.authz import Permission
from perfloop.engine import expected_progress, is_behind, is_cumulative, score_items
from perfloop.services.core.pagination import DEFAULT_PAGE_CAP, Page, check_page, keyset_page
from perfloop.services.core.scopes import employees_in_scope
from perfloop.services.plans.common import get_cycle, in_cycle_period, invalid, plan_schemes
from perfloop.services.plans.periods import period_before
from perfloop.services.plans.reads import Titles
from perfloop.store.org import Employee
from perfloop.store.plans import Actual, Scorecard, ScorecardItem

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.authz import Scope
    from perfloop.engine import ScoringScheme
    from perfloop.services.core.caller import Caller
    from perfloop.store.cycles import Cycle

DIMENSIONS = ("org_unit", "indicator", "period")
#: rows of the page's groups read from the database at a time
STREAM_CHUNK = 1_000


@dataclass
class ReportRow:
    org_unit_id: int | None
    indicator_key: str | None
    period: str | None
    people: int = 0
    items: int = 0
    target: float | None = None
    actual: float | None = None
    completion: float | None = None
    behind: int = 0
    #: grouped by period: True for the cycle's own period, False for a part of it (a
    #: month of a quarter) or another period, None for items without an actual
    whole_cycle: bool | None = None
    #: the same group in the period compared with (``compare_with``), when it has one
    previous: PreviousRow | None = None
    #: the weights of the items with a completion (what ``completion`` averages over):
    #: rows of one report combine into their weighted average with it
    scored_weight: float = 0.0
    #: grouped by indicator: the indicator's title in each language (its first item's)
    titles: Titles | None = None


@dataclass(frozen=True)
class PreviousRow:
    """A report row's group in an earlier cycle, by the same rules."""

    cycle_id: int
    period: str
    people: int
    items: int
    target: float | None
    actual: float | None
    completion: float | None
    #: this row's completion minus the earlier one (None when either has none)
    completion_delta: float | None


@dataclass
class _Running:
    """One group's running totals while its rows stream by."""

    target: float | None = None
    actual: float | None = None
    weights: float = 0.0
    weighted: float = 0.0
    completed: int = 0
    behind: int = 0


def _add(total: float | None, value: float | None) -> float | None:
    if value is None:
        return total
    return (total or 0.0) + value


def _day(column: Any, dialect: str) -> ColumnElement[str]:
    """A date as ISO text (``2026-01-31``), without bound parameters: the expression
    is repeated in GROUP BY, where PostgreSQL matches it by its text."""
    if dialect == "postgresql":
        return func.to_char(column, literal_column("'YYYY-MM-DD'"), type_=String)
    return cast(column, String)  # SQLite stores dates as ISO text


def _indicator() -> ColumnElement[str]:
    """An item's indicator as the report names it: its indicator key, else its own key
    (as before: "" is none)."""
    return func.coalesce(
        func.nullif(ScorecardItem.indicator_key, literal_column("''")),
        ScorecardItem.key,
        type_=String,
    )


def _keys(dimensions: Sequence[str], dialect: str) -> list[ColumnElement[Any]]:
    """The group key columns, in the report's order (org unit id, indicator key,
    period), each not null; text compared by code point on both databases."""
    keys: list[ColumnElement[Any]] = []
    if "org_unit" in dimensions:
        keys.append(Employee.org_unit_id.expression)
    text: list[ColumnElement[Any]] = []
    if "indicator" in dimensions:
        text.append(_indicator())
    if "period" in dimensions:  # "start/end", "" for an item without an actual
        span = _day(Actual.period_start, dialect).op("||", return_type=String)(
            literal_column("'/'")
        )
        span = span.op("||", return_type=String)(_day(Actual.period_end, dialect))
        text.append(func.coalesce(span, literal_column("''"), type_=String))
    if dialect == "postgresql":  # the database's collation would order "a_b" after "ab"
        text = [t.collate("C") for t in text]
    keys += text
    # no dimension: the whole cycle is one group (its id is the key)
    return keys or [Scorecard.cycle_id.expression]


async def plan_report(
    session: AsyncSession,
    caller: Caller,
    cycle_id: int,
    group_by: Sequence[str],
    *,
    first: int | None = None,
    after: str | None = None,
    page_cap: int = DEFAULT_PAGE_CAP,
    today: dt.date | None = None,
    compare_with: str | None = None,
) -> Page[ReportRow]:
    """One page of the report's rows, by org unit id, indicator key, then period.

    The groups are formed and paged in SQL; completion and the behind flag come from
    the engine, per item, over the page's groups' rows only (streamed). Rows are in
    the same stable order on every page. ``compare_with`` (``previous`` or ``year_ago``)
    adds each row's same group in that cycle (``periods.period_before``) as ``previous``.
    """
    scope = caller.require(Permission.REPORT_READ)
    unknown = [d for d in group_by if d not in DIMENSIONS]
    if unknown:
        raise invalid(f"group by one of {', '.join(DIMENSIONS)}", ("groupBy",))
    dimensions = [d for d in DIMENSIONS if d in group_by]
    # before the work (the pager checks the cursor again against its columns)
    key_types = [int if d == "org_unit" else str for d in dimensions] or [int]
    check_page(first, after, key_types, cap=page_cap, what="report row")
    cycle = await get_cycle(session, caller, cycle_id)
    if compare_with is not None and "period" in dimensions:
        raise invalid(
            "compareWith compares whole cycles: leave PERIOD out of groupBy", ("compareWith",)
        )
    keys = _keys(dimensions, session.get_bind().dialect.name)
    rows_of = _rows_of(caller, scope, cycle, by_period="period" in dimensions)
    groups = rows_of(*keys, func.count(), func.count(distinct(Scorecard.employee_id))).group_by(
        *keys
    )
    page = await keyset_page(
        session, groups, keys, first=first, after=after, cap=page_cap, what="report row"
    )
    width = len(keys)
    whole = _span(cycle)
    found: dict[tuple[Any, ...], ReportRow] = {}
    for values in page.items:
        key = tuple(values[:width])
        found[key] = _row(
            dimensions, key, items=values[width], people=values[width + 1], whole=whole
        )
    today = today or dt.date.today()
    await _fill(session, cycle, rows_of, keys, found, today)
    await _titles(session, rows_of, found)
    if compare_with is not None and found:
        base = await period_before(session, cycle, compare_with)
        if base is not None:
            await _compare(session, caller, scope, base, dimensions, keys, found, today)
    return Page(
        items=list(found.values()),
        cursors=page.cursors,
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
        total_count=page.total_count,
    )


def _span(cycle: Cycle) -> str:
    return f"{cycle.starts_on.isoformat()}/{cycle.ends_on.isoformat()}"


def _rows_of(
    caller: Caller,
    scope: Scope,
    cycle: Cycle,
    *,
    by_period: bool,
    narrow: Sequence[ColumnElement[bool]] = (),
) -> Any:
    """A statement factory: the cycle's items in the caller's scope (and ``narrow``),
    with their actuals (all periods when grouping by period, else the cycle's own)."""
    on = [Actual.item_id == ScorecardItem.id]
    if not by_period:
        on.append(in_cycle_period(cycle))
    where = and_(
        Scorecard.tenant_id == caller.tenant_id,
        Scorecard.cycle_id == cycle.id,
        employees_in_scope(caller, scope, Scorecard.employee_id),
        *narrow,
    )

    def rows_of(*columns: Any) -> Any:
        return (
            select(*columns)
            .select_from(ScorecardItem)
            .join(Scorecard, Scorecard.id == ScorecardItem.scorecard_id)
            .join(Employee, Employee.id == Scorecard.employee_id)
            .outerjoin(Actual, and_(*on))
            .where(where)
        )

    return rows_of


def item_subject(indicator: str) -> ColumnElement[bool]:
    """Items of an indicator, as the report names them: the indicator key, else the
    item's own key."""
    return _indicator() == indicator


async def plan_groups(
    session: AsyncSession,
    caller: Caller,
    cycle: Cycle,
    group_by: Sequence[str] = (),
    narrow: Sequence[ColumnElement[bool]] = (),
    *,
    limit: int = DEFAULT_PAGE_CAP,
    today: dt.date | None = None,
) -> list[ReportRow]:
    """The cycle's items in the caller's ``report.read`` scope and ``narrow`` (conditions
    on ``Employee``, ``Scorecard`` or ``ScorecardItem``: a person, an org unit's subtree,
    an indicator), grouped by ``group_by`` (org unit and/or indicator; none: one row),
    by the report's rules: the people and items, the sums of targets and actuals, the
    weight-averaged template item completion, the behind count. The first ``limit``
    groups in the report's order; two statements and the stream of their rows."""
    scope = caller.require(Permission.REPORT_READ)
    dimensions = [d for d in DIMENSIONS if d in group_by and d != "period"]
    rows_of = _rows_of(caller, scope, cycle, by_period=False, narrow=narrow)
    keys = _keys(dimensions, session.get_bind().dialect.name)
    counted = await session.execute(
        rows_of(*keys, func.count(), func.count(distinct(Scorecard.employee_id)))
        .group_by(*keys)
        .order_by(*keys)
        .limit(limit)
    )
    width = len(keys)
    found: dict[tuple[Any, ...], ReportRow] = {}
    for values in counted.all():
        key = tuple(values[:width])
        found[key] = _row(dimensions, key, items=values[width], people=values[width + 1], whole="")
    await _fill(session, cycle, rows_of, keys, found, today or dt.date.today())
    await _titles(session, rows_of, found)
    return list(found.values())


async def plan_count(
    session: AsyncSession,
    caller: Caller,
    cycle: Cycle,
    narrow: Sequence[ColumnElement[bool]] = (),
) -> tuple[int, int]:
    """How many people and items :func:`plan_totals` would read (one statement)."""
    scope = caller.require(Permission.REPORT_READ)
    rows_of = _rows_of(caller, scope, cycle, by_period=False, narrow=narrow)
    people, items = (
        await session.execute(rows_of(func.count(distinct(Scorecard.employee_id)), func.count()))
    ).one()
    return int(people), int(items)


async def plan_totals(
    session: AsyncSession,
    caller: Caller,
    cycle: Cycle,
    narrow: Sequence[ColumnElement[bool]] = (),
    *,
    today: dt.date | None = None,
) -> ReportRow:
    """:func:`plan_groups` as one row (no items: an empty row)."""
    rows = await plan_groups(session, caller, cycle, (), narrow, today=today)
    return rows[0] if rows else ReportRow(None, None, None)


def _chosen(keys: Sequence[ColumnElement[Any]], found: Mapping[tuple[Any, ...], Any]) -> Any:
    if len(keys) == 1:
        return keys[0].in_([k[0] for k in found])
    return tuple_(*keys).in_(list(found))


async def _fill(
    session: AsyncSession,
    cycle: Cycle,
    rows_of: Any,
    keys: Sequence[ColumnElement[Any]],
    found: dict[tuple[Any, ...], ReportRow],
    today: dt.date,
) -> None:
    """The rows' target and actual sums, completion and behind count, streamed over
    the rows of their groups only, each item scored by its plan's template."""
    if not found:
        return
    width = len(keys)
    expected = expected_progress(cycle.starts_on, cycle.ends_on, today)
    running = {key: _Running() for key in found}
    chosen = _chosen(keys, found)
    # the schemes the page's plans are scored by: one per (org unit, template) pair
    pairs = (
        await session.execute(
            rows_of(Employee.org_unit_id, Scorecard.scoring_ref)
            .where(chosen)
            .group_by(Employee.org_unit_id, Scorecard.scoring_ref)
        )
    ).all()
    found_schemes = await plan_schemes(
        session, cycle, {(n, unit, ref) for n, (unit, ref) in enumerate(pairs)}
    )
    schemes = {tuple(pair): found_schemes[n] for n, pair in enumerate(pairs)}
    by_period = any(row.period is not None for row in found.values())
    whole = _span(cycle)
    stream = await session.stream(
        rows_of(
            *keys, ScorecardItem.direction, ScorecardItem.aggregation,
            ScorecardItem.target, ScorecardItem.weight, Actual.value,
            Employee.org_unit_id, Scorecard.scoring_ref, ScorecardItem.key,
            ScorecardItem.thresholds,
        )
        .where(chosen)
        .execution_options(yield_per=STREAM_CHUNK)
    )  # fmt: skip
    buffer: list[Any] = []

    def flush() -> None:
        """Score the buffered rows, a batch per scheme (one engine call each)."""
        by_scheme: dict[tuple[Any, Any], list[Any]] = {}
        for r in buffer:
            by_scheme.setdefault((r[width + 5], r[width + 6]), []).append(r)
        for pair, rows in by_scheme.items():
            scored = _completions(schemes[pair], rows, width)
            for r, done in zip(rows, scored, strict=True):
                total = running[tuple(r[:width])]
                direction, aggregation, target, weight, value = r[width : width + 5]
                total.target = _add(total.target, target)
                total.actual = _add(total.actual, value)
                if done is not None:
                    total.completed += 1
                    total.weights += weight
                    total.weighted += weight * done
                if is_behind(done, expected, cumulative=is_cumulative(aggregation, direction)):
                    total.behind += 1
        buffer.clear()

    # a chunk of rows per await (an ``async for`` per row switches greenlets per row)
    async for part in stream.partitions(STREAM_CHUNK):
        for r in part:
            if by_period and r[width - 1] not in ("", whole):
                total = running[tuple(r[:width])]
                total.actual = _add(total.actual, r[width + 4])  # a part of the cycle
                continue
            buffer.append(r)
        flush()
    for key, row in found.items():
        total = running[key]
        row.target, row.actual, row.behind = total.target, total.actual, total.behind
        row.scored_weight = total.weights if total.completed else 0.0
        row.completion = (
            total.weighted / total.weights if total.completed and total.weights else None
        )


async def _titles(
    session: AsyncSession, rows_of: Any, found: Mapping[tuple[Any, ...], ReportRow]
) -> None:
    """Rows grouped by indicator get its title in each language: the titles of the
    indicator's first item (the lowest id) among the rows' items; two statements."""
    named = {row.indicator_key for row in found.values() if row.indicator_key is not None}
    if not named:
        return
    indicator = _indicator()
    first = (
        await session.execute(
            rows_of(indicator, func.min(ScorecardItem.id))
            .where(indicator.in_(sorted(named)))
            .group_by(indicator)
        )
    ).all()
    by_id = {item_id: key for key, item_id in first}
    titles: dict[str, Titles] = {}
    for item_id, both, title in await session.execute(
        select(ScorecardItem.id, ScorecardItem.titles, ScorecardItem.title).where(
            ScorecardItem.id.in_(list(by_id))
        )
    ):
        titles[by_id[item_id]] = Titles.of(both, title)
    for row in found.values():
        if row.indicator_key is not None:
            row.titles = titles.get(row.indicator_key)


async def _compare(
    session: AsyncSession,
    caller: Caller,
    scope: Scope,
    base: Cycle,
    dimensions: Sequence[str],
    keys: Sequence[ColumnElement[Any]],
    found: dict[tuple[Any, ...], ReportRow],
    today: dt.date,
) -> None:
    """Each row's same group in the ``base`` cycle (its whole period), as ``previous``,
    by the same rules; a group the base cycle does not have gets none."""
    rows_of = _rows_of(caller, scope, base, by_period=False)
    # no dimension: the group's key is the cycle's id
    mapped = {((base.id,) if not dimensions else key): key for key in found}
    counted = await session.execute(
        rows_of(*keys, func.count(), func.count(distinct(Scorecard.employee_id)))
        .where(_chosen(keys, mapped))
        .group_by(*keys)
    )
    width = len(keys)
    before: dict[tuple[Any, ...], ReportRow] = {}
    for values in counted.all():
        key = tuple(values[:width])
        before[key] = _row(
            dimensions, key, items=values[width], people=values[width + 1], whole=_span(base)
        )
    await _fill(session, base, rows_of, keys, before, today)
    for key, row in before.items():
        current = found[mapped[key]]
        current.previous = PreviousRow(
            cycle_id=base.id,
            period=base.period,
            people=row.people,
            items=row.items,
            target=row.target,
            actual=row.actual,
            completion=row.completion,
            completion_delta=(
                current.completion - row.completion
                if current.completion is not None and row.completion is not None
                else None
            ),
        )


def _completions(scheme: ScoringScheme, rows: Sequence[Any], width: int) -> list[float | None]:
    """Each row's item completion by its plan's scoring template (None: no value), the
    rows scored in one call (``engine.score_items``, the item stage of the one path)."""
    scored = score_items(
        scheme,
        [
            {
                "key": r[width + 7],
                "actual": r[width + 4],
                "target": r[width + 2],
                "direction": r[width],
                "weight": r[width + 3],
                "params": r[width + 8],
            }
            for r in rows
        ],
    )
    out: list[float | None] = []
    for item in scored:
        done = item["completion"]
        out.append(done if done.__class__ is float or done.__class__ is int else None)
    return out


def _row(
    dimensions: Sequence[str], key: tuple[Any, ...], *, items: int, people: int, whole: str
) -> ReportRow:
    """A report row with its group key (a dimension not grouped by is None; an item
    without an actual is in the group of no period)."""
    named = dict(zip(dimensions, key, strict=False))
    period = named.get("period") or None
    return ReportRow(
        org_unit_id=named.get("org_unit"),
        indicator_key=named.get("indicator"),
        period=period,
        people=people,
        items=items,
        whole_cycle=None if period is None else period == whole,
    )


__all__ = [
    "DIMENSIONS",
    "PreviousRow",
    "ReportRow",
    "item_subject",
    "plan_count",
    "plan_groups",
    "plan_report",
    "plan_totals",
]
