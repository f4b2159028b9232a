"""Computed actuals through the metric plugin registry (``perfloop.plugins``).

Every computed source is run by a provider looked up in the registry and run with
``run_metric`` (its faults contained): ``dataset`` by ``perfloop.dataset``,
``formula`` by ``perfloop.formula``, ``plugin`` by the plugin's metric. perfloop's
own providers are given a :class:`RefreshContext`, whose :meth:`~RefreshContext.aggregate`
answers from the refresh's batched SQL (``aggregate_sources``: one statement per
dataset scan for every person and source), so routing them through the registry
costs no query.

A plugin's group (the items naming the same provider and parameters) is computed
once for all its subjects: the records of the datasets it reads are loaded with one
query per dataset (subjects in chunks), and its answers are cached per provider,
version, parameters, subject and period in ``metric_cache`` with a fingerprint of
the data it read (:func:`data_stamp`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Text, cast, delete, func, or_, select

from perfloop.plugins import (
    Dataset,
    Metric,
    MetricContext,
    Outcome,
    Period,
    PluginUsageError,
    Provider,
    Reads,
    Registry,
    run_metric,
)
from perfloop.plugins import registry as plugin_registry
from perfloop.services.core.errors import ServiceError
from perfloop.store.core import chunked, upsert_many, utcnow
from perfloop.store.core.chunks import CHUNK_SIZE
from perfloop.store.datasets import DatasetBatch, DatasetRecord
from perfloop.store.plans import MetricCacheEntry

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.ingest import DatasetSpec

#: how a plugin's subjects are named when it reads no dataset
DEFAULT_SUBJECT_TYPE = "employee-email"
_CACHE_KEY = (
    "tenant_id", "provider", "version", "params_key", "subject", "period_start", "period_end",
)  # fmt: skip


def registry() -> Registry:
    """The process's registry (``perfloop.plugins.get_registry``). A test puts its own
    in place with ``perfloop.plugins.registry.use_registry(...)``, or registers a plugin
    in this one and takes it out after (``Registry.register`` / ``Registry.unregister``)."""
    return plugin_registry.get_registry()


def canonical(value: Any) -> str:
    """``value`` as canonical JSON (sorted keys): equal parameters, equal text."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def params_key(params: Mapping[str, Any]) -> str:
    """sha256 of the parameters' canonical JSON (the cache's ``params_key``)."""
    return hashlib.sha256(canonical(params).encode()).hexdigest()


def without_type(source: Mapping[str, Any]) -> dict[str, Any]:
    """A built-in source's parameters: the source without its ``type``."""
    return {k: v for k, v in source.items() if k != "type"}


def provenance(
    provider: Provider,
    params: Mapping[str, Any],
    period: Period,
    datasets: Sequence[str],
    *,
    reads: Sequence[Reads] = (),
    cached: bool = False,
) -> dict[str, Any]:
    """Where a computed actual came from (stored on ``Actual.provenance``): ``from`` is
    the first day of the records read — the earliest of the ``reads`` windows, None
    when one reads all history — and ``to`` the period's end."""
    firsts = [r.window(period)[0] for r in reads] or [period.start]
    first = None if None in firsts else min(d for d in firsts if d is not None)
    return {
        "provider": provider.id,
        "version": provider.version,
        "params": dict(params),
        "from": first.isoformat() if first is not None else None,
        "to": period.end.isoformat(),
        "datasets": sorted(dict.fromkeys(d.split("@", 1)[0] for d in datasets)),
        "cached": cached,
    }


@dataclass
class RefreshContext(MetricContext):
    """A :class:`MetricContext` built by a refresh: :meth:`aggregate` answers from the
    aggregations the refresh computed in one batch (``answers``, by the canonical JSON
    of the source without its type), and computes any other in SQL."""

    answers: Mapping[str, Mapping[str, float | None]] = field(default_factory=dict, repr=False)
    _session: AsyncSession | None = field(default=None, repr=False)
    _tenant_id: int = 0

    async def _aggregate(
        self, source: Mapping[str, Any], *, declared: bool
    ) -> dict[str, float | None]:
        self._aggregated(source, declared=declared)  # a plugin's dataset is in its reads
        params = without_type(source)
        found = self.answers.get(canonical(params))
        if found is None:
            if self._session is None:
                return await super()._aggregate(source, declared=declared)
            from perfloop.services.datasets import aggregate_sources  # type: ignore[import-untyped,unused-ignore]

            done = await aggregate_sources(
                self._session,
                self._tenant_id,
                {"source": (params, self.subjects)},
                self.period.start,
                self.period.end,
            )
            if "source" in done.failed:
                raise PluginUsageError(done.failed["source"])
            found = done.values["source"]
        return {s: found.get(s) for s in self.subjects}


