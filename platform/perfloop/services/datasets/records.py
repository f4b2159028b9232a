"""Dataset use-cases: ingest business records, browse them in scope, and
aggregate them into indicator actuals.

- :func:`ingest_records` — one batch from the API: validated row by row
  (jsonschema-rs, explained by jsonschema), idempotent by batch key, all or
  nothing, audited once per batch.
- :func:`import_file` — a CSV/.xlsx file cut into batches with deterministic
  keys, so a re-run skips what is committed (the CLI and ``bench/ingest.py``).
- :func:`list_records` — records whose subject the caller may see.
- :func:`aggregate_actuals` — a kpi-library ``dataset`` source per subject over
  a period, computed in SQL.

A dataset is named ``key@version`` or ``key`` (the latest version) among the
templates the tenant sees.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from perfloop.authz import Permission, Scope
from perfloop.services.core.errors import ErrorCode, ServiceError
from perfloop.services.core.pagination import Page, check_first, decode_cursor, encode_cursor
from perfloop.services.core.scopes import employees_in_scope
from perfloop.services.datasets.ingest import DatasetSpec, RowError, prepare_records, spec_for_body
from perfloop.services.datasets.ingest.files import (
    FileProblem,
    Skipped,
    batch_key,
    batch_source,
    file_checksum,
)
from perfloop.services.datasets.ingest.pipeline import auto_workers, prepared_batches
from perfloop.services.datasets.ingest.prepare import RowFormat
from perfloop.services.datasets.ingest.store import BatchOutcome, committed_batch_keys, store_batch
from perfloop.store.datasets import DatasetRecord
from perfloop.store.org import Employee, OrgUnit
from perfloop.store.templates import TemplateRecord
from perfloop.templates import parse_ref

if TYPE_CHECKING:
    from sqlalchemy.sql.elements import ColumnElement

    from perfloop.services.core.caller import Caller

__all__ = [
    "MAX_API_RECORDS",
    "BatchOutcome",
    "ImportReport",
    "aggregate_actuals",
    "import_file",
    "ingest_records",
    "list_records",
    "resolve_dataset",
]

MAX_API_RECORDS = 10_000
MAX_BATCH_KEY = 120
_SUBJECT_CHUNK = 1000


# -- datasets -------------------------------------------------------------------


async def resolve_dataset(session: AsyncSession, tenant_id: int, ref: str) -> DatasetSpec:
    """The dataset template ``key@version`` (or the latest ``key``) the tenant sees."""
    parsed = parse_ref(ref)
    key, version = parsed if parsed else (ref, None)
    query = select(TemplateRecord.body).where(
        or_(TemplateRecord.tenant_id.is_(None), TemplateRecord.tenant_id == tenant_id),
        TemplateRecord.kind == "dataset",
        TemplateRecord.key == key,
    )
    if version is not None:
        query = query.where(TemplateRecord.version == version)
    body = (await session.execute(query.order_by(TemplateRecord.version.desc()).limit(1))).scalar()
    if body is None:
        raise ServiceError.one(
            ErrorCode.NOT_FOUND, f"no dataset template {ref!r} in this tenant", ("dataset",)
        )
    return spec_for_body(body)


# -- ingest ---------------------------------------------------------------------


async def ingest_records(
    session: AsyncSession, caller: Caller, dataset: str, batch_key: str, records: Sequence[Any]
) -> BatchOutcome:
    """Store one batch of records, all or nothing, once per ``batch_key``.

    Row numbers in the errors are the records' positions in ``records`` (from 0).
    """
    caller.require(Permission.DATASET_INGEST)
    _check_batch_key(batch_key)
    if len(records) > MAX_API_RECORDS:
        raise ServiceError.one(
            ErrorCode.INVALID,
            f"at most {MAX_API_RECORDS} records per batch (got {len(records)}); "
            "send several batches, each with its own key",
            ("records",),
        )
    spec = await resolve_dataset(session, caller.tenant_id, dataset)
    prepared = prepare_records(spec, enumerate(records), format=_row_format(session))
    return await store_batch(
        session,
        tenant_id=caller.tenant_id,
        actor=caller,
        spec=spec,
        batch_key=batch_key,
        prepared=prepared,
        source="api",
    )


def _row_format(session: AsyncSession) -> RowFormat:
    """How the session's database takes rows in bulk."""
    return "postgresql" if session.get_bind().dialect.name == "postgresql" else "sqlite"


