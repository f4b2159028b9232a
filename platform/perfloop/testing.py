"""The test kit for metric plugins: run a metric against records written in the test,
without a server or a database, and check the templates a plugin ships.

Installing perfloop installs this module as a pytest plugin (entry point ``pytest11``),
so a plugin's tests get the :func:`metric_runner` fixture without configuration::

    def test_revenue_counts_paid_orders(metric_runner):
        values = metric_runner(
            revenue,
            records={"sales-orders": [
                {"order_id": "1", "owner_email": "ann@example.com",
                 "order_date": "2026-04-02", "amount": 100, "status": "paid"},
            ]},
            subjects=["ann@example.com", "bob@example.com"],
            period=("2026-04-01", "2026-06-30"),
        )
        assert values == {"ann@example.com": 100.0, "bob@example.com": 0.0}

The metric runs through perfloop's own :func:`~perfloop.plugins.run_metric`, with its
fault containment and time limit, over a :class:`~perfloop.plugins.MetricContext` that
filters the records exactly as in production. A dataset's subject and date fields come
from its template: perfloop's built-ins, those of installed plugins, or the plugin's own
``templates`` folder (pass ``plugin=``). docs/plugins.md tells the whole story.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import functools
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import pytest

if TYPE_CHECKING:
    from perfloop.plugins import Dataset, Metric, MetricError, Outcome, Period, Plugin, Provider
    from perfloop.templates import BuiltinRegistry

# pytest imports this module at start-up (entry point pytest11), before coverage starts:
# perfloop's modules are imported when first used, so that they are measured in
# perfloop's own test run.

__all__ = ["Records", "check_plugin", "dataset_for", "metric_runner", "run_metric_on"]

#: the records of one dataset: plain records (fields from the dataset's template) or a
#: :class:`~perfloop.plugins.Dataset` naming its own fields
Records: TypeAlias = "Sequence[Mapping[str, Any]] | Dataset"
_Day: TypeAlias = "str | dt.date"


def run_metric_on(
    metric: Metric | Provider,
    *,
    period: Period | tuple[_Day, _Day],
    records: Mapping[str, Records] | None = None,
    subjects: Iterable[str] | None = None,
    params: Mapping[str, Any] | None = None,
    inputs: Mapping[str, Mapping[str, float | None]] | None = None,
    plugin: Plugin | None = None,
    timeout: float | None = None,
) -> dict[str, float | MetricError | None]:
    """Compute ``metric`` for ``subjects`` over ``period`` from the ``records`` given
    (by dataset key, or ``key@version``), as perfloop would.

    Returns each subject's value: a number, None, or a
    :class:`~perfloop.plugins.MetricError` whose ``message`` says why there is none
    (the metric raised, hung past ``timeout`` seconds, returned garbage, or said so).
    ``subjects`` defaults to every subject named in the records. ``params`` are checked
    against the metric's schema first (ValueError naming each problem); a dataset whose
    template cannot be found is a ValueError too. ``plugin`` is the plugin the metric
    belongs to, for the dataset templates it ships (a :class:`~perfloop.plugins.Provider`
    brings its own)."""
    from perfloop.plugins import MetricContext, MetricError, Period, Provider, run_metric

    if isinstance(metric, Provider):
        plugin, metric = plugin or metric.plugin, metric.metric
    chosen = dict(params or {})
    problems = metric.check_params(chosen)
    if problems:
        listed = "; ".join(f"{_pointer(path)}: {message}" for path, message in problems)
        raise ValueError(f"params of metric {metric.key!r} do not fit its schema: {listed}")
    datasets = _datasets(metric, records or {}, plugin)
    context = MetricContext(
        subjects=tuple(subjects) if subjects is not None else _subjects(datasets),
        period=period if isinstance(period, Period) else Period(*map(_day, period)),
        params=chosen,
        datasets=datasets,
        reads=metric.reads,
        inputs=dict(inputs or {}),
    )
    found = _wait(run_metric(metric, context, timeout=timeout))
    return {
        subject: MetricError(outcome.error) if outcome.error is not None else outcome.value
        for subject, outcome in found.items()
    }


@pytest.fixture
def metric_runner() -> Callable[..., dict[str, float | MetricError | None]]:
    """:func:`run_metric_on`, as a fixture (``metric_runner(metric, period=..., records=...)``)."""
    return run_metric_on


def dataset_for(
    ref: str, records: Sequence[Mapping[str, Any]] = (), *, plugin: Plugin | None = None
) -> Dataset:
    """The :class:`~perfloop.plugins.Dataset` ``ref`` (``key`` for its latest version,
    or ``key@version``) holding ``records``, with the subject and date fields of its
    template; ValueError when no template has that name."""
    from perfloop.plugins import Dataset

    key, _, version = ref.partition("@")
    templates = _templates(plugin.templates if plugin is not None else None)
    found = templates.get(key, int(version)) if version.isdigit() else templates.latest(key)
    if found is None or found.kind != "dataset":
        where = " or the plugin's templates" if plugin is not None else ""
        message = (
            f"no dataset template {ref!r} among perfloop's built-ins, the installed "
            f"plugins'{where}; give Dataset(...) for it in records"
        )
        raise ValueError(message)
    document = found.document
    return Dataset(
        key=key,
        subject_field=str(document["subjectField"]),
        date_field=str(document["dateField"]),
        records=tuple(records),
        lowercase_subject=document.get("subjectType") == "employee-email",
        ref=f"{found.key}@{found.version}",
    )


def check_plugin(plugin: Plugin) -> list[str]:
    """Each problem of the templates ``plugin`` ships (empty when there is none): they
    load and validate over perfloop's own built-ins, and every indicator of its KPI
    libraries whose source names this plugin names one of its metrics with parameters
    that fit the metric's schema. ``assert check_plugin(plugin) == []`` in a test."""
    if plugin.templates is None:
        return []
    from perfloop.templates import TemplateLoadError, load_templates

    own = _own_templates()
    try:
        shipped = load_templates(plugin.templates, base=own)
    except TemplateLoadError as exc:
        return [str(exc)]
    problems: list[str] = []
    for template in shipped:
        if template.kind != "kpi-library" or own.get(template.key, template.version):
            continue
        for index, indicator in enumerate(template.document.get("indicators", [])):
            source = indicator.get("source") or {}
            if source.get("type") != "plugin" or source.get("plugin") != plugin.name:
                continue
            where = f"{template.key}@{template.version} /indicators/{index}/source"
            chosen = plugin.metric(str(source.get("metric")))
            if chosen is None:
                named = source.get("metric")
                problems.append(f"{where}/metric: {plugin.name!r} has no metric {named!r}")
                continue
            for path, message in chosen.check_params(source.get("params", {})):
                problems.append(f"{where}/params{_pointer(path)}: {message}")
    return problems


