"""The dates a metric covers (:class:`Period`) and the datasets it reads (:class:`Reads`)."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

History = Literal["period", "previous", "all"]
_HISTORIES = ("period", "previous", "all")
_DATASET = re.compile(r"^[a-z][a-z0-9-]*(@[1-9][0-9]*)?$")


class PluginDefinitionError(ValueError):
    """A plugin, metric or dataset read declared wrongly (the message says which)."""


@dataclass(frozen=True)
class Period:
    """The dates a computation covers, both inclusive."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"a period ends on or after its start ({self.start}..{self.end})")

    def __contains__(self, day: object) -> bool:
        if isinstance(day, dt.datetime):
            day = day.date()
        return isinstance(day, dt.date) and self.start <= day <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before: whole calendar months when this
        one is whole months (a quarter's previous is the quarter before), else the
        same number of days."""
        months = _whole_months(self)
        if months:
            end = self.start - dt.timedelta(days=1)
            year, month = end.year, end.month - months + 1
            while month < 1:
                year, month = year - 1, month + 12
            return Period(dt.date(year, month, 1), end)
        return Period(self.start - dt.timedelta(days=self.days), self.start - dt.timedelta(days=1))


def _whole_months(period: Period) -> int:
    last = calendar.monthrange(period.end.year, period.end.month)[1]
    if period.start.day != 1 or period.end.day != last:
        return 0
    return (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1


@dataclass(frozen=True)
class Reads:
    """A dataset a metric reads, by key (records of every version) or ``key@version``.

    ``history`` says which of its records, always only those of the subjects asked for:
    ``period`` — dated in the period; ``previous`` — dated in the period or the one
    before it (:meth:`Period.previous`), for growth; ``all`` — dated up to the period's
    end, for stocks such as the customers someone holds."""

    dataset: str
    history: History = "period"

    def __post_init__(self) -> None:
        if not isinstance(self.dataset, str) or not _DATASET.match(self.dataset):
            raise PluginDefinitionError(f"Reads({self.dataset!r}): a dataset key or key@version")
        if self.history not in _HISTORIES:
            raise PluginDefinitionError(
                f"Reads({self.dataset!r}): history is one of {', '.join(_HISTORIES)}"
            )

    @property
    def key(self) -> str:
        """The dataset's key without a version."""
        return self.dataset.split("@", 1)[0]

    def window(self, period: Period) -> tuple[dt.date | None, dt.date]:
        """The record dates read for ``period`` (None: from the first record)."""
        if self.history == "previous":
            return period.previous().start, period.end
        if self.history == "all":
            return None, period.end
        return period.start, period.end