def _check_batch_key(batch_key: str) -> None:
    if not batch_key.strip() or len(batch_key) > MAX_BATCH_KEY or batch_key.startswith("file:"):
        raise ServiceError.one(
            ErrorCode.INVALID,
            f"a batch key is 1 to {MAX_BATCH_KEY} characters and does not start with 'file:' "
            "(those name batches of imported files)",
            ("batchKey",),
        )


@dataclass
class ImportReport:
    """What importing a file did, batch by batch."""

    dataset: str
    checksum: str
    batches: int = 0
    committed: int = 0
    replayed: int = 0  # committed by an earlier run: skipped
    rejected: int = 0
    received: int = 0
    inserted: int = 0
    skipped: int = 0  # records whose key was stored already
    invalid_rows: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.rejected == 0


MAX_REPORTED_ERRORS = 200


async def import_file(
    session: AsyncSession,
    caller: Caller | None,
    tenant_id: int,
    dataset: str,
    path: Path,
    *,
    batch_size: int = 10_000,
    workers: int | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    on_batch: Callable[[BatchOutcome], None] | None = None,
) -> ImportReport:
    """Import a CSV/.xlsx file batch by batch; a batch committed by an earlier
    run of the same file (same checksum and batch size) is skipped.

    The file is read with :mod:`perfloop.tabular`: ``encoding`` is a CSV
    file's (None: detected), ``sheet`` a workbook's sheet by name or 1-based
    position (None: the first whose header names a field). A file with a
    header and no rows is not an error: nothing is stored, and the report
    says 0 batches.

    ``caller`` None is the operator at the command line (no permission check,
    audited without an actor). Raises ServiceError for a file that cannot be
    imported at all; a batch with invalid rows is rejected and reported, and
    the other batches go on.
    """
    if caller is not None:
        caller.require(Permission.DATASET_INGEST)
        tenant_id = caller.tenant_id
    if batch_size < 1 or batch_size > 100_000:
        raise ServiceError.one(
            ErrorCode.INVALID, "the batch size is between 1 and 100000", ("batchSize",)
        )
    spec = await resolve_dataset(session, tenant_id, dataset)
    try:
        checksum = await asyncio.to_thread(file_checksum, path)
    except OSError as exc:
        raise ServiceError.one(ErrorCode.INVALID, f"cannot read {path}: {exc.strerror}") from None
    source = batch_source(checksum, path, sheet)
    prefix = batch_key(source, batch_size, 0).rsplit(":", 1)[0] + ":"
    done = {
        int(k.rsplit(":", 1)[1])
        for k in await committed_batch_keys(session, tenant_id, spec.key, prefix)
    }
    await session.rollback()  # no transaction stays open while the file is read
    report = ImportReport(dataset=spec.ref, checksum=checksum)
    n_workers = auto_workers(path) if workers is None else workers
    batches = prepared_batches(
        spec,
        path,
        batch_size,
        skip=done,
        encoding=encoding,
        sheet=sheet,
        format=_row_format(session),
        workers=n_workers,
    )
    # On PostgreSQL a batch's commit (waiting for its WAL to reach the disk)
    # overlaps with writing the next batch on a second session from the same
    # engine; commits still happen in batch order. SQLite has one writer at a
    # time, so there batches are stored one after the other.
    sessions = [session]
    if _row_format(session) == "postgresql" and isinstance(session.bind, AsyncEngine):
        sessions.append(AsyncSession(bind=session.bind, expire_on_commit=False))
    committing: tuple[asyncio.Task[None], BatchOutcome] | None = None

    def count(outcome: BatchOutcome) -> None:
        _tally(report, outcome)
        if on_batch is not None:
            on_batch(outcome)

    async def settle() -> None:
        """Wait for the batch being committed, and count it."""
        nonlocal committing
        if committing is not None:
            task, outcome = committing
            committing = None
            await task
            count(outcome)

    stored = 0
    try:
        while True:
            batch = await _next(batches, threaded=n_workers > 0)
            if batch is None:
                break
            key = batch_key(source, batch_size, batch.number)
            if isinstance(batch, Skipped):
                await settle()
                count(BatchOutcome(spec.ref, key, "replayed", batch.received))
                continue
            current = sessions[stored % len(sessions)]
            stored += 1
            outcome = await store_batch(
                current,
                tenant_id=tenant_id,
                actor=caller,
                spec=spec,
                batch_key=key,
                prepared=batch,
                source="file",
                commit=len(sessions) == 1,
            )
            await settle()
            if len(sessions) > 1 and outcome.status == "committed":
                committing = (asyncio.create_task(current.commit()), outcome)
            else:
                count(outcome)
        await settle()
    except FileProblem as exc:
        raise ServiceError.one(ErrorCode.INVALID, str(exc), ("file",)) from None
    finally:
        try:
            await settle()  # a batch written completely is committed even if the next failed
        finally:
            batches.close()
            for other in sessions[1:]:
                await other.close()
    return report


