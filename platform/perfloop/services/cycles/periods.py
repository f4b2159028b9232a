"""Periods (``2026-11``, ``2026-Q4``, ``2026-H2``, ``2026``) and the stages and
due dates a `cycle` template gives a period.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    pass


PERIOD_KINDS: Final = ("month", "quarter", "half-year", "year")
_MONTHS_IN: Final = {"month": 1, "quarter": 3, "half-year": 6, "year": 12}
_PERIOD = re.compile(r"^(\d{4})(?:-(?:Q([1-4])|H([12])|(0[1-9]|1[0-2])))?$")


@dataclass(frozen=True)
class Period:
    kind: str
    label: str
    starts_on: dt.date
    ends_on: dt.date


def _month_range(year: int, first_month: int, months: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, first_month, 1)
    after = first_month + months
    end = dt.date(year + (after - 1) // 12, (after - 1) % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


def parse_period(text: str) -> Period | None:
    """``2026-11``, ``2026-Q4``, ``2026-H2``, ``2026`` -> kind, label and dates; else None."""
    match = _PERIOD.match(text.strip())
    if match is None:
        return None
    year = int(match.group(1))
    if year < 1900:
        return None
    quarter, half, month = match.group(2), match.group(3), match.group(4)
    if quarter:
        kind, label, first = "quarter", f"{year}-Q{quarter}", 3 * int(quarter) - 2
    elif half:
        kind, label, first = "half-year", f"{year}-H{half}", 6 * int(half) - 5
    elif month:
        kind, label, first = "month", f"{year}-{month}", int(month)
    else:
        kind, label, first = "year", str(year), 1
    start, end = _month_range(year, first, _MONTHS_IN[kind])
    return Period(kind, label, start, end)


def period_containing(kind: str, day: dt.date) -> Period:
    """The period of ``kind`` that contains ``day``."""
    labels = {
        "year": str(day.year),
        "half-year": f"{day.year}-H{(day.month - 1) // 6 + 1}",
        "quarter": f"{day.year}-Q{(day.month - 1) // 3 + 1}",
        "month": f"{day.year}-{day.month:02d}",
    }
    found = parse_period(labels[kind])
    assert found is not None
    return found


def sub_periods(summary: Period, kind: str) -> list[Period]:
    """The periods of ``kind`` that make up ``summary`` (the four quarters of a year)."""
    out: list[Period] = []
    day = summary.starts_on
    while day <= summary.ends_on:
        period = period_containing(kind, day)
        out.append(period)
        day = period.ends_on + dt.timedelta(days=1)
    return out


SUMMARY_PHASES: Final = frozenset(
    {"evaluation", "calibration", "results", "appeal", "improvement", "closed"}
)
PERIODS_STAGE: Final = "periods"
PERIODS_GUARD: Final[Mapping[str, Any]] = {
    "key": "periods-closed",
    "check": "periods-closed",
    "message": {
        "zh-CN": "汇总期内仍有周期未开启或未关闭。",
        "en": "Every period of the summary must be opened and closed first.",
    },
    "override": {"roles": ["hr"], "reasonRequired": True},
}


def stages_of(template: Mapping[str, Any], summary: bool) -> list[dict[str, Any]]:
    """The stages a cycle runs, in order (a summary cycle's start with ``periods``)."""
    stages = [dict(s) for s in template["stages"]]
    if not summary:
        return stages
    kept = [s for s in stages if s["phase"] in SUMMARY_PHASES]
    if kept:
        kept[0] = {**kept[0], "guards": [*kept[0].get("guards", []), PERIODS_GUARD]}
    first: dict[str, Any] = {
        "key": PERIODS_STAGE,
        "title": {"zh-CN": "各期执行", "en": "Periods running"},
        "phase": "execution",
        "deadline": {"anchor": "period-end", "offsetDays": 0},
    }
    return [first, *kept]


def due_on(stage: Mapping[str, Any], period: Period) -> dt.date | None:
    deadline = stage.get("deadline")
    if deadline is None:
        return None
    anchor = period.starts_on if deadline["anchor"] == "period-start" else period.ends_on
    return anchor + dt.timedelta(days=int(deadline["offsetDays"]))