def _pointer(path: Sequence[str | int]) -> str:
    return "".join(f"/{part}" for part in path) or "/"


def _day(value: _Day) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _datasets(
    metric: Metric, records: Mapping[str, Records], plugin: Plugin | None
) -> dict[str, Dataset]:
    """The datasets of ``records``, and those the metric reads that were not given
    (without records), by key."""
    from perfloop.plugins import Dataset

    given = {ref.split("@", 1)[0]: ref for ref in records}
    refs = [*records, *(r.dataset for r in metric.reads if r.key not in given)]
    out: dict[str, Dataset] = {}
    for ref in refs:
        value = records.get(ref, ())
        found = value if isinstance(value, Dataset) else dataset_for(ref, value, plugin=plugin)
        out[ref.split("@", 1)[0]] = found
    return out


def _subjects(datasets: Mapping[str, Dataset]) -> tuple[str, ...]:
    named: set[str] = set()
    for found in datasets.values():
        for record in found.records:
            who = record.get(found.subject_field)
            if who is not None:
                named.add(str(who).lower() if found.lowercase_subject else str(who))
    return tuple(sorted(named))


def _wait(work: Coroutine[Any, Any, dict[str, Outcome]]) -> dict[str, Outcome]:
    """Run a coroutine to its end from plain code, or from a test already in an event
    loop (in a thread of its own, with its own loop)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work).result()


@functools.cache
def _own_templates() -> BuiltinRegistry:
    """perfloop's own built-in templates, without any plugin's."""
    from perfloop import paths
    from perfloop.templates import load_templates

    return load_templates(paths.builtin_templates_dir())


@functools.cache
def _templates(folder: Path | None) -> BuiltinRegistry:
    """The built-ins (perfloop's and the installed plugins'), and those in ``folder``
    when it is not an installed plugin's."""
    from perfloop.plugins import get_registry
    from perfloop.plugins.registry import on_change
    from perfloop.templates import load_builtin_templates, load_templates

    on_change(_templates.cache_clear)  # built from the registry: forgotten when it changes
    installed = load_builtin_templates()
    if folder is None or folder in {f for _, f in get_registry().template_dirs()}:
        return installed
    return load_templates(folder, base=installed)