async def _next(batches: Iterator[Any], *, threaded: bool) -> Any:
    if threaded:  # waiting on a worker process: keep the event loop free
        return await asyncio.to_thread(next, batches, None)
    return next(batches, None)


def _tally(report: ImportReport, outcome: BatchOutcome) -> None:
    report.batches += 1
    report.received += outcome.received
    report.inserted += outcome.inserted
    report.skipped += outcome.skipped
    report.invalid_rows += outcome.invalid_rows
    if outcome.status == "committed":
        report.committed += 1
    elif outcome.status == "replayed":
        report.replayed += 1
    else:
        report.rejected += 1
        room = MAX_REPORTED_ERRORS - len(report.errors)
        report.errors.extend(outcome.errors[: max(room, 0)])


# -- browsing -------------------------------------------------------------------


def _subjects_in_scope(caller: Caller, scope: Scope, spec: DatasetSpec) -> ColumnElement[bool]:
    """Records whose subject is an employee (or org unit) the caller reaches."""
    reach = employees_in_scope(caller, scope, Employee.id)
    mine = Employee.tenant_id == caller.tenant_id
    if spec.subject_type == "employee-id":
        return DatasetRecord.subject.in_(select(Employee.employee_no).where(mine, reach))
    if spec.subject_type == "org-unit":
        units = select(OrgUnit.code).join(Employee, Employee.org_unit_id == OrgUnit.id)
        return DatasetRecord.subject.in_(units.where(mine, reach))
    return DatasetRecord.subject.in_(select(func.lower(Employee.email)).where(mine, reach))


async def list_records(
    session: AsyncSession,
    caller: Caller,
    dataset: str,
    *,
    subject: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    first: int | None = None,
    after: str | None = None,
    page_cap: int = 100,
) -> Page[DatasetRecord]:
    """A dataset's records (all its versions) whose subject is in the caller's
    scope for ``dataset.read``, oldest first; optionally one subject and a period."""
    scope = caller.require(Permission.DATASET_READ)
    limit = check_first(first, page_cap)
    spec = await resolve_dataset(session, caller.tenant_id, dataset)
    where: list[ColumnElement[bool]] = [
        DatasetRecord.tenant_id == caller.tenant_id,
        DatasetRecord.dataset_key == spec.key,
    ]
    if scope is not Scope.TENANT:
        where.append(_subjects_in_scope(caller, scope, spec))
    if subject is not None:
        where.append(
            DatasetRecord.subject == (subject.lower() if spec.lowercase_subject else subject)
        )
    if start is not None:
        where.append(DatasetRecord.date >= start)
    if end is not None:
        where.append(DatasetRecord.date <= end)
    total = (
        await session.execute(select(func.count()).select_from(DatasetRecord).where(*where))
    ).scalar_one()
    if after is not None:
        cursor = decode_cursor(after)
        if len(cursor) != 1 or not isinstance(cursor[0], int):
            raise ServiceError.one(ErrorCode.INVALID, "`after` is not a record cursor", ("after",))
        where.append(DatasetRecord.id > cursor[0])
    rows = (
        (
            await session.execute(
                select(DatasetRecord).where(*where).order_by(DatasetRecord.id).limit(limit + 1)
            )
        )
        .scalars()
        .all()
    )
    items = rows[:limit]
    return Page(
        items=items,
        cursors=[encode_cursor([r.id]) for r in items],
        has_next_page=len(rows) > limit,
        has_previous_page=after is not None,
        total_count=total,
    )


# -- aggregation ----------------------------------------------------------------

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
    for i in range(0, len(wanted), _SUBJECT_CHUNK):
        chunk = wanted[i : i + _SUBJECT_CHUNK]
        for who, amount in await session.execute(query.where(subject.in_(chunk))):
            result[str(who)] = None if amount is None else float(amount)
    empty = 0.0 if op in ("sum", "count") else None
    answer = {s: result.get(s.lower() if lower else s, empty) for s in subjects}
    for s, v in answer.items():
        if v is None and op == "sum":
            answer[s] = 0.0
    return answer
