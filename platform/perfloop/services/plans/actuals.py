"""Actuals and check-ins.

An item's actual for a period comes from its indicator's source:

- ``dataset``: a declarative aggregation over business records, computed in
  SQL by ``perfloop.services.datasets.aggregate_sources`` — one statement per
  dataset for all the sources and people concerned, never one per person;
- ``formula``: a formula over other indicators of the same library
  (``perfloop.engine.compile``), whose inputs are the person's other items or
  the library's dataset indicators, aggregated the same way;
- ``plugin``: a metric plugin's provider (``perfloop.metrics`` entry points), run
  for all the people of a group at once with its faults contained, its answers
  cached while the data it reads is unchanged (``metrics.py``);
- ``manual``: entered by someone with ``actual.enter`` in scope; who and when
  are kept on the row and in the audit log.

Every computed source is run by a provider of the metric plugin registry
(``perfloop.dataset``, ``perfloop.formula`` or the plugin's), and its actual keeps
its provenance (provider, version, parameters, dates and datasets read).

``refresh_actuals`` recomputes the dataset and formula actuals of a cycle and
stores them, so reading plans back never aggregates business records.
``missing_actual_count`` feeds the cycles' ``actuals-complete`` guard.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Text, and_, cast, exists, func, select, true

from perfloop.authz import Permission
from perfloop.engine import Formula, FormulaError, compile
from perfloop.plugins import MetricContext, Period, Provider, run_metric
from perfloop.plugins.builtin import NAME as BUILTIN
from perfloop.services.core import audit
from perfloop.services.core.errors import ErrorCode, ServiceError, UserError
from perfloop.services.core.pagination import DEFAULT_PAGE_CAP, Page, keyset_page
from perfloop.services.core.scopes import employees_in_scope
from perfloop.services.plans import metrics
from perfloop.services.plans.common import (
    get_cycle,
    in_cycle_period,
    indicators_of,
    invalid,
    not_found,
    scorecard_in_scope,
    template_bodies,
)
from perfloop.settings import get_settings
from perfloop.store.core import (
    keep_rows,
    lock_rows,
    refresh_statistics,
    upsert,
    upsert_many,
    utcnow,
)
from perfloop.store.org import Employee, OrgUnit
from perfloop.store.plans import Actual, Checkin, Scorecard, ScorecardItem

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller
    from perfloop.store.cycles import Cycle


log = logging.getLogger(__name__)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


async def _item_in_scope(
    session: AsyncSession, caller: Caller, permission: Permission, item_id: int
) -> tuple[ScorecardItem, Scorecard]:
    scope = caller.require(permission)
    row = (
        await session.execute(
            keep_rows(  # a plan edit removing the item waits until its actual is written
                select(ScorecardItem, Scorecard)
                .join(Scorecard, Scorecard.id == ScorecardItem.scorecard_id)
                .where(
                    ScorecardItem.id == item_id,
                    ScorecardItem.tenant_id == caller.tenant_id,
                    employees_in_scope(caller, scope, Scorecard.employee_id),
                ),
                ScorecardItem,
            )
        )
    ).first()
    if row is None:
        raise not_found("scorecard item", ("item",), zh="未找到该指标项，或无权查看")
    return row[0], row[1]


COMPUTED = ("dataset", "formula", "plugin")


async def enter_actual(
    session: AsyncSession,
    caller: Caller,
    item_id: int,
    value: float | None,
    *,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
    note: str | None = None,
    override: bool = False,
) -> Actual:
    """Record an actual by hand (the cycle's period unless another is given).

    An item whose source computes its actual (a dataset, a formula) takes no manual
    entry: the next refresh would overwrite it. Replacing a computed actual is an
    explicit ``override``: by someone who manages the plan (never on their own), with a
    reason in ``note``; it is audited, and refreshes leave it alone."""
    item, card = await _item_in_scope(session, caller, Permission.ACTUAL_ENTER, item_id)
    computed = (item.source or {}).get("type") in COMPUTED
    if computed and not override:
        raise invalid(
            f"this item's actual comes from its {item.source['type']} source (refreshActuals);"
            " to replace it, someone who manages the plan enters an override with a reason",
            ("item",),
            detail="computed-source",
            zh=f"此指标项的实际值来自其 {item.source['type']} 数据源（refreshActuals）；"
            "如需替换，须由计划管理者填写原因后录入覆盖值",
        )
    if override:
        await _may_override(session, caller, card, computed, note)
    cycle = await get_cycle(session, caller, card.cycle_id)
    start, end = period_start or cycle.starts_on, period_end or cycle.ends_on
    if end < start:
        raise invalid(
            "the period ends before it starts", ("periodEnd",), zh="期间的结束日期早于开始日期"
        )
    row = await _write_actual(
        session, caller, item, (start, end), value, override=override, note=note
    )
    await session.commit()
    return row


async def _write_actual(
    session: AsyncSession,
    caller: Caller,
    item: ScorecardItem,
    dates: tuple[dt.date, dt.date],
    value: float | None,
    *,
    override: bool,
    note: str | None,
) -> Actual:
    """Store an item's actual for a period (the row locked, then upserted) and audit it;
    flushes, does not commit."""
    start, end = dates
    period = (Actual.item_id == item.id, Actual.period_start == start, Actual.period_end == end)
    found = await lock_rows(session, Actual, *period)
    before = {"value": found[0].value, "source": found[0].source} if found else None
    source = "override" if override else "manual"
    values = {
        "tenant_id": caller.tenant_id,
        "item_id": item.id,
        "period_start": start,
        "period_end": end,
        "value": value,
        "source": source,
        "entered_by_id": caller.user_id,
        "note": note,
        "error": None,
        "provenance": None,  # a value entered by hand is nobody's computation
        "updated_at": utcnow(),
    }
    # the first actual of an item and period, entered by two people at once, is one row
    await upsert(
        session, Actual, values, _PERIOD_KEY, ("value", "source", "entered_by_id", "note",
                                               "error", "provenance", "updated_at"),
    )  # fmt: skip
    row = (
        await session.execute(
            select(Actual).where(*period).execution_options(populate_existing=True)
        )
    ).scalar_one()
    audit.record(
        session, caller, "actual.override" if override else "actual.enter", "scorecard_item",
        item.id, before=before,
        after={"value": value, "periodStart": start.isoformat(), "periodEnd": end.isoformat()},
        note=note,
    )  # fmt: skip
    return row


async def correct_actuals(
    session: AsyncSession,
    caller: Caller,
    scorecard_id: int,
    values: Mapping[str, float | None],
    *,
    note: str,
) -> list[Actual]:
    """Record corrected actuals on a plan's items by key, for the cycle's period: what
    an appeal's adjustment decided (``services.appeals``), so the plan says what the
    adjusted result says. An item whose source computes its actual gets an
    ``override`` (refreshes leave it alone), any other a manual actual; each with
    ``note`` (the reason) and who entered it, audited as ``actual.override`` or
    ``actual.enter``, in item order. A key the plan no longer has is skipped.

    The caller's right is the decision's, checked by the caller of this function (the
    appeal's reviewer or HR, whatever their ``actual.enter`` scope, the plan signed
    and the cycle at any stage). Flushes, does not commit."""
    card = await session.get(Scorecard, scorecard_id)
    if card is None or card.tenant_id != caller.tenant_id or not values:
        return []
    cycle = await get_cycle(session, caller, card.cycle_id)
    items = (
        await session.execute(
            keep_rows(  # a plan edit removing the item waits until its actual is written
                select(ScorecardItem)
                .where(ScorecardItem.scorecard_id == card.id, ScorecardItem.key.in_(list(values)))
                .order_by(ScorecardItem.id),
                ScorecardItem,
            )
        )
    ).scalars().all()  # fmt: skip
    written = []
    for item in items:  # in id order, as a refresh writes: the two cannot deadlock
        computed = (item.source or {}).get("type") in COMPUTED
        period = (cycle.starts_on, cycle.ends_on)
        row = await _write_actual(
            session, caller, item, period, values[item.key], override=computed, note=note
        )
        written.append(row)
    return written


_PERIOD_KEY = ("item_id", "period_start", "period_end")


async def _may_override(
    session: AsyncSession, caller: Caller, card: Scorecard, computed: bool, note: str | None
) -> None:
    if not computed:
        raise invalid(
            "only a computed actual (dataset, formula, plugin) is overridden",
            ("override",),
            zh="只有计算得出的实际值（数据集、公式、插件）才能被覆盖",
        )
    if caller.employee_id == card.employee_id:
        raise ServiceError.one(
            ErrorCode.FORBIDDEN,
            "an override of your own actual is entered by the next level up (or HR)",
            ("override",),
            detail="own-plan",
            zh="你自己的实际值须由上级（或 HR）录入覆盖",
        )
    await scorecard_in_scope(session, caller, Permission.SCORECARD_MANAGE, card.id)
    if not (note and note.strip()):
        raise invalid(
            "an override needs a reason in `note`",
            ("note",),
            zh="覆盖实际值须在说明（note）中填写原因",
        )


def _key(source: Mapping[str, Any]) -> str:
    return json.dumps(source, sort_keys=True, ensure_ascii=False)


@dataclass
class _Need:
    source: Mapping[str, Any]
    subjects: set[str]


@dataclass
class _Work:
    """One computed item: its dataset source, or its formula and the sources it names."""

    row: Any
    source: Mapping[str, Any] | None = None
    formula: Formula | None = None
    inputs: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    #: where the answers are: (source key, subject) of the source and of each input
    at: tuple[str, str] | None = None
    inputs_at: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class FailedItem:
    """A computed item a refresh could not compute, and why."""

    item_id: int
    scorecard_id: int
    key: str
    message: str


@dataclass(frozen=True)
class RefreshResult:
    #: computed actuals written (errored ones included, with an empty value)
    updated: int
    failed: list[FailedItem]
    #: overrides left as they were
    overridden: int = 0


def _subject(row: Any, subject_type: str) -> str:
    """How a dataset names the person of a plan: by email, employee number or unit code."""
    if subject_type == "employee-id":
        return str(row.employee_no)
    if subject_type == "org-unit":
        return str(row.unit_code)
    return str(row.email)


def _message(exc: ServiceError) -> str:
    return "; ".join(e.message for e in exc.errors)


async def _subject_types(
    session: AsyncSession, tenant_id: int, sources: list[Mapping[str, Any]]
) -> tuple[dict[str, str], dict[str, str]]:
    """How each dataset names its subjects, and why the ones that cannot be read failed."""
    from perfloop.services.datasets import resolve_dataset  # type: ignore[import-untyped,unused-ignore]

    kinds: dict[str, str] = {}
    failed: dict[str, str] = {}
    for ref in sorted({s["dataset"] for s in sources if isinstance(s.get("dataset"), str)}):
        try:
            kinds[ref] = (await resolve_dataset(session, tenant_id, ref)).subject_type
        except ServiceError as exc:
            failed[ref] = _message(exc)
    return kinds, failed


async def _aggregate(
    session: AsyncSession, tenant_id: int, needs: dict[str, _Need], start: dt.date, end: dt.date
) -> tuple[dict[str, dict[str, float | None]], dict[str, str]]:
    """Each source aggregated once, the sources over the same records in one scan; a
    source that fails is reported by its key and the others go on."""
    from perfloop.services.datasets import aggregate_sources  # type: ignore[import-untyped,unused-ignore]

    done = await aggregate_sources(
        session,
        tenant_id,
        {key: (need.source, sorted(need.subjects)) for key, need in needs.items()},
        start,
        end,
    )
    return done.values, done.failed


@dataclass(slots=True)
class _ItemRow:
    """An item of a plan being refreshed, with its person and current actual."""

    id: int
    scorecard_id: int
    key: str
    indicator_key: str | None
    library_ref: str | None
    source: dict[str, Any]
    email: str
    employee_no: str
    unit_code: str
    current: float | None
    current_source: str | None


def _decoded(memo: dict[str | None, dict[str, Any]], text: str | None) -> dict[str, Any]:
    """A source's JSON text, decoded once per distinct text (shared, not to be changed)."""
    found = memo.get(text)
    if found is None:
        value = json.loads(text) if text else None
        found = memo[text] = value if isinstance(value, dict) else {}
    return found


async def _plan_rows(
    session: AsyncSession,
    caller: Caller,
    cycle: Cycle,
    scope: Any,
    org_unit_ids: Collection[int] | None = None,
) -> list[_ItemRow]:
    """The items of the plans in scope (of people in ``org_unit_ids``, when given) with
    their current actual, held until the refresh commits: a plan edit removing one of
    them waits, and one removed before is not read (its actual would fail the foreign
    key)."""
    in_units = Employee.org_unit_id.in_(org_unit_ids) if org_unit_ids is not None else true()
    rows = (
        await session.execute(
            keep_rows(
                select(
                    ScorecardItem.id,
                    ScorecardItem.scorecard_id,
                    ScorecardItem.key,
                    ScorecardItem.indicator_key,
                    ScorecardItem.library_ref,
                    # as text: decoded once per distinct source, not once per item
                    cast(ScorecardItem.source, Text).label("source"),
                    Employee.email,
                    Employee.employee_no,
                    OrgUnit.code.label("unit_code"),
                    Actual.value.label("current"),
                    Actual.source.label("current_source"),
                )
                .join(Scorecard, Scorecard.id == ScorecardItem.scorecard_id)
                .join(Employee, Employee.id == Scorecard.employee_id)
                .join(OrgUnit, OrgUnit.id == Employee.org_unit_id)
                .outerjoin(
                    Actual,
                    and_(Actual.item_id == ScorecardItem.id, in_cycle_period(cycle)),
                )
                .where(
                    Scorecard.tenant_id == caller.tenant_id,
                    Scorecard.cycle_id == cycle.id,
                    employees_in_scope(caller, scope, Scorecard.employee_id),
                    in_units,
                )
                .order_by(ScorecardItem.id),
                ScorecardItem,
            )
        )
    ).all()
    decoded: dict[str | None, dict[str, Any]] = {}
    return [_ItemRow(*r[:5], _decoded(decoded, r.source), *r[6:]) for r in rows]


async def refresh_actuals(
    session: AsyncSession,
    caller: Caller,
    cycle_id: int,
    *,
    today: dt.date | None = None,
    org_unit_ids: Collection[int] | None = None,
    plugin_timeout: float | None = None,
) -> RefreshResult:
    """Recompute and store the dataset, formula and plugin actuals of the plans in
    scope for the cycle's period (up to ``today``).

    Every source is computed by a provider of the metric plugin registry, run with
    its faults contained (``perfloop.plugins.run_metric``): ``perfloop.dataset``,
    ``perfloop.formula`` or the plugin's metric, for at most ``plugin_timeout``
    seconds (the ``plugin_timeout_seconds`` setting unless given; a metric's own
    shorter ``timeout`` first).

    A dataset source is aggregated once for everyone who needs it, each person named
    as the dataset names its subjects (email, employee number or org unit code). A
    plugin metric is run once per set of parameters for everyone who needs it, named
    as the first dataset it reads names them (by employee email when it reads none).
    A formula reads the person's other items (manual actuals, overrides and plugin
    actuals included) and the library's dataset indicators it names. An override is
    left as it is. A source that fails (a dataset gone, a field it no longer has, a
    formula that does not compile or evaluate, a plugin missing, raising, too slow or
    answering garbage) marks its items as failed — stored with an empty value and the
    reason, and listed in the result — and the other items refresh. Everything is
    written at the end, in one transaction.

    ``org_unit_ids`` narrows the refresh to the people placed in those units (the
    company-wide refresh job runs it one department at a time)."""
    scope = caller.require(Permission.ACTUAL_ENTER)
    cycle = await get_cycle(session, caller, cycle_id)
    if plugin_timeout is None:
        plugin_timeout = get_settings().plugin_timeout_seconds
    rows = await _plan_rows(session, caller, cycle, scope, org_unit_ids)
    computed = [
        r
        for r in rows
        if (r.source or {}).get("type") in COMPUTED and r.current_source != "override"
    ]
    overridden = sum(
        1
        for r in rows
        if (r.source or {}).get("type") in COMPUTED and r.current_source == "override"
    )
    if not computed:
        return RefreshResult(0, [], overridden)
    source_types = {r.id: str(r.source["type"]) for r in computed}
    libraries = await template_bodies(
        session, caller.tenant_id, [r.library_ref for r in computed if r.library_ref], "kpi-library"
    )
    # what each item needs: its own dataset source, or a formula and the sources it names
    work: list[_Work] = []
    by_library: dict[str, dict[str, Any]] = {}
    groups: dict[int, metrics.PluginGroup] = {}  # by the identity of a (shared) source
    grouped: dict[str, metrics.PluginGroup] = {}  # by provider and parameters
    for r in computed:
        if r.source["type"] == "dataset":
            work.append(_Work(r, source=r.source))
            continue
        if r.source["type"] == "plugin":
            group = groups.get(id(r.source))
            if group is None:
                params = r.source.get("params") or {}
                metric = r.source.get("metric")
                key = metrics.canonical([r.source.get("plugin"), metric, params])
                group = groups[id(r.source)] = grouped.setdefault(
                    key,
                    metrics.PluginGroup(
                        str(r.source.get("plugin")), None if metric is None else str(metric), params
                    ),
                )
            group.items.append(r)
            continue
        try:
            formula = compile(str(r.source.get("formula", "")))
        except FormulaError:  # the formula provider says why
            work.append(_Work(r))
            continue
        indicators = by_library.get(r.library_ref or "")
        if indicators is None:
            indicators = by_library[r.library_ref or ""] = indicators_of(
                libraries.get(r.library_ref or "") or {}
            )
        inputs = {
            name: source
            for name in formula.names
            if (source := (indicators.get(name) or {}).get("source") or {}).get("type") == "dataset"
        }
        work.append(_Work(r, formula=formula, inputs=inputs))
    sources = [s for w in work for s in ([w.source] if w.source else w.inputs.values())]
    kinds, unreadable = await _subject_types(session, caller.tenant_id, sources)
    needs: dict[str, _Need] = {}
    failed_sources: dict[str, str] = {}

    keys: dict[int, str] = {}  # by the identity of a (shared) source

    def need(source: Mapping[str, Any], row: Any) -> tuple[str, str]:
        key = keys.get(id(source))
        if key is None:
            key = keys[id(source)] = _key(source)
        dataset = str(source.get("dataset"))
        if dataset in unreadable:
            failed_sources[key] = unreadable[dataset]
        else:
            subject = _subject(row, kinds.get(dataset, "employee-email"))
            needs.setdefault(key, _Need(source, set())).subjects.add(subject)
            return key, subject
        return key, ""

    for w in work:
        w.at = need(w.source, w.row) if w.source else None
        w.inputs_at = {name: need(source, w.row) for name, source in w.inputs.items()}
    end = min(cycle.ends_on, today) if today is not None else cycle.ends_on
    period = Period(cycle.starts_on, max(cycle.starts_on, end))
    found_registry = metrics.registry()
    dataset_provider = found_registry.provider(BUILTIN, "dataset")
    formula_provider = found_registry.provider(BUILTIN, "formula")
    assert dataset_provider is not None
    assert formula_provider is not None
    aggregated, failed_aggregates = await _aggregate(
        session, caller.tenant_id, needs, cycle.starts_on, end
    )
    failed_sources.update(failed_aggregates)
    # each aggregation run through the perfloop.dataset provider, from the batch's answers
    results, failed_runs = await metrics.run_builtin_aggregations(
        dataset_provider,
        {k: (needs[k].source, sorted(needs[k].subjects)) for k in aggregated},
        aggregated,
        period,
        plugin_timeout,
    )
    failed_sources.update(failed_runs)

    def found(at: tuple[str, str]) -> float | None:
        return _number(results.get(at[0], {}).get(at[1]))

    values: dict[int, tuple[float | None, str | None]] = {}
    # each item's provenance as JSON text, encoded once per source (not once per item)
    origins: dict[int, str] = {}
    encoded: dict[str, str] = {}  # by source key or formula text

    def origin(at: str, provider: Provider, params: Mapping[str, Any], read: list[str]) -> str:
        text = encoded.get(at)
        if text is None:
            made = metrics.provenance(provider, params, period, read)
            text = encoded[at] = json.dumps(made, ensure_ascii=False)
        return text

    known: dict[int, dict[str, float | None]] = {}  # per plan: the person's items by name
    for r in rows:  # manual items and overrides with a value
        if r.id not in source_types and _number(r.current) is not None:
            known.setdefault(r.scorecard_id, {})[r.indicator_key or r.key] = _number(r.current)
    for w in work:
        if w.at is not None:
            error = failed_sources.get(w.at[0])
            values[w.row.id] = (None, error) if error else (found(w.at), None)
            source = w.source or {}
            origins[w.row.id] = origin(
                f"d:{w.at[0]}",
                dataset_provider,
                metrics.without_type(source),
                [str(source.get("dataset"))],
            )
            if not error:
                known.setdefault(w.row.scorecard_id, {})[w.row.indicator_key or w.row.key] = found(
                    w.at
                )
    # plugin groups: each provider run once for the people who need it
    cache_rows: list[dict[str, Any]] = []
    for group in grouped.values():
        done = await metrics.compute_plugin_group(
            session, caller.tenant_id, group, _subject, period, plugin_timeout, cache_rows
        )
        text = json.dumps(done.provenance, ensure_ascii=False)
        for r in group.items:
            origins[r.id] = text
            if done.error is not None:
                values[r.id] = (None, done.error)
                continue
            outcome = done.outcomes[_subject(r, done.subject_type)]
            values[r.id] = (outcome.value, outcome.error)
            if outcome.error is None:
                known.setdefault(r.scorecard_id, {})[r.indicator_key or r.key] = outcome.value
    # formulas: one run of perfloop.formula per formula text, its subjects the items
    formulas: dict[str, list[tuple[_Work, dict[str, float | None]]]] = {}
    for w in work:
        if w.at is not None:
            continue
        text = str(w.row.source.get("formula", ""))
        datasets = sorted({str(s.get("dataset")) for s in w.inputs.values()})
        origins[w.row.id] = origin(
            f"f:{text}|{'|'.join(datasets)}", formula_provider, {"formula": text}, datasets
        )
        broken = sorted(n for n, at in w.inputs_at.items() if at[0] in failed_sources)
        if broken:
            reasons = "; ".join(f"{n}: {failed_sources[w.inputs_at[n][0]]}" for n in broken)
            values[w.row.id] = (None, f"inputs of the formula failed ({reasons})")
            continue
        data = {name: found(at) for name, at in w.inputs_at.items()}
        data.update(known.get(w.row.scorecard_id, {}))
        formulas.setdefault(text, []).append((w, data))
    for text, chosen in formulas.items():
        context = MetricContext(
            subjects=tuple(str(w.row.id) for w, _ in chosen),
            period=period,
            params={"formula": text},
            inputs={str(w.row.id): data for w, data in chosen},
        )
        outcomes = await run_metric(formula_provider.metric, context, timeout=plugin_timeout)
        for w, _ in chosen:
            outcome = outcomes[str(w.row.id)]
            values[w.row.id] = (outcome.value, outcome.error)
    now = utcnow()
    if cache_rows:
        await metrics.write_cache(session, cache_rows)
    await upsert_many(
        session,
        Actual,
        [
            {
                "tenant_id": caller.tenant_id,
                "item_id": item_id,
                "period_start": cycle.starts_on,
                "period_end": cycle.ends_on,
                "value": value,
                "error": error,
                "source": source_types[item_id],
                "entered_by_id": None,
                "provenance": origins.get(item_id, "null"),
                "updated_at": now,
            }
            # in item order, as the rows were held: two refreshes cannot deadlock
            for item_id, (value, error) in sorted(values.items())
        ],
        _PERIOD_KEY,
        ("value", "error", "source", "entered_by_id", "provenance", "updated_at"),
        unless=Actual.source == "override",  # an override entered meanwhile stays
        encoded=("provenance",),
    )
    by_id = {r.id: r for r in computed}
    failed = [
        FailedItem(item_id, by_id[item_id].scorecard_id, by_id[item_id].key, error)
        for item_id, (_, error) in values.items()
        if error is not None
    ]
    audit.record(
        session, caller, "actuals.refresh", "cycle", cycle.id,
        after={"items": len(values), "failed": len(failed), "until": end.isoformat()},
    )  # fmt: skip
    await session.commit()
    await refresh_statistics(session, len(values), Actual)  # a large refresh
    return RefreshResult(len(values), failed, overridden)


MAX_CHECKIN_NOTE = 4000


def _checkin_problems(progress: float | None, confidence: float, note: str) -> list[UserError]:
    """What is wrong with a check-in, field by field."""
    problems: list[UserError] = []
    if progress is not None and not 0 <= progress <= 1:
        message, zh = "progress is between 0 and 1", "进度须在 0 到 1 之间"
        problems.append(UserError(ErrorCode.INVALID, message, ("progress",), message_zh=zh))
    if not 0 <= confidence <= 1:
        message, zh = "confidence is between 0 and 1", "信心值须在 0 到 1 之间"
        problems.append(UserError(ErrorCode.INVALID, message, ("confidence",), message_zh=zh))
    if not 1 <= len(note) <= MAX_CHECKIN_NOTE:
        message = f"a note of 1 to {MAX_CHECKIN_NOTE} characters is required"
        zh = f"请填写 1 到 {MAX_CHECKIN_NOTE} 个字符的说明"
        problems.append(UserError(ErrorCode.INVALID, message, ("note",), message_zh=zh))
    return problems


async def check_in(
    session: AsyncSession,
    caller: Caller,
    scorecard_id: int,
    *,
    confidence: float,
    note: str,
    progress: float | None = None,
    item_id: int | None = None,
) -> Checkin:
    """Record progress, a note and a confidence (0 to 1) on a plan or one of its items."""
    card = await scorecard_in_scope(session, caller, Permission.CHECKIN_WRITE, scorecard_id)
    note = note.strip()
    problems = _checkin_problems(progress, confidence, note)
    if problems:  # every field's problem at once, for a form to show them together
        raise ServiceError(problems)
    if item_id is not None:
        owner = (  # held: a plan edit removing the item waits for the check-in
            await session.execute(
                keep_rows(
                    select(ScorecardItem.scorecard_id).where(ScorecardItem.id == item_id),
                    ScorecardItem,
                )
            )
        ).scalar_one_or_none()
        if owner != card.id:
            raise not_found("scorecard item", ("item",), zh="未找到该指标项，或无权查看")
    row = Checkin(
        tenant_id=caller.tenant_id,
        scorecard_id=card.id,
        item_id=item_id,
        progress=progress,
        confidence=confidence,
        note=note,
        author_id=caller.user_id,
    )
    session.add(row)
    await session.flush()
    audit.record(
        session, caller, "checkin.write", "scorecard", card.id,
        after={"checkin": row.id, "progress": progress, "confidence": confidence},
    )  # fmt: skip
    await session.commit()
    return row


async def list_checkins(
    session: AsyncSession,
    caller: Caller,
    scorecard_id: int,
    *,
    first: int | None = None,
    after: str | None = None,
    page_cap: int = DEFAULT_PAGE_CAP,
) -> Page[Checkin]:
    """Check-ins on a plan the caller may read, newest first, one page."""
    scope = caller.require(Permission.SCORECARD_READ)
    query = (
        select(Checkin)
        .join(Scorecard, Scorecard.id == Checkin.scorecard_id)
        .where(
            Checkin.scorecard_id == scorecard_id,
            Checkin.tenant_id == caller.tenant_id,
            employees_in_scope(caller, scope, Scorecard.employee_id),
        )
    )
    return await keyset_page(
        session,
        query,
        (Checkin.at.desc(), Checkin.id.desc()),
        first=first,
        after=after,
        cap=page_cap,
        what="check-in",
    )


async def missing_actual_count(session: AsyncSession, cycle: Cycle) -> int:
    """Items of the cycle's plans without an actual value for the cycle's period (the
    cycles' "actuals complete" guard). An actual stored as empty (a refresh that found
    nothing to average, a value cleared by hand) is missing too."""
    measured = exists().where(
        Actual.item_id == ScorecardItem.id, in_cycle_period(cycle), Actual.value.is_not(None)
    )
    query = (
        select(func.count())
        .select_from(ScorecardItem)
        .join(Scorecard, Scorecard.id == ScorecardItem.scorecard_id)
        .where(Scorecard.cycle_id == cycle.id, ~measured)
    )
    return int((await session.execute(query)).scalar_one())


__all__ = [
    "FailedItem",
    "RefreshResult",
    "check_in",
    "correct_actuals",
    "enter_actual",
    "list_checkins",
    "missing_actual_count",
    "refresh_actuals",
]
