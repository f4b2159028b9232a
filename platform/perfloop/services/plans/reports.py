"""Plan aggregates for dashboards: items of a cycle grouped by org unit,
indicator and/or period, over the plans the caller may report on.

One set-based query fetches the items with their actuals; each item's
completion comes from its plan's scoring template (``engine.score_items``, the
item stage of the one scoring path), the behind flag from the engine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, select

from perfloop.authz import Permission
from perfloop.engine import expected_progress, is_behind, is_cumulative, score_items
from perfloop.services.core.pagination import DEFAULT_PAGE_CAP, Page, check_page, page_of
from perfloop.services.core.scopes import employees_in_scope
from perfloop.services.plans.common import get_cycle, in_cycle_period, invalid, plan_schemes
from perfloop.store.org import Employee
from perfloop.store.plans import Actual, Scorecard, ScorecardItem

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.engine import ScoringScheme
    from perfloop.services.core.caller import Caller

DIMENSIONS = ("org_unit", "indicator", "period")


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
    _people: set[int] = field(default_factory=set, repr=False)
    _weighted: list[tuple[float, float]] = field(default_factory=list, repr=False)


def _add(total: float | None, value: float | None) -> float | None:
    if value is None:
        return total
    return (total or 0.0) + value


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

    The rows are grouped from every item in scope (completion and the behind
    flag come from the engine, per item), then paged: a page costs the whole
    report's query, and its rows are in the same stable order on every page.
    """
    scope = caller.require(Permission.REPORT_READ)
    unknown = [d for d in group_by if d not in DIMENSIONS]
    if unknown:
        raise invalid(f"group by one of {', '.join(DIMENSIONS)}", ("groupBy",))
    check_page(first, after, _ROW_KEY_TYPES, cap=page_cap, what="report row")  # before the work
    cycle = await get_cycle(session, caller, cycle_id)
    by_period = "period" in group_by
    on = [Actual.item_id == ScorecardItem.id]
    if not by_period:
        on.append(in_cycle_period(cycle))
    rows = (
        await session.execute(
            select(
                Scorecard.id,
                Scorecard.scoring_ref,
                ScorecardItem.thresholds,
                Scorecard.employee_id,
                Employee.org_unit_id,
                ScorecardItem.indicator_key,
                ScorecardItem.key,
                ScorecardItem.direction,
                ScorecardItem.aggregation,
                ScorecardItem.target,
                ScorecardItem.weight,
                Actual.value,
                Actual.period_start,
                Actual.period_end,
            )
            .join(Scorecard, Scorecard.id == ScorecardItem.scorecard_id)
            .join(Employee, Employee.id == Scorecard.employee_id)
            .outerjoin(Actual, and_(*on))
            .where(
                Scorecard.tenant_id == caller.tenant_id,
                Scorecard.cycle_id == cycle.id,
                employees_in_scope(caller, scope, Scorecard.employee_id),
            )
        )
    ).all()
    expected = expected_progress(cycle.starts_on, cycle.ends_on, today or dt.date.today())
    schemes = await plan_schemes(
        session, cycle, {(r.id, r.org_unit_id, r.scoring_ref) for r in rows}
    )
    groups: dict[tuple[object, ...], ReportRow] = {}
    for r in rows:
        period = (
            f"{r.period_start.isoformat()}/{r.period_end.isoformat()}"
            if by_period and r.period_start is not None
            else None
        )
        indicator = r.indicator_key or r.key
        key = (
            r.org_unit_id if "org_unit" in group_by else None,
            indicator if "indicator" in group_by else None,
            period,
        )
        row = groups.get(key)
        if row is None:
            row = groups[key] = ReportRow(
                org_unit_id=key[0],
                indicator_key=key[1],
                period=period,
            )
        done = _completion(schemes[r.id], r)
        cumulative = is_cumulative(r.aggregation, r.direction)
        row.items += 1
        row._people.add(r.employee_id)
        row.target = _add(row.target, r.target)
        row.actual = _add(row.actual, r.value)
        if done is not None:
            row._weighted.append((r.weight, done))
        if is_behind(done, expected, cumulative=cumulative):
            row.behind += 1
    for row in groups.values():
        row.people = len(row._people)
        weights = sum(w for w, _ in row._weighted)
        row.completion = (
            sum(w * c for w, c in row._weighted) / weights if row._weighted and weights else None
        )
    return page_of(
        list(groups.values()),
        _row_key,
        _ROW_KEY_TYPES,
        first=first,
        after=after,
        cap=page_cap,
        what="report row",
    )


_ROW_KEY_TYPES = (int, str, str)


def _completion(scheme: ScoringScheme, r: Any) -> float | None:
    """The item's completion by its plan's scoring template (None: no value)."""
    (scored,) = score_items(
        scheme,
        [
            {
                "key": r.key,
                "actual": r.value,
                "target": r.target,
                "direction": r.direction,
                "weight": r.weight,
                "params": r.thresholds,
            }
        ],
    )
    done = scored["completion"]
    return done if done.__class__ is float or done.__class__ is int else None


def _row_key(row: ReportRow) -> tuple[int, str, str]:
    """Where a row sorts; unique, as unit ids are positive and keys not empty."""
    return (row.org_unit_id or 0, row.indicator_key or "", row.period or "")


__all__ = ["DIMENSIONS", "ReportRow", "plan_report"]
