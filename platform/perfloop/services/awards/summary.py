"""The annual summary (年度绩效总结): a person's result of a summary cycle (the year of
``quarterly-review``) from their quarters' published results.

Rules:

- **The cycle template decides how.** Its ``summary``: ``combine`` ``avg`` (the
  mean), ``weighted`` (``weights`` in period order: 20/25/25/30 for Q1…Q4), ``last``
  (the latest quarter with a result) or ``best`` (the highest total, the earliest of
  equal ones); ``missing`` what a quarter without a published result does: ``skip``
  (the default: it does not count and the other weights are re-normalised), ``zero``
  (it counts as 0 with its weight) or ``none`` (no annual value until every quarter
  has one). The engine computes it (``perfloop.engine.summarize_periods``) for the
  total, the KPI part, the review part and the completion alike (``last``/``best``
  take the chosen quarter's parts).
- **The scoring template decides the band.** The annual rating and multiplier come from
  the scoring template of the person's latest quarter with a result, with the
  parameters it was scored with (``rate_summary``: its ``/rating/formula`` and
  ``/incentive/multiplier``), and its rules across periods (``periods.rules``: a target
  met N quarters in a row, an improvement on the quarter before) are evaluated over the
  quarters (``ScoringScheme.summarize``).
- **Only published quarters count**, each person's latest published version of each
  quarter's cycle (a child of the summary cycle). A quarter not opened is missing.
- **Read like a result.** Whoever may read a person's published results (``result.read``:
  themself, their team, their subtree, the company) reads their annual summary; a person
  out of reach and one without any published quarter answer alike (null, or left out).
  Computed on read; nothing is stored (the quarters' published results are immutable,
  so the same quarters always give the same summary).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, exists, func, select

from perfloop.authz import Permission
from perfloop.engine import ScoringScheme, rate_summary, summarize_periods, to_json
from perfloop.services import apps, cycles, plans
from perfloop.services.awards.common import completion_of, number, scheme_for
from perfloop.services.core.pagination import DEFAULT_PAGE_CAP, Page, keyset_page
from perfloop.services.core.scopes import employees_in_scope
from perfloop.store.cycles import Cycle
from perfloop.store.org import Employee, OrgUnit
from perfloop.store.results import Result

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller

_COMBINE_TEXT = {
    "avg": ("平均", "the average"),
    "weighted": ("加权平均", "the weighted average"),
    "last": ("最后一期", "the last period"),
    "best": ("最好一期", "the best period"),
}
_MISSING_TEXT = {
    "skip": (
        "缺少结果的周期不计入，其余权重按比例放大",
        "a period without a result does not count; the others' weights are re-normalised",
    ),
    "zero": ("缺少结果的周期按 0 分计入", "a period without a result counts as 0"),
    "none": ("所有周期都有结果后才计算年度结果", "no annual result until every period has one"),
}


@dataclass(frozen=True)
class SummaryPeriod:
    period: str
    cycle_id: int | None
    version: int | None
    total: float | None
    kpi: float | None
    review: float | None
    completion: float | None
    rating: str | None
    #: the template's weight of the period (``weighted``), else None
    weight: float | None
    #: the period's share of the annual value (0 when it did not count)
    share: float


@dataclass(frozen=True)
class SummaryRule:
    key: str
    title: Mapping[str, str]
    value: Any


@dataclass(frozen=True)
class AnnualView:
    cycle_id: int
    period: str
    employee_id: int
    employee_name: str
    employee_no: str
    org_unit_id: int
    combine: str
    missing_rule: str
    total: float | None
    kpi: float | None
    review: float | None
    completion: float | None
    rating: str | None
    multiplier: float | None
    scoring_ref: str
    periods: tuple[SummaryPeriod, ...]
    missing: tuple[str, ...]
    rules: tuple[SummaryRule, ...]
    title: Mapping[str, str]

    def lines(self, lang: str) -> list[str]:
        """The summary as sentences in ``lang`` (zh-CN or en), naming each period and
        its weight."""
        zh = lang == "zh-CN"
        how = _COMBINE_TEXT.get(self.combine, (self.combine, self.combine))[0 if zh else 1]
        out = []
        for p in self.periods:
            value = _fmt(p.total)
            weight = f"{p.weight:g}" if p.weight is not None else None
            if p.total is None:
                out.append(
                    f"{p.period}：无已发布结果" if zh else f"{p.period}: no published result"
                )
                continue
            share = f"{p.share * 100:.4g}%"
            if zh:
                out.append(
                    f"{p.period}：总分 {value}，等级 {p.rating or '—'}"
                    + (f"，权重 {weight}" if weight else "") + f"，计入比例 {share}"
                )  # fmt: skip
            else:
                out.append(
                    f"{p.period}: total {value}, rating {p.rating or '-'}"
                    + (f", weight {weight}" if weight else "") + f", counts {share}"
                )  # fmt: skip
        rule = _MISSING_TEXT.get(self.missing_rule, ("", ""))[0 if zh else 1]
        if self.missing:
            out.append(
                f"缺少：{'、'.join(self.missing)}（{rule}）"
                if zh
                else f"missing: {', '.join(self.missing)} ({rule})"
            )
        if zh:
            out.append(
                f"年度结果（{how}）：{_fmt(self.total)}，等级 {self.rating or '—'}，"
                f"奖金系数 {_fmt(self.multiplier)}（{self.scoring_ref}）"
            )
        else:
            out.append(
                f"annual result ({how}): {_fmt(self.total)}, rating {self.rating or '-'}, "
                f"bonus multiplier {_fmt(self.multiplier)} ({self.scoring_ref})"
            )
        for r in self.rules:
            title = r.title.get(lang) or r.title.get("en") or r.key
            said = {True: ("是", "yes"), False: ("否", "no")}.get(r.value, ("—", "-"))
            out.append(f"{title}：{said[0]}" if zh else f"{title}: {said[1]}")
        return out


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{round(value, 2):g}"


@dataclass(frozen=True)
class _Plan:
    """What a summary cycle's template says, and its periods' cycles."""

    cycle: Cycle
    combine: str
    missing: str
    weights: list[float] | None
    labels: list[str]
    children: dict[str, Cycle]
    title: Mapping[str, str]


async def _plan(session: AsyncSession, caller: Caller, cycle_id: int) -> _Plan | None:
    """The summary cycle's plan; None for a cycle that is not a summary (no annual
    results); NOT_FOUND for a cycle not the tenant's."""
    cycle = await plans.get_cycle(session, caller, cycle_id)
    if not cycle.is_summary:
        return None
    record = await apps.load_template(
        session, caller.tenant_id, "cycle", cycle.template_key, cycle.template_version
    )
    body: Mapping[str, Any] = record.body if record is not None else {}
    summary = body.get("summary") or {}
    parsed = cycles.parse_period(cycle.period)
    labels = (
        [p.label for p in cycles.sub_periods(parsed, str(body.get("period")))]
        if parsed is not None
        else []
    )
    children = {
        c.period: c
        for c in (
            await session.execute(
                select(Cycle).where(
                    Cycle.tenant_id == caller.tenant_id, Cycle.parent_id == cycle.id
                )
            )
        ).scalars()
    }
    weights = summary.get("weights")
    combine = str(summary.get("combine") or "avg")
    if combine == "weighted" and (not isinstance(weights, list) or len(weights) != len(labels)):
        raise plans.invalid(
            "the cycle template's summary weights do not match its periods", ("cycle",)
        )
    return _Plan(
        cycle=cycle,
        combine=combine,
        missing=str(summary.get("missing") or "skip"),
        weights=[float(w) for w in weights] if combine == "weighted" and weights else None,
        labels=labels,
        children=children,
        title=dict(summary.get("title") or {}),
    )


