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
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import String, and_, cast, distinct, func, literal_column, select, tuple_

from perfloop.authz import Permission
from perfloop.engine import expected_progress, is_behind, is_cumulative, score_items
from perfloop.services.core.pagination import DEFAULT_PAGE_CAP, Page, check_page, keyset_page
from perfloop.services.core.scopes import employees_in_scope
from perfloop.services.plans.common import get_cycle, in_cycle_period, invalid, plan_schemes
from perfloop.store.org import Employee
from perfloop.store.plans import Actual, Scorecard, ScorecardItem

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.engine import ScoringScheme
    from perfloop.services.core.caller import Caller

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


def _keys(dimensions: Sequence[str], dialect: str) -> list[ColumnElement[Any]]:
    """The group key columns, in the report's order (org unit id, indicator key,
    period), each not null; text compared by code point on both databases."""
    keys: list[ColumnElement[Any]] = []
    if "org_unit" in dimensions:
        keys.append(Employee.org_unit_id.expression)
    text: list[ColumnElement[Any]] = []
    if "indicator" in dimensions:  # the item's indicator, else its key (as before: "" is none)
        text.append(
            func.coalesce(
                func.nullif(ScorecardItem.indicator_key, literal_column("''")),
                ScorecardItem.key,
                type_=String,
            )
        )
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
) -> Page[ReportRow]:
    """One page of the report's rows, by org unit id, indicator key, then period.

    The groups are formed and paged in SQL; completion and the behind flag come from
    the engine, per item, over the page's groups' rows only (streamed). Rows are in
    the same stable order on every page.
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
    by_period = "period" in dimensions
    on = [Actual.item_id == ScorecardItem.id]
    if not by_period:
        on.append(in_cycle_period(cycle))
    where = and_(
        Scorecard.tenant_id == caller.tenant_id,
        Scorecard.cycle_id == cycle.id,
        employees_in_scope(caller, scope, Scorecard.employee_id),
    )
    keys = _keys(dimensions, session.get_bind().dialect.name)

    def rows_of(*columns: Any) -> Any:
        return (
            select(*columns)
            .select_from(ScorecardItem)
            .join(Scorecard, Scorecard.id == ScorecardItem.scorecard_id)
            .join(Employee, Employee.id == Scorecard.employee_id)
            .outerjoin(Actual, and_(*on))
            .where(where)
        )

    groups = rows_of(*keys, func.count(), func.count(distinct(Scorecard.employee_id))).group_by(
        *keys
    )
    page = await keyset_page(
        session, groups, keys, first=first, after=after, cap=page_cap, what="report row"
    )
    width = len(keys)
    found: dict[tuple[Any, ...], ReportRow] = {}
    for values in page.items:
        key = tuple(values[:width])
        found[key] = _row(dimensions, key, items=values[width], people=values[width + 1])
    if found:
        expected = expected_progress(cycle.starts_on, cycle.ends_on, today or dt.date.today())
        running = {key: _Running() for key in found}
        chosen = keys[0].in_([k[0] for k in found]) if width == 1 else tuple_(*keys).in_(found)
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
        async for r in stream:
            total = running[tuple(r[:width])]
            direction, aggregation, target, weight, value, unit, ref, key, thresholds = r[width:]
            done = _completion(
                schemes[(unit, ref)], key, value, target, direction, weight, thresholds
            )
            total.target = _add(total.target, target)
            total.actual = _add(total.actual, value)
            if done is not None:
                total.completed += 1
                total.weights += weight
                total.weighted += weight * done
            if is_behind(done, expected, cumulative=is_cumulative(aggregation, direction)):
                total.behind += 1
        for key, row in found.items():
            total = running[key]
            row.target, row.actual, row.behind = total.target, total.actual, total.behind
            row.completion = (
                total.weighted / total.weights if total.completed and total.weights else None
            )
    return Page(
        items=list(found.values()),
        cursors=page.cursors,
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
        total_count=page.total_count,
    )


def _completion(
    scheme: ScoringScheme,
    key: str,
    actual: float | None,
    target: float | None,
    direction: str,
    weight: float,
    thresholds: Any,
) -> float | None:
    """The item's completion by its plan's scoring template (None: no value)."""
    (scored,) = score_items(
        scheme,
        [
            {
                "key": key,
                "actual": actual,
                "target": target,
                "direction": direction,
                "weight": weight,
                "params": thresholds,
            }
        ],
    )
    done = scored["completion"]
    return done if done.__class__ is float or done.__class__ is int else None


def _row(dimensions: Sequence[str], key: tuple[Any, ...], *, items: int, people: int) -> ReportRow:
    """A report row with its group key (a dimension not grouped by is None; an item
    without an actual is in the group of no period)."""
    named = dict(zip(dimensions, key, strict=False))
    return ReportRow(
        org_unit_id=named.get("org_unit"),
        indicator_key=named.get("indicator"),
        period=named.get("period") or None,
        people=people,
        items=items,
    )


__all__ = ["DIMENSIONS", "ReportRow", "plan_report"]
