"""What a metric's ``compute`` is given: the subjects, the period, its parameters and
the records of the datasets it reads (:class:`MetricContext`).

perfloop builds the context from the database; a test builds it from records written
in the test (``perfloop.testing``). Both go through the same filtering here, so a
metric sees the same records in a test as in production: those of the subjects asked
for, dated in the window its :class:`~perfloop.plugins.Reads` asks for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from perfloop.plugins.data import Period, Reads

_OPS = ("sum", "count", "avg", "min", "max")


class PluginUsageError(Exception):
    """A metric asked its context for something it did not declare (a dataset not in
    its ``reads``, say); every subject of the computation gets this message."""


@dataclass(frozen=True)
class Dataset:
    """A dataset's records as a metric sees them, and how they name subject and date."""

    key: str
    subject_field: str
    date_field: str
    records: Sequence[Mapping[str, Any]] = ()
    #: subjects are emails, compared without case
    lowercase_subject: bool = False
    #: the template version the fields come from (``key@version``), when known
    ref: str | None = None


def as_date(value: Any) -> dt.date | None:
    """A record's date (``YYYY-MM-DD``, or a date-time whose first ten characters are
    one), or None when it has none."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and len(value) >= 10:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


@dataclass
class MetricContext:
    """One computation: ``subjects`` (as the datasets name them: emails, employee
    numbers or unit codes), ``period``, ``params`` (already checked against the metric's
    schema), and the datasets of the metric's ``reads``."""

    subjects: tuple[str, ...]
    period: Period
    params: Mapping[str, Any] = field(default_factory=dict)
    datasets: Mapping[str, Dataset] = field(default_factory=dict)
    reads: tuple[Reads, ...] = ()
    #: for formula metrics: each subject's other indicator values, by indicator key
    inputs: Mapping[str, Mapping[str, float | None]] = field(default_factory=dict)
    _seen: dict[str, list[Mapping[str, Any]]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.subjects = tuple(self.subjects)

    def _read(self, dataset: str, *, declared: bool = True) -> tuple[Reads, Dataset]:
        key = dataset.split("@", 1)[0]
        read = next((r for r in self.reads if r.key == key), None)
        if read is None and not declared:
            read = Reads(key)
        if read is None:
            raise PluginUsageError(f"the metric reads {dataset!r} without declaring it in reads")
        found = self.datasets.get(key)
        if found is None:
            raise PluginUsageError(f"dataset {dataset!r} is not available")
        return read, found

    def dataset(self, dataset: str) -> Dataset:
        """The dataset (key or ``key@version``) with all its records given."""
        return self._read(dataset)[1]

    def subject_of(self, dataset: str, record: Mapping[str, Any]) -> str | None:
        """The subject a record of ``dataset`` is about, as ``subjects`` name it."""
        found = self.dataset(dataset)
        value = record.get(found.subject_field)
        if value is None:
            return None
        return str(value).lower() if found.lowercase_subject else str(value)

    def date_of(self, dataset: str, record: Mapping[str, Any]) -> dt.date | None:
        """A record's date (its dataset's date field)."""
        return as_date(record.get(self.dataset(dataset).date_field))

    def records(self, dataset: str, *, declared: bool = True) -> list[Mapping[str, Any]]:
        """The records of ``dataset`` (which the metric must declare in ``reads``)
        about the subjects asked for and dated in the window its ``history`` says."""
        read, found = self._read(dataset, declared=declared)
        seen = self._seen.get(read.key)
        if seen is None:
            first, last = read.window(self.period)
            wanted = {s.lower() if found.lowercase_subject else s for s in self.subjects}
            seen = []
            for record in found.records:
                who = record.get(found.subject_field)
                if who is None:
                    continue
                who = str(who).lower() if found.lowercase_subject else str(who)
                day = as_date(record.get(found.date_field))
                if who in wanted and day is not None and (first or day) <= day <= last:
                    seen.append(record)
            self._seen[read.key] = seen
        return seen

    def by_subject(
        self, dataset: str, *, declared: bool = True
    ) -> dict[str, list[Mapping[str, Any]]]:
        """:meth:`records`, grouped by subject; every subject asked for is a key."""
        found = self._read(dataset, declared=declared)[1]
        groups: dict[str, list[Mapping[str, Any]]] = {s: [] for s in self.subjects}
        lookup = {(s.lower() if found.lowercase_subject else s): s for s in self.subjects}
        for record in self.records(dataset, declared=declared):
            who = record.get(found.subject_field)
            who = None if who is None else str(who).lower() if found.lowercase_subject else str(who)
            if who in lookup:
                groups[lookup[who]].append(record)
        return groups

    def in_period(self, dataset: str, record: Mapping[str, Any]) -> bool:
        """Whether a record is dated in the period itself (not in the history before)."""
        return self.date_of(dataset, record) in self.period

    async def aggregate(self, source: Mapping[str, Any]) -> dict[str, float | None]:
        """A declarative aggregation (a KPI library ``dataset`` source's shape:
        ``dataset``, ``op``, ``field``, ``filter``; see docs/templates.md) per subject
        over the period, of a dataset the metric declares in ``reads``: 0 for sum and
        count without records, None for avg, min and max. perfloop computes it in the
        database; here, over the given records."""
        return await self._aggregate(source, declared=True)

    def _aggregated(self, source: Mapping[str, Any], *, declared: bool) -> str:
        """The dataset ``source`` aggregates, once its shape is checked and — unless
        ``declared`` is False (perfloop's own ``dataset`` metric) — it is in ``reads``."""
        dataset, op = source.get("dataset"), source.get("op")
        if not isinstance(dataset, str) or op not in _OPS:
            raise PluginUsageError("an aggregation names its dataset and an op")
        key = dataset.split("@", 1)[0]
        if declared and all(r.key != key for r in self.reads):
            raise PluginUsageError(
                f"the metric aggregates {dataset!r} without declaring it in reads"
            )
        return dataset

    async def _aggregate(
        self, source: Mapping[str, Any], *, declared: bool
    ) -> dict[str, float | None]:
        dataset, op, name = (
            self._aggregated(source, declared=declared),
            source["op"],
            source.get("field"),
        )
        found = self._read(dataset, declared=False)[1]
        clauses = list(source.get("filter") or [])
        # subjectField / dateField override the dataset's own, as in the database
        who_field = str(source.get("subjectField") or found.subject_field)
        when = str(source.get("dateField") or found.date_field)
        lower = found.lowercase_subject
        lookup = {(s.lower() if lower else s): s for s in self.subjects}
        groups: dict[str, list[Mapping[str, Any]]] = {s: [] for s in self.subjects}
        for record in found.records:
            who = record.get(who_field)
            subject = None if who is None else lookup.get(str(who).lower() if lower else str(who))
            if subject is not None and as_date(record.get(when)) in self.period:
                groups[subject].append(record)
        out: dict[str, float | None] = {}
        for subject, records in groups.items():
            chosen = [r for r in records if _matches(r, clauses)]
            if op == "count":
                out[subject] = float(
                    len([r for r in chosen if name is None or r.get(name) is not None])
                )
                continue
            numbers = [float(r[str(name)]) for r in chosen if _is_number(r.get(str(name)))]
            if op == "sum":
                out[subject] = float(sum(numbers))
            elif not numbers:
                out[subject] = None
            elif op == "avg":
                out[subject] = sum(numbers) / len(numbers)
            else:
                out[subject] = float(min(numbers) if op == "min" else max(numbers))
        return out


async def aggregate_any(
    context: MetricContext, source: Mapping[str, Any]
) -> dict[str, float | None]:
    """:meth:`MetricContext.aggregate` over any dataset, declared or not: for perfloop's
    own ``perfloop.dataset`` metric alone, whose dataset its parameters name."""
    return await context._aggregate(source, declared=False)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _matches(record: Mapping[str, Any], clauses: Sequence[Mapping[str, Any]]) -> bool:
    for clause in clauses:
        value, wanted, op = (
            record.get(str(clause.get("field"))),
            clause.get("value"),
            clause.get("op"),
        )
        if op == "eq":
            ok = value == wanted
        elif op == "ne":
            ok = value != wanted
        elif op == "in":
            ok = value in (wanted or [])
        elif op == "not-in":
            ok = value not in (wanted or [])
        elif value is None or wanted is None:
            ok = False
        else:
            try:
                ok = {
                    "lt": value < wanted,
                    "lte": value <= wanted,
                    "gt": value > wanted,
                    "gte": value >= wanted,
                }[str(op)]
            except (TypeError, KeyError):
                ok = False
        if not ok:
            return False
    return True
