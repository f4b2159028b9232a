"""Aggregating a dataset into indicator actuals: a kpi-library ``dataset`` source
(an operation over a field, with filter clauses) per subject over a period,
computed in SQL on either database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from perfloop.ingest import DatasetSpec
from perfloop.services.core.errors import ErrorCode, ServiceError
from perfloop.services.datasets.records import resolve_dataset
from perfloop.store.core import chunked
from perfloop.store.datasets import DatasetRecord

if TYPE_CHECKING:
    from sqlalchemy.sql.elements import ColumnElement


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
    ref = source.get("dataset")
    op = source.get("op")
    if not isinstance(ref, str):
        raise _invalid("a dataset source names its dataset as key@version", "dataset")
    if op not in _OPS:
        raise _invalid(f"op must be one of {', '.join(_OPS)}", "op")
    spec = await resolve_dataset(session, tenant_id, ref)
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
        aggregate = getattr(func, op)(value)

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
    where = [
        DatasetRecord.tenant_id == tenant_id,
        DatasetRecord.dataset_key == spec.key,
        day >= first_day,
        day <= last_day,
        *(_clause(spec, i, c) for i, c in enumerate(filters)),
    ]
    query = select(subject, aggregate).where(*where).group_by(subject)
    result: dict[str, float | None] = {}
    if subjects is None:
        for who, amount in await session.execute(query):
            result[str(who)] = None if amount is None else float(amount)
        return result
    wanted = list(dict.fromkeys(s.lower() if lower else s for s in subjects))
    for chunk in chunked(wanted):  # no statement grows with the number of people
        for who, amount in await session.execute(query.where(subject.in_(chunk))):
            result[str(who)] = None if amount is None else float(amount)
    empty = 0.0 if op in ("sum", "count") else None
    answer = {s: result.get(s.lower() if lower else s, empty) for s in subjects}
    for s, v in answer.items():
        if v is None and op == "sum":
            answer[s] = 0.0
    return answer
