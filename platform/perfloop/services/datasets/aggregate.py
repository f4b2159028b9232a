"""Aggregating a dataset into indicator actuals: a kpi-library ``dataset`` source
(an operation over a field, with filter clauses) per subject over a period,
computed in SQL on either database.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import String, and_, cast, func, or_, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from perfloop.ingest import DatasetSpec
from perfloop.services.core.errors import ErrorCode, ServiceError
from perfloop.services.datasets.records import resolve_dataset
from perfloop.store.core import chunked
from perfloop.store.datasets import DatasetRecord

if TYPE_CHECKING:
    from sqlalchemy.sql.elements import ColumnElement


log = logging.getLogger(__name__)

_OPS = ("sum", "count", "avg", "min", "max")
_NUMERIC = frozenset({"number", "integer"})


def _invalid(message: str, *path: str) -> ServiceError:
    return ServiceError.one(ErrorCode.INVALID, message, ("source", *path))


def _field_type(spec: DatasetSpec, name: str, *path: str) -> str:
    info = spec.fields.get(name)
    if info is None:
        raise _invalid(f"{spec.ref} has no field {name!r}", *path)
    types = info.types - {"null"}
    if types and types <= _NUMERIC:
        return "number"
    if types == {"boolean"}:
        return "boolean"
    return "string"


def _extract(name: str, kind: str) -> ColumnElement[Any]:
    value = DatasetRecord.data[name]
    extracted: ColumnElement[Any]
    if kind == "number":
        extracted = value.as_float()
    elif kind == "boolean":
        extracted = value.as_boolean()
    else:
        extracted = value.as_string()
    return extracted


def _literal(value: Any, kind: str, index: int) -> Any:
    ok = {
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "boolean": isinstance(value, bool),
        "string": isinstance(value, str),
    }[kind]
    if not ok:
        raise _invalid(f"{value!r} cannot be compared with a {kind} field", "filter", str(index))
    return value


def _clause(spec: DatasetSpec, index: int, clause: Mapping[str, Any]) -> ColumnElement[bool]:
    name, op, value = clause.get("field"), clause.get("op"), clause.get("value")
    if not isinstance(name, str):
        raise _invalid("a filter clause names a field", "filter", str(index))
    kind = _field_type(spec, name, "filter", str(index), "field")
    column = _extract(name, kind)
    if op in ("in", "not-in"):
        if not isinstance(value, list) or not value:
            raise _invalid(f"{op} takes a non-empty list", "filter", str(index))
        values = [_literal(v, kind, index) for v in value]
        if op == "in":
            return column.in_(values)
        return or_(column.is_(None), column.not_in(values))
    if value is None:
        if op == "eq":
            return column.is_(None)
        if op == "ne":
            return column.is_not(None)
        raise _invalid(f"{op} cannot compare with null", "filter", str(index))
    literal = _literal(value, kind, index)
    if op == "eq":
        return column == literal  # type: ignore[no-any-return]
    if op == "ne":  # a record without the field is "not equal" too
        return or_(column.is_(None), column != literal)
    comparisons: dict[str, ColumnElement[bool]] = {
        "lt": column < literal,
        "lte": column <= literal,
        "gt": column > literal,
        "gte": column >= literal,
    }
    if op not in comparisons:
        raise _invalid(f"unknown filter op {op!r}", "filter", str(index), "op")
    return comparisons[op]


@dataclass(frozen=True)
class _Aggregation:
    """A source compiled against its dataset: what to scan and what to compute."""

    op: str
    #: sources with the same scan (dataset, subject and date expressions, period)
    #: share one statement
    scan: tuple[str, str, str]
    subject: ColumnElement[Any]
    lower: bool
    where: list[ColumnElement[bool]]
    #: the source's own filter clauses (applied with FILTER in a shared scan)
    clauses: list[ColumnElement[bool]]
    aggregate: ColumnElement[Any]


def _compile_source(
    spec: DatasetSpec, tenant_id: int, source: Mapping[str, Any], start: dt.date, end: dt.date
) -> _Aggregation:
    op = source.get("op")
    name = source.get("field")
    value: ColumnElement[Any] | None = None
    if name is not None:
        kind = _field_type(spec, str(name), "field")
        if op != "count" and kind != "number":
            raise _invalid(f"{op} needs a number field; {name!r} is a {kind}", "field")
        value = _extract(str(name), "number" if op != "count" else "string")
    elif op != "count":
        raise _invalid(f"{op} needs a field", "field")
    aggregate: ColumnElement[Any]
    if op == "count":
        aggregate = func.count(value) if value is not None else func.count()
    else:
        aggregate = getattr(func, str(op))(value)

    subject: ColumnElement[Any] = DatasetRecord.subject.expression
    lower = spec.lowercase_subject
    if source.get("subjectField"):
        _field_type(spec, str(source["subjectField"]), "subjectField")
        subject = cast(DatasetRecord.data[str(source["subjectField"])].as_string(), String)
        subject = func.lower(subject) if lower else subject
    day: ColumnElement[Any] = DatasetRecord.date.expression
    first_day: Any = start
    last_day: Any = end
    if source.get("dateField"):
        _field_type(spec, str(source["dateField"]), "dateField")
        day = func.substr(DatasetRecord.data[str(source["dateField"])].as_string(), 1, 10)
        first_day, last_day = start.isoformat(), end.isoformat()

    filters = source.get("filter") or []
    if not isinstance(filters, list):
        raise _invalid("filter is a list of clauses", "filter")
    clauses = [_clause(spec, i, c) for i, c in enumerate(filters)]
    where = [
        DatasetRecord.tenant_id == tenant_id,
        DatasetRecord.dataset_key == spec.key,
        day >= first_day,
        day <= last_day,
    ]
    scan = (spec.key, str(source.get("subjectField") or ""), str(source.get("dateField") or ""))
    return _Aggregation(str(op), scan, subject, lower, where, clauses, aggregate)


async def _compile(
    session: AsyncSession,
    tenant_id: int,
    source: Mapping[str, Any],
    start: dt.date,
    end: dt.date,
) -> _Aggregation:
    ref = source.get("dataset")
    if not isinstance(ref, str):
        raise _invalid("a dataset source names its dataset as key@version", "dataset")
    if source.get("op") not in _OPS:
        raise _invalid(f"op must be one of {', '.join(_OPS)}", "op")
    spec = await resolve_dataset(session, tenant_id, ref)
    return _compile_source(spec, tenant_id, source, start, end)


def _answer(
    found: Mapping[str, float | None], op: str, lower: bool, subjects: Sequence[str]
) -> dict[str, float | None]:
    """Every subject asked for: 0 for sum and count without records, None for avg,
    min and max."""
    empty = 0.0 if op in ("sum", "count") else None
    answer = {s: found.get(s.lower() if lower else s, empty) for s in subjects}
    return {s: 0.0 if v is None and op == "sum" else v for s, v in answer.items()}


async def _run(
    session: AsyncSession, group: Sequence[_Aggregation], subjects: Sequence[str] | None
) -> list[dict[str, float | None]]:
    """One statement (per chunk of subjects) computing every aggregation of ``group``
    (the same scan) per subject; each aggregation's own filter becomes its ``FILTER``
    clause, so the records are read once however many indicators they feed."""
    first = group[0]
    if len(group) == 1:
        columns = [first.aggregate]
        where = [*first.where, *first.clauses]
    else:
        columns = [
            a.aggregate.filter(and_(*a.clauses)) if a.clauses else a.aggregate for a in group
        ]
        where = list(first.where)
    query = select(first.subject, *columns).where(*where).group_by(first.subject)
    results: list[dict[str, float | None]] = [{} for _ in group]

    def collect(rows: Any) -> None:
        for who, *amounts in rows:
            for result, amount in zip(results, amounts, strict=True):
                result[str(who)] = None if amount is None else float(amount)

    if subjects is None:
        collect(await session.execute(query))
        return results
    wanted = list(dict.fromkeys(s.lower() if first.lower else s for s in subjects))
    for chunk in chunked(wanted):  # no statement grows with the number of people
        collect(await session.execute(query.where(first.subject.in_(chunk))))
    return results


async def aggregate_actuals(
    session: AsyncSession,
    tenant_id: int,
    source: Mapping[str, Any],
    start: dt.date,
    end: dt.date,
    subjects: Sequence[str] | None,
) -> dict[str, float | None]:
    """Aggregate a kpi-library ``dataset`` source per subject over ``start..end``
    (both inclusive), in SQL.

    ``source`` is ``{"dataset": "key@version", "op": "sum"|"count"|"avg"|"min"|
    "max", "field"?: name, "filter"?: [{"field", "op", "value"}], "subjectField"?,
    "dateField"?}`` (``type`` is ignored). Records of every version of the
    dataset key count. With ``subjects``, every subject asked for is in the
    answer: 0 for sum and count without records, None for avg, min and max;
    without, the subjects that have records. No authorization: the caller
    (computing actuals for plans it may read) has done it.
    """
    compiled = await _compile(session, tenant_id, source, start, end)
    (found,) = await _run(session, [compiled], subjects)
    if subjects is None:
        return found
    return _answer(found, compiled.op, compiled.lower, subjects)


@dataclass(frozen=True)
class Aggregated:
    """What :func:`aggregate_sources` computed: values per source key and subject, and
    why the sources that could not be computed failed (by source key)."""

    values: dict[str, dict[str, float | None]]
    failed: dict[str, str]


async def aggregate_sources(
    session: AsyncSession,
    tenant_id: int,
    sources: Mapping[str, tuple[Mapping[str, Any], Sequence[str]]],
    start: dt.date,
    end: dt.date,
) -> Aggregated:
    """:func:`aggregate_actuals` for many sources at once — ``{key: (source,
    subjects)}`` — reading each dataset's records once: sources that scan the same
    records (same dataset, subject and date fields) are computed by one statement.

    A source that cannot be computed is reported in ``failed`` with the reason and
    the others go on: an invalid source (a field its dataset does not have) before
    any SQL; a statement the database refuses (a value it cannot convert) runs again
    source by source, each in a savepoint, so only the source at fault fails."""
    compiled: dict[str, _Aggregation] = {}
    failed: dict[str, str] = {}
    for key, (source, _) in sources.items():
        try:
            compiled[key] = await _compile(session, tenant_id, source, start, end)
        except ServiceError as exc:
            failed[key] = "; ".join(e.message for e in exc.errors)
    groups: dict[tuple[str, str, str], list[str]] = {}
    for key, aggregation in compiled.items():
        groups.setdefault(aggregation.scan, []).append(key)
    values: dict[str, dict[str, float | None]] = {}
    for keys in groups.values():
        subjects = sorted({s for k in keys for s in sources[k][1]})
        try:
            async with session.begin_nested():
                found = await _run(session, [compiled[k] for k in keys], subjects)
        except DBAPIError:
            if len(keys) == 1:
                log.exception("aggregating %s failed", keys[0])
                failed[keys[0]] = _REFUSED
                continue
            found = []
            for k in keys:  # find the source at fault; the others still count
                try:
                    async with session.begin_nested():
                        found.extend(await _run(session, [compiled[k]], subjects))
                except DBAPIError:
                    log.exception("aggregating %s failed", k)
                    failed[k] = _REFUSED
                    found.append({})
        for k, result in zip(keys, found, strict=True):
            if k not in failed:
                a = compiled[k]
                values[k] = _answer(result, a.op, a.lower, sources[k][1])
    return Aggregated(values, failed)


_REFUSED = "the database could not aggregate this source (see the server log)"