def _readable(caller: Caller) -> ColumnElement[bool]:
    scope = caller.require(Permission.RESULT_READ)
    return and_(
        Result.tenant_id == caller.tenant_id,
        Result.status == "published",
        employees_in_scope(caller, scope, Result.employee_id),
    )


async def _quarters(
    session: AsyncSession, caller: Caller, plan: _Plan, employee_ids: Sequence[int]
) -> dict[int, dict[int, Result]]:
    """Each person's latest published result of each period's cycle: person -> cycle -> row."""
    cycle_ids = [c.id for c in plan.children.values()]
    if not cycle_ids or not employee_ids:
        return {}
    where = [
        _readable(caller),
        Result.cycle_id.in_(cycle_ids),
        Result.employee_id.in_(employee_ids),
    ]
    latest = (
        select(Result.cycle_id, Result.employee_id, func.max(Result.version).label("version"))
        .where(*where)
        .group_by(Result.cycle_id, Result.employee_id)
        .subquery()
    )
    rows = await session.execute(
        select(Result).join(
            latest,
            and_(
                latest.c.cycle_id == Result.cycle_id,
                latest.c.employee_id == Result.employee_id,
                latest.c.version == Result.version,
            ),
        )
    )
    out: dict[int, dict[int, Result]] = {}
    for r in rows.scalars():
        out.setdefault(r.employee_id, {})[r.cycle_id] = r
    return out


