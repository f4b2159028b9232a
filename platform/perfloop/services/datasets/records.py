"""Dataset use-cases: ingest business records, browse them in scope, and
aggregate them into indicator actuals.

- :func:`ingest_records` — one batch from the API: validated row by row
  (jsonschema-rs, explained by jsonschema), idempotent by batch key, all or
  nothing, audited once per batch.
- :func:`import_file` — a CSV/.xlsx file cut into batches with deterministic
  keys, so a re-run skips what is committed (the CLI and ``bench/ingest.py``).
- :func:`list_records` — records whose subject the caller may see.
- :func:`aggregate_actuals` (``aggregate.py``) — a kpi-library ``dataset``
  source per subject over a period, computed in SQL.

A dataset is named ``key@version`` or ``key`` (the latest version) among the
templates the tenant sees.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from perfloop.authz import Permission, Scope
from perfloop.ingest import DatasetSpec, RowError, prepare_records, spec_for_body
from perfloop.ingest.files import FileProblem, Skipped, batch_key, batch_source, file_checksum
from perfloop.ingest.pipeline import auto_workers, prepared_batches
from perfloop.ingest.prepare import RowFormat
from perfloop.services.core.documents import (
    DEFAULT_MAX_DOCUMENT_BYTES,
    check_document_size,
    document_size,
)
from perfloop.services.core.errors import ErrorCode, ServiceError
from perfloop.services.core.pagination import Page, check_first, keyset_page
from perfloop.services.core.scopes import employees_in_scope
from perfloop.services.datasets.batches import BatchOutcome, committed_batch_keys, store_batch
from perfloop.store.core import refresh_statistics
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
    "import_file",
    "ingest_records",
    "list_records",
    "resolve_dataset",
]

MAX_API_RECORDS = 10_000
MAX_BATCH_KEY = 120


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
            ErrorCode.NOT_FOUND,
            f"no dataset template {ref!r} in this tenant",
            ("dataset",),
            zh=f"本租户中没有数据集模板 {ref!r}",
        )
    return spec_for_body(body)


# -- ingest ---------------------------------------------------------------------


async def ingest_records(
    session: AsyncSession,
    caller: Caller,
    dataset: str,
    batch_key: str,
    records: Sequence[Any],
    *,
    max_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
) -> BatchOutcome:
    """Store one batch of records, all or nothing, once per ``batch_key``.

    Row numbers in the errors are the records' positions in ``records`` (from 0).
    A record over ``max_bytes`` of JSON is TOO_LARGE (path ``records``, its position).
    """
    caller.require(Permission.DATASET_INGEST)
    _check_batch_key(batch_key)
    if len(records) > MAX_API_RECORDS:
        raise ServiceError.one(
            ErrorCode.INVALID,
            f"at most {MAX_API_RECORDS} records per batch (got {len(records)}); "
            "send several batches, each with its own key",
            ("records",),
            zh=f"每批最多 {MAX_API_RECORDS} 条记录（收到 {len(records)} 条）；"
            "请分多批发送，每批使用自己的标识",
        )
    if document_size(records) > max_bytes:  # then one record may be too large: find it
        for row, record in enumerate(records):
            check_document_size(record, ("records", str(row)), max_bytes)
    spec = await resolve_dataset(session, caller.tenant_id, dataset)
    prepared = prepare_records(spec, enumerate(records), format=_row_format(session))
    outcome = await store_batch(
        session,
        tenant_id=caller.tenant_id,
        actor=caller,
        spec=spec,
        batch_key=batch_key,
        prepared=prepared,
        source="api",
    )
    if outcome.status == "committed":  # a large batch: the planner learns of its rows
        await refresh_statistics(session, outcome.inserted, DatasetRecord)
    return outcome


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
    dry_run: bool = False,
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

    ``dry_run``: every row is read and validated and nothing is written; a
    valid batch is reported ``committed`` as it would be, its rows counted as
    ``inserted`` (records whose key is stored already are not looked for, so
    ``skipped`` stays 0).
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
            if dry_run:
                count(_checked(spec.ref, key, batch))
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
        raise ServiceError.one(
            ErrorCode.INVALID, str(exc), ("file",), zh=exc.message_zh or None
        ) from None
    finally:
        try:
            await settle()  # a batch written completely is committed even if the next failed
        finally:
            batches.close()
            for other in sessions[1:]:
                await other.close()
    if not dry_run:  # once for the whole file, not per batch: the planner learns of the rows
        await refresh_statistics(session, report.inserted, DatasetRecord)
    return report


def _checked(dataset: str, key: str, batch: Any) -> BatchOutcome:
    """What storing ``batch`` (a PreparedBatch) would do, for a dry run."""
    if not batch.ok:
        return BatchOutcome(
            dataset, key, "rejected", batch.received,
            invalid_rows=batch.invalid_rows, errors=tuple(batch.errors),
        )  # fmt: skip
    return BatchOutcome(dataset, key, "committed", batch.received, inserted=batch.size)


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
    check_first(first, page_cap)  # refused before the dataset is looked up
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
    return await keyset_page(
        session,
        select(DatasetRecord).where(*where),
        (DatasetRecord.id,),
        first=first,
        after=after,
        cap=page_cap,
        what="record",
    )