async def run_builtin_aggregations(
    provider: Provider,
    needs: Mapping[str, tuple[Mapping[str, Any], Sequence[str]]],
    answers: Mapping[str, Mapping[str, float | None]],
    period: Period,
    timeout: float,  # noqa: ASYNC109
) -> tuple[dict[str, dict[str, float | None]], dict[str, str]]:
    """Each aggregated ``dataset`` source (``needs``: key → (source, subjects)) run
    through the ``perfloop.dataset`` provider, which reads the batch's ``answers``:
    values per key and subject, and the keys that failed with why."""
    values: dict[str, dict[str, float | None]] = {}
    failed: dict[str, str] = {}
    for key, found in answers.items():
        source, subjects = needs[key]
        params = without_type(source)
        context = RefreshContext(
            subjects=tuple(subjects), period=period, params=params,
            answers={canonical(params): found},
        )  # fmt: skip
        outcomes = await run_metric(provider.metric, context, timeout=timeout)
        error = next((o.error for o in outcomes.values() if o.error), None)
        if error is not None:
            failed[key] = error
        else:
            values[key] = {s: o.value for s, o in outcomes.items()}
    return values, failed


async def data_stamp(session: AsyncSession, tenant_id: int, specs: Sequence[DatasetSpec]) -> str:
    """A fingerprint of the records of the datasets read: per dataset key its template
    version read, its newest ingest batch and the records its batches stored. Records
    are only ever added by batches (a record sent again is skipped, a tenant's records
    go with the tenant), so new records — and a new template version — change it."""
    keys = sorted({s.key for s in specs})
    found = {
        key: (newest, stored)
        for key, newest, stored in (
            await session.execute(
                select(
                    DatasetBatch.dataset_key,
                    func.max(DatasetBatch.id),
                    func.coalesce(func.sum(DatasetBatch.inserted), 0),
                )
                .where(DatasetBatch.tenant_id == tenant_id, DatasetBatch.dataset_key.in_(keys))
                .group_by(DatasetBatch.dataset_key)
            )
        ).all()
    }
    text = "|".join(
        f"{s.ref}:{found.get(s.key, (0, 0))[0]}:{found.get(s.key, (0, 0))[1]}"
        for s in sorted(specs, key=lambda s: s.key)
    )
    return hashlib.sha256(text.encode()).hexdigest()


async def load_records(
    session: AsyncSession,
    tenant_id: int,
    spec: DatasetSpec,
    subjects: Sequence[str],
    window: tuple[dt.date | None, dt.date],
) -> list[dict[str, Any]]:
    """The records (of any version) of ``spec``'s dataset about ``subjects`` dated in
    ``window``: one statement per chunk of subjects. Read as text and decoded with
    orjson: decoding is most of the cost of a company's records (``bench/plugins.py``)."""
    first, last = window
    where = [
        DatasetRecord.tenant_id == tenant_id,
        DatasetRecord.dataset_key == spec.key,
        DatasetRecord.date <= last,
    ]
    if first is not None:
        where.append(DatasetRecord.date >= first)
    wanted = sorted({s.lower() if spec.lowercase_subject else s for s in subjects})
    records: list[dict[str, Any]] = []
    for chunk in chunked(wanted):
        query = (
            select(cast(DatasetRecord.data, Text))
            .where(*where, DatasetRecord.subject.in_(chunk))
            .order_by(DatasetRecord.id)
        )
        records.extend(_decode(text) for text in (await session.execute(query)).scalars())
    return records