async def _view(
    session: AsyncSession, plan: _Plan, employee: Employee, found: Mapping[int, Result]
) -> AnnualView | None:
    rows: list[Result | None] = []
    for label in plan.labels:
        child = plan.children.get(label)
        rows.append(found.get(child.id) if child is not None else None)
    present = [r for r in rows if r is not None]
    if not present:
        return None
    last = present[-1]
    scheme: ScoringScheme | None = await scheme_for(session, plan.cycle.tenant_id, last)
    parts: dict[str, list[float | None]] = {"total": [], "kpi": [], "review": [], "completion": []}
    for r in rows:
        parts["total"].append(r.total if r is not None else None)
        parts["kpi"].append(r.kpi_part if r is not None else None)
        parts["review"].append(r.review_part if r is not None else None)
        parts["completion"].append(
            completion_of(scheme, r) if r is not None and scheme is not None else None
        )
    weights = plan.weights
    combined = summarize_periods(parts["total"], plan.combine, weights, plan.missing)
    values: dict[str, float | None] = {"total": combined.value}
    for name in ("kpi", "review", "completion"):
        series = parts[name]
        if combined.chosen is not None:
            values[name] = series[combined.chosen]
        elif combined.value is None:
            values[name] = None
        else:  # the same shares as the total: a part missing in a counted period is skipped
            values[name] = summarize_periods(
                [v if combined.weights[i] > 0 or plan.missing == "zero" else None
                 for i, v in enumerate(series)],
                plan.combine, weights, "skip" if plan.missing == "none" else plan.missing,
            ).value  # fmt: skip
    total = values["total"]
    rating: Any = None
    multiplier: Any = None
    rules: tuple[SummaryRule, ...] = ()
    if scheme is not None:
        rating, multiplier = rate_summary(
            scheme, total=total, kpi=values["kpi"], review=values["review"],
            completion=values["completion"],
        )  # fmt: skip
        periods_data = [
            {"period": label, "weight": (weights[i] if weights else None),
             "total": parts["total"][i], "kpi": parts["kpi"][i], "review": parts["review"][i],
             "completion": parts["completion"][i],
             "rating": rows[i].rating if rows[i] is not None else None,  # type: ignore[union-attr]
             "multiplier": rows[i].multiplier if rows[i] is not None else None}  # type: ignore[union-attr]
            for i, label in enumerate(plan.labels)
        ]  # fmt: skip
        summarized = scheme.summarize(periods_data)
        titles = {
            str(r.get("key")): dict(r.get("title") or {})
            for r in (scheme.template.get("periods") or {}).get("rules") or []
        }
        rules = tuple(
            SummaryRule(key, titles.get(key, {"en": key}), to_json(value))
            for key, value in summarized.rules.items()
        )
    periods = tuple(
        SummaryPeriod(
            period=label,
            cycle_id=plan.children[label].id if label in plan.children else None,
            version=rows[i].version if rows[i] is not None else None,  # type: ignore[union-attr]
            total=parts["total"][i],
            kpi=parts["kpi"][i],
            review=parts["review"][i],
            completion=parts["completion"][i],
            rating=rows[i].rating if rows[i] is not None else None,  # type: ignore[union-attr]
            weight=weights[i] if weights else None,
            share=combined.weights[i],
        )
        for i, label in enumerate(plan.labels)
    )
    return AnnualView(
        cycle_id=plan.cycle.id, period=plan.cycle.period, employee_id=employee.id,
        employee_name=employee.name, employee_no=employee.employee_no,
        org_unit_id=employee.org_unit_id, combine=plan.combine, missing_rule=plan.missing,
        total=number(total), kpi=number(values["kpi"]), review=number(values["review"]),
        completion=number(values["completion"]),
        rating=rating if isinstance(rating, str) else None,
        multiplier=number(to_json(multiplier)), scoring_ref=last.scoring_ref,
        periods=periods, missing=tuple(plan.labels[i] for i in combined.missing),
        rules=rules, title=plan.title,
    )  # fmt: skip