def _decode(text: str) -> dict[str, Any]:
    try:
        found: dict[str, Any] = orjson.loads(text)
    except orjson.JSONDecodeError:  # what orjson refuses and json reads (NaN)
        found = json.loads(text)
    return found


@dataclass
class PluginGroup:
    """The items naming one provider with the same parameters."""

    plugin: str
    metric: str | None
    params: dict[str, Any]
    #: the plan items (refresh rows) naming it
    items: list[Any] = field(default_factory=list)


@dataclass
class GroupResult:
    """A group's outcome per subject (or one error for all) and its provenance."""

    subject_type: str = DEFAULT_SUBJECT_TYPE
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    error: str | None = None
    provenance: dict[str, Any] | None = None


def capped(metric: Metric, limit: float) -> Metric:
    """``metric`` with ``limit`` (the ``plugin_timeout_seconds`` setting) as its time
    limit when it has none of its own or a longer one: the setting is the ceiling."""
    if metric.timeout is None or metric.timeout <= limit:  # the runner takes ``limit``
        return metric
    return dataclasses.replace(metric, timeout=limit)


def _params_problem(provider: Provider, params: Any) -> str | None:
    problems = provider.metric.check_params(params)
    if not problems:
        return None
    said = "; ".join(
        f"{'.'.join(str(p) for p in path) or 'params'}: {message}" for path, message in problems
    )
    return f"the parameters of {provider.id} are invalid: {said}"


async def compute_plugin_group(
    session: AsyncSession,
    tenant_id: int,
    group: PluginGroup,
    subject_of: Any,
    period: Period,
    timeout: float,  # noqa: ASYNC109
    cache_rows: list[dict[str, Any]],
) -> GroupResult:
    """One plugin group: its provider looked up, its parameters checked, its subjects
    named as its first dataset names them (``subject_of(row, subject_type)``), the
    records it reads loaded, the cache consulted and the provider run. Successful
    answers to cache are appended to ``cache_rows`` (written with the actuals)."""
    found = registry()
    missing = found.missing(group.plugin, group.metric)
    if missing is not None:
        return GroupResult(error=missing)
    provider = found.provider(group.plugin, str(group.metric))
    assert provider is not None
    problem = _params_problem(provider, group.params)
    if problem is not None:
        return GroupResult(error=problem)
    metric = provider.metric
    from perfloop.services.datasets import resolve_dataset  # type: ignore[import-untyped,unused-ignore]

    specs: list[DatasetSpec] = []
    try:
        for read in metric.reads:
            specs.append(await resolve_dataset(session, tenant_id, read.dataset))
    except ServiceError as exc:
        message = "; ".join(e.message for e in exc.errors)
        return GroupResult(error=f"{provider.id} reads a dataset this tenant lacks: {message}")
    kinds = sorted({s.subject_type for s in specs})
    if len(kinds) > 1:
        named = ", ".join(f"{s.key} ({s.subject_type})" for s in specs)
        return GroupResult(
            error=f"{provider.id} reads datasets naming their subjects differently: {named}"
        )
    kind = kinds[0] if kinds else DEFAULT_SUBJECT_TYPE
    subjects = tuple(sorted({subject_of(row, kind) for row in group.items}))
    result = GroupResult(subject_type=kind)
    datasets = [r.key for r in metric.reads]
    cacheable = not provider.builtin and bool(specs)
    stamp = await data_stamp(session, tenant_id, specs) if cacheable else ""
    key = params_key(group.params)
    if cacheable:
        cached = await _cached(session, tenant_id, provider, key, subjects, period, stamp)
        if cached is not None:
            result.outcomes = cached
            result.provenance = provenance(
                provider, group.params, period, datasets, reads=metric.reads, cached=True
            )
            return result
    context = RefreshContext(
        subjects=subjects,
        period=period,
        params=group.params,
        reads=metric.reads,
        datasets={
            read.key: Dataset(
                spec.key,
                spec.subject_field,
                spec.date_field,
                await load_records(session, tenant_id, spec, subjects, read.window(period)),
                lowercase_subject=spec.lowercase_subject,
                ref=spec.ref,
            )
            for read, spec in zip(metric.reads, specs, strict=True)
        },
        _session=session,
        _tenant_id=tenant_id,
    )
    result.outcomes = await run_metric(capped(metric, timeout), context, timeout=timeout)
    result.provenance = provenance(provider, group.params, period, datasets, reads=metric.reads)
    if cacheable:
        entry = {
            "tenant_id": tenant_id, "provider": provider.id, "version": provider.version,
            "params_key": key, "period_start": period.start, "period_end": period.end,
            "error": None, "data_stamp": stamp, "computed_at": utcnow(),
        }  # fmt: skip
        cache_rows.extend(
            {**entry, "subject": subject, "value": outcome.value}
            for subject, outcome in result.outcomes.items()
            if outcome.error is None  # a failure (a timeout, say) is tried again next time
        )
    return result


async def _cached(
    session: AsyncSession,
    tenant_id: int,
    provider: Provider,
    key: str,
    subjects: Sequence[str],
    period: Period,
    stamp: str,
) -> dict[str, Outcome] | None:
    """Every subject's cached answer when all are there with the current stamp.

    Many subjects (more than one chunk, a company-wide refresh) are read with one
    query for the group's key and picked here: a ``subject IN (…)`` per chunk of a
    thousand is a scan per chunk on PostgreSQL when the table's statistics are young."""
    where = [
        MetricCacheEntry.tenant_id == tenant_id,
        MetricCacheEntry.provider == provider.id,
        MetricCacheEntry.version == provider.version,
        MetricCacheEntry.params_key == key,
        MetricCacheEntry.period_start == period.start,
        MetricCacheEntry.period_end == period.end,
        MetricCacheEntry.data_stamp == stamp,
    ]
    query = select(MetricCacheEntry.subject, MetricCacheEntry.value).where(*where)
    found: dict[str, Outcome] = {}
    if len(subjects) > CHUNK_SIZE:
        wanted = set(subjects)
        rows = await session.execute(query)
        found.update((s, Outcome(v)) for s, v in rows.all() if s in wanted)
    else:
        rows = await session.execute(query.where(MetricCacheEntry.subject.in_(subjects)))
        found.update((s, Outcome(v)) for s, v in rows.all())
    return found if len(found) == len(subjects) else None


async def write_cache(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Upsert the answers computed now (in key order: concurrent refreshes cannot
    deadlock on them), after deleting what they make stale (:func:`_drop_stale`)."""
    rows.sort(key=lambda r: tuple(str(r[c]) for c in _CACHE_KEY))
    await _drop_stale(session, rows)
    await upsert_many(
        session, MetricCacheEntry, rows, _CACHE_KEY, ("value", "error", "data_stamp", "computed_at")
    )


async def _drop_stale(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Delete the entries the answers computed now replace, so ``metric_cache`` does not
    grow with every refresh: for each provider and subject answered, its entries for the
    same tenant and period start but another period end (a running cycle's period ends
    ``today``), another data stamp (the data changed) or another provider version. The
    entries of other parameters with the current period and data are kept."""
    groups: dict[tuple[Any, ...], list[str]] = {}
    for row in rows:
        group = (row["tenant_id"], row["provider"], row["version"], row["period_start"],
                 row["period_end"], row["data_stamp"])  # fmt: skip
        groups.setdefault(group, []).append(row["subject"])
    for (tenant, provider, version, start, end, stamp), subjects in groups.items():
        for chunk in chunked(sorted(set(subjects))):
            await session.execute(
                delete(MetricCacheEntry).where(
                    MetricCacheEntry.tenant_id == tenant,
                    MetricCacheEntry.provider == provider,
                    MetricCacheEntry.period_start == start,
                    MetricCacheEntry.subject.in_(chunk),
                    or_(
                        MetricCacheEntry.period_end != end,
                        MetricCacheEntry.data_stamp != stamp,
                        MetricCacheEntry.version != version,
                    ),
                )
            )


__all__ = [
    "DEFAULT_SUBJECT_TYPE",
    "GroupResult",
    "PluginGroup",
    "RefreshContext",
    "canonical",
    "capped",
    "compute_plugin_group",
    "data_stamp",
    "load_records",
    "params_key",
    "provenance",
    "registry",
    "run_builtin_aggregations",
    "without_type",
    "write_cache",
]