async def annual_result(
    session: AsyncSession, caller: Caller, cycle_id: int, employee_id: int
) -> AnnualView | None:
    """One person's annual summary of the summary cycle, or None when out of reach,
    without any published period result, or when the cycle is not a summary."""
    caller.require(Permission.RESULT_READ)
    plan = await _plan(session, caller, cycle_id)
    if plan is None:
        return None
    employee = await session.get(Employee, employee_id)
    if employee is None or employee.tenant_id != caller.tenant_id:
        return None
    found = await _quarters(session, caller, plan, [employee_id])
    return await _view(session, plan, employee, found.get(employee_id, {}))


async def annual_results(
    session: AsyncSession,
    caller: Caller,
    cycle_id: int,
    *,
    org_unit_id: int | None = None,
    first: int | None = None,
    after: str | None = None,
    page_cap: int = DEFAULT_PAGE_CAP,
) -> Page[AnnualView]:
    """The annual summaries the caller may read, by employee number: the people in
    reach with at least one published period result (in ``org_unit_id``'s subtree); none
    when the cycle is not a summary."""
    caller.require(Permission.RESULT_READ)
    plan = await _plan(session, caller, cycle_id)
    cycle_ids = [-1] if plan is None else [c.id for c in plan.children.values()] or [-1]
    has_result = exists().where(
        _readable(caller), Result.cycle_id.in_(cycle_ids), Result.employee_id == Employee.id
    )
    query = select(Employee.id).where(Employee.tenant_id == caller.tenant_id, has_result)
    if org_unit_id is not None:
        unit = await session.get(OrgUnit, org_unit_id)
        if unit is None or unit.tenant_id != caller.tenant_id:
            raise plans.not_found("org unit", ("orgUnit",))
        units = select(OrgUnit.id).where(
            OrgUnit.tenant_id == caller.tenant_id,
            OrgUnit.path.startswith(unit.path, autoescape=True),
        )
        query = query.where(Employee.org_unit_id.in_(units))
    page = await keyset_page(
        session, query, (Employee.employee_no, Employee.id), first=first, after=after,
        cap=page_cap, what="annual result",
    )  # fmt: skip
    ids = list(page.items)
    if not ids or plan is None:
        return replace(page, items=[])
    people = {
        e.id: e
        for e in (await session.execute(select(Employee).where(Employee.id.in_(ids)))).scalars()
    }
    found = await _quarters(session, caller, plan, ids)
    views, cursors = [], []
    for i, cursor in zip(ids, page.cursors, strict=True):
        view = await _view(session, plan, people[i], found.get(i, {}))
        if view is not None:  # a result of a cycle that is not one of the periods: none
            views.append(view)
            cursors.append(cursor)
    return replace(page, items=views, cursors=cursors)


__all__ = [
    "AnnualView",
    "SummaryPeriod",
    "SummaryRule",
    "annual_result",
    "annual_results",
]
