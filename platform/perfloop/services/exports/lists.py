"""The built-in export lists: a cycle's results, a team's plans, the payout list, and
the lists of issue 12 (candidates, training needs, improvement plans, awards, annual
results, appeals), each read through its domain's own scoped read.

Each reads under the caller's scope of the permission it names, in keyset batches of
BATCH rows by employee number. A domain adds its list here (docs/exports.md): its
columns and a row source calling the domain's public functions or tables.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, func, select, true

from perfloop.authz import Permission
from perfloop.services import appeals, awards, improvement, payouts
from perfloop.services.core.errors import ErrorCode, ServiceError
from perfloop.services.core.scopes import employees_in_scope
from perfloop.services.exports.registry import (
    Argument,
    Column,
    ExportList,
    ExportQuery,
    register,
)
from perfloop.services.results import PUBLISHED
from perfloop.store.org import Employee, OrgUnit
from perfloop.store.plans import Scorecard, ScorecardItem
from perfloop.store.results import Result

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller
    from perfloop.services.core.pagination import Page

#: rows read per statement
BATCH = 1_000


def _in_unit(org_unit_id: int | None, tenant_id: int) -> ColumnElement[bool]:
    """People placed in the org unit's subtree (no unit: everyone)."""
    if org_unit_id is None:
        return true()
    path = (
        select(OrgUnit.path)
        .where(OrgUnit.id == org_unit_id, OrgUnit.tenant_id == tenant_id)
        .scalar_subquery()
    )
    units = select(OrgUnit.id).where(
        OrgUnit.tenant_id == tenant_id, OrgUnit.path.startswith(path, autoescape=False)
    )
    return Employee.org_unit_id.in_(units)


async def _batches(session: AsyncSession, query: Any, key: Sequence[Any]) -> AsyncIterator[Any]:
    """The rows of ``query`` ordered by ``key`` (unique together, the last an id),
    BATCH at a time by keyset."""
    last: tuple[Any, ...] | None = None
    while True:
        batch = query
        if last is not None:
            batch = batch.where(_after(key, last))
        rows = (await session.execute(batch.order_by(*key).limit(BATCH))).all()
        for row in rows:
            yield row
        if len(rows) < BATCH:
            return
        last = tuple(rows[-1][-len(key) :])


def _after(key: Sequence[Any], last: Sequence[Any]) -> ColumnElement[bool]:
    """(k1, k2, …) > (v1, v2, …), written out (both databases)."""
    head, *rest = key
    if not rest:
        return head > last[0]  # type: ignore[no-any-return]
    return (head > last[0]) | and_(head == last[0], _after(rest, last[1:]))  # type: ignore[no-any-return]


# -- results ---------------------------------------------------------------------------

RESULT_COLUMNS = (
    Column("employee_no", "工号", "Employee no."),
    Column("name", "姓名", "Name"),
    Column("org_unit", "部门", "Org unit"),
    Column("position", "岗位", "Position"),
    Column("grade", "职级", "Grade"),
    Column("version", "版本", "Version"),
    Column("kpi", "KPI 得分", "KPI part"),
    Column("review", "评估得分", "Review part"),
    Column("total", "总分", "Total"),
    Column("rating", "等级", "Rating"),
    Column("multiplier", "奖金系数", "Bonus multiplier"),
    Column("published_at", "发布时间", "Published at"),
)


async def result_rows(
    session: AsyncSession, caller: Caller, query: ExportQuery
) -> AsyncIterator[Sequence[Any]]:
    """Each person's latest published result of the cycle in the caller's result.read
    scope (as ``results(status: PUBLISHED)`` lists them)."""
    scope = caller.require(Permission.RESULT_READ)
    latest = (
        select(Result.employee_id, func.max(Result.version).label("version"))
        .where(
            Result.tenant_id == caller.tenant_id,
            Result.cycle_id == query.cycle_id,
            Result.status == PUBLISHED,
            employees_in_scope(caller, scope, Result.employee_id),
        )
        .group_by(Result.employee_id)
        .subquery()
    )
    rows = (
        select(
            Employee.name, OrgUnit.name, Employee.position, Employee.grade, Result.version,
            Result.kpi_part, Result.review_part, Result.total, Result.rating, Result.multiplier,
            Result.published_at, Employee.employee_no, Result.id,
        )
        .join(latest, and_(Result.employee_id == latest.c.employee_id,
                           Result.version == latest.c.version))
        .join(Employee, Employee.id == Result.employee_id)
        .join(OrgUnit, OrgUnit.id == Employee.org_unit_id)
        .where(Result.cycle_id == query.cycle_id,
               _in_unit(query.org_unit_id, caller.tenant_id))
    )  # fmt: skip
    async for row in _batches(session, rows, (Employee.employee_no, Result.id)):
        name, unit, position, grade, *numbers, published_at, number, _ = row
        yield (number, name, unit, position, grade, *numbers, published_at)


# -- plans -----------------------------------------------------------------------------

PLAN_COLUMNS = (
    Column("employee_no", "工号", "Employee no."),
    Column("name", "姓名", "Name"),
    Column("org_unit", "部门", "Org unit"),
    Column("status", "计划状态", "Plan status"),
    Column("item", "指标编码", "Item key"),
    Column("title", "指标名称", "Item"),
    Column("unit", "单位", "Unit"),
    Column("direction", "方向", "Direction"),
    Column("target", "目标值", "Target"),
    Column("weight", "权重", "Weight"),
)


async def plan_rows(
    session: AsyncSession, caller: Caller, query: ExportQuery
) -> AsyncIterator[Sequence[Any]]:
    """The plans of the cycle in the caller's scorecard.read scope (a team: ``orgUnit``),
    one row per plan item, by employee number and the item's position."""
    scope = caller.require(Permission.SCORECARD_READ)
    rows = (
        select(
            Employee.name, OrgUnit.name, Scorecard.status, ScorecardItem.key,
            ScorecardItem.title, ScorecardItem.unit, ScorecardItem.direction,
            ScorecardItem.target, ScorecardItem.weight, ScorecardItem.titles,
            Employee.employee_no, ScorecardItem.position, ScorecardItem.id,
        )
        .join(Scorecard, Scorecard.id == ScorecardItem.scorecard_id)
        .join(Employee, Employee.id == Scorecard.employee_id)
        .join(OrgUnit, OrgUnit.id == Employee.org_unit_id)
        .where(
            Scorecard.tenant_id == caller.tenant_id,
            Scorecard.cycle_id == query.cycle_id,
            employees_in_scope(caller, scope, Scorecard.employee_id),
            _in_unit(query.org_unit_id, caller.tenant_id),
        )
    )  # fmt: skip
    key = (Employee.employee_no, ScorecardItem.position, ScorecardItem.id)
    async for row in _batches(session, rows, key):
        name, unit, status, item_key, title, *rest, titles, number, _, _ = row
        # the item's title in the file's language (items from before 0018 have one title)
        title = (titles or {}).get(query.lang) or title
        yield (number, name, unit, status, item_key, title, *rest)


# -- payouts ---------------------------------------------------------------------------

PAYOUT_COLUMNS = (
    Column("employee_no", "工号", "Employee no."),
    Column("name", "姓名", "Name"),
    Column("org_unit", "部门", "Org unit"),
    Column("position", "岗位", "Position"),
    Column("grade", "职级", "Grade"),
    Column("result_version", "结果版本", "Result version"),
    Column("rating", "等级", "Rating"),
    Column("basis", "分档依据", "Tier basis"),
    Column("basis_value", "依据值", "Basis value"),
    Column("tier", "档次", "Tier"),
    Column("base", "奖金基数", "Base amount"),
    Column("base_source", "基数来源", "Base from"),
    Column("multiplier", "系数", "Multiplier"),
    Column("amount", "奖金金额", "Amount"),
    Column("flags", "提示", "Flags"),
)


async def payout_rows(
    session: AsyncSession, caller: Caller, query: ExportQuery
) -> AsyncIterator[Sequence[Any]]:
    """The cycle's payout list (``version``, or the latest) in the caller's reach."""
    lines = payouts.iter_lines(
        session, caller, query.cycle_id, query.version, org_unit_id=query.org_unit_id
    )
    async for line in lines:
        yield (
            line.employee_no, line.employee_name, line.org_unit_name, line.position,
            line.grade, line.result_version, line.rating, line.basis, line.basis_value,
            line.tier, line.base, line.base_source, line.multiplier, line.amount,
            " ".join(line.flags),
        )  # fmt: skip


RESULTS = register(
    ExportList(
        "results",
        {"zh-CN": "考核结果", "en": "Results"},
        Permission.RESULT_READ,
        RESULT_COLUMNS,
        result_rows,
    )
)
PLANS = register(
    ExportList(
        "plans",
        {"zh-CN": "绩效计划", "en": "Plans"},
        Permission.SCORECARD_READ,
        PLAN_COLUMNS,
        plan_rows,
    )
)
PAYOUTS = register(
    ExportList(
        "payouts",
        {"zh-CN": "奖金发放", "en": "Payouts"},
        Permission.PAYOUT_READ,
        PAYOUT_COLUMNS,
        payout_rows,
    )
)


# -- the lists of other domains, read through their own scoped reads -----------------


async def _pages(fetch: Callable[[str | None], Awaitable[Page[Any]]]) -> AsyncIterator[Any]:
    """Every item of a domain's paged read (``fetch(after)`` asks for BATCH items)."""
    after: str | None = None
    while True:
        page = await fetch(after)
        for item in page.items:
            yield item
        if not page.has_next_page or not page.items:
            return
        after = page.cursors[-1]


async def _unit_people(
    session: AsyncSession, caller: Caller, org_unit_id: int | None
) -> set[int] | None:
    """The people placed in the org unit's subtree (None: no unit asked for); it only
    narrows what the domain's read already allowed."""
    if org_unit_id is None:
        return None
    found = await session.execute(
        select(Employee.id).where(
            Employee.tenant_id == caller.tenant_id, _in_unit(org_unit_id, caller.tenant_id)
        )
    )
    return set(found.scalars().all())


def _text(value: Mapping[str, str] | None, lang: str) -> str | None:
    """A bilingual text in ``lang`` (else the other language)."""
    if not value:
        return None
    return value.get(lang) or next(iter(value.values()), None)


def _one_of(value: str | None, known: Sequence[str], name: str) -> str | None:
    """``value`` when it is one of ``known`` (None stays None); INVALID naming them."""
    if value is not None and value not in known:
        raise ServiceError.one(
            ErrorCode.INVALID,
            f"unknown {name} {value!r}: use one of {', '.join(known) or '(none in this cycle)'}",
            (name,),
        )
    return value


# -- candidates ------------------------------------------------------------------------

CANDIDATE_COLUMNS = (
    Column("employee_no", "工号", "Employee no."),
    Column("name", "姓名", "Name"),
    Column("list", "名单", "List"),
    Column("list_title", "名单名称", "List title"),
    Column("reason", "原因", "Reason"),
    Column("topics", "培训主题", "Topics"),
    Column("result_version", "结果版本", "Result version"),
    Column("status", "状态", "Status"),
    Column("note", "决定说明", "Decision note"),
    Column("decided_at", "决定时间", "Decided at"),
)
CANDIDATE_STATUSES = ("proposed", "confirmed", "removed")


async def candidate_rows(
    session: AsyncSession, caller: Caller, query: ExportQuery
) -> AsyncIterator[Sequence[Any]]:
    """The cycle's candidate entries in the caller's candidate.read scope (as
    ``candidates`` lists them), of one ``list`` and ``status`` when given, by list and
    employee number; the reason in the file's language."""
    lists = await improvement.candidate_lists(session, caller, query.cycle_id)
    titles = {x.key: x.title for x in lists}
    key = _one_of(query.options.get("list"), list(titles), "list")
    status = _one_of(query.options.get("status"), CANDIDATE_STATUSES, "status")
    unit = await _unit_people(session, caller, query.org_unit_id)

    def fetch(after: str | None) -> Awaitable[Page[Any]]:
        return improvement.candidate_page(
            session, caller, query.cycle_id, list_key=key, status=status,
            first=BATCH, after=after, page_cap=BATCH,
        )  # fmt: skip

    async for e in _pages(fetch):
        if unit is not None and e.employee_id not in unit:
            continue
        yield (
            e.employee_no, e.employee_name, e.list_key, _text(titles.get(e.list_key), query.lang),
            _text(e.reason, query.lang), "、".join(e.topics), e.result_version, e.status,
            e.note, e.decided_at,
        )  # fmt: skip


# -- training needs --------------------------------------------------------------------

TRAINING_COLUMNS = (
    Column("topic", "培训主题", "Topic"),
    Column("people", "人数", "People"),
    Column("from_lists", "来自候选名单", "From candidate lists"),
    Column("from_plans", "来自改进计划", "From improvement plans"),
    Column("names", "人员", "Names"),
)


async def training_rows(
    session: AsyncSession, caller: Caller, query: ExportQuery
) -> AsyncIterator[Sequence[Any]]:
    """The cycle's training needs by topic (as ``trainingNeeds``, candidate.read scope),
    most people first; the names of the people the caller may see: entries of the
    training lists (candidate.read) and improvement plans (improvement.read, when the
    caller has it). ``orgUnit`` is refused (the counts are the cycle's)."""
    if query.org_unit_id is not None:
        raise ServiceError.one(
            ErrorCode.INVALID,
            "training needs count the whole cycle in your scope: orgUnit is not taken",
            ("orgUnit",),
        )
    needs = await improvement.training_needs(session, caller, query.cycle_id)
    lists = await improvement.candidate_lists(session, caller, query.cycle_id)
    names: dict[str, dict[str, str]] = {}  # topic -> employee no -> name
    for training in [x.key for x in lists if x.training]:

        def entries(after: str | None, key: str = training) -> Awaitable[Page[Any]]:
            return improvement.candidate_page(
                session, caller, query.cycle_id, list_key=key, first=BATCH, after=after,
                page_cap=BATCH,
            )  # fmt: skip

        async for e in _pages(entries):
            if e.status != "removed":
                for topic in e.topics:
                    names.setdefault(str(topic), {})[e.employee_no] = e.employee_name
    if caller.scope(Permission.IMPROVEMENT_READ) is not None:

        def plans(after: str | None) -> Awaitable[Page[Any]]:
            return improvement.plan_page(
                session, caller, query.cycle_id, first=BATCH, after=after, page_cap=BATCH
            )

        async for p in _pages(plans):
            for topic in p.topics:
                names.setdefault(str(topic), {})[p.employee_no] = p.employee_name
    for need in needs:
        people = names.get(need.topic, {})
        shown = "、".join(people[no] for no in sorted(people))
        yield (need.topic, need.people, need.from_lists, need.from_plans, shown)


# -- improvement plans -----------------------------------------------------------------

IMPROVEMENT_COLUMNS = (
    Column("employee_no", "工号", "Employee no."),
    Column("name", "姓名", "Name"),
    Column("owner", "负责人", "Owner"),
    Column("status", "状态", "Status"),
    Column("reason", "原因", "Reason"),
    Column("gaps", "差距指标", "Gaps"),
    Column("topics", "培训主题", "Topics"),
    Column("starts_on", "开始日期", "Starts on"),
    Column("ends_on", "结束日期", "Ends on"),
    Column("carried_cycle", "转入周期", "Carried into cycle"),
    Column("outcome", "结论", "Outcome"),
    Column("outcome_note", "结论说明", "Outcome note"),
    Column("closed_at", "关闭时间", "Closed at"),
)
IMPROVEMENT_STATUSES = ("open", "closed")


def _gap(gap: Mapping[str, Any]) -> str:
    title = str(gap.get("title") or gap.get("key") or "")
    completion = gap.get("completion")
    if isinstance(completion, int | float):  # a ratio (0.59: 59 %)
        return f"{title} {completion:.0%}"
    return title


async def improvement_rows(
    session: AsyncSession, caller: Caller, query: ExportQuery
) -> AsyncIterator[Sequence[Any]]:
    """The improvement plans opened in the cycle in the caller's improvement.read scope
    (as ``improvementPlans``), of one ``status`` when given, by employee number."""
    status = _one_of(query.options.get("status"), IMPROVEMENT_STATUSES, "status")
    unit = await _unit_people(session, caller, query.org_unit_id)

    def fetch(after: str | None) -> Awaitable[Page[Any]]:
        return improvement.plan_page(
            session, caller, query.cycle_id, status=status, first=BATCH, after=after,
            page_cap=BATCH,
        )  # fmt: skip

    async for batch in _batched(_pages(fetch)):
        owners = {p.owner_id for p in batch if p.owner_id is not None}
        named = dict(
            (
                await session.execute(
                    select(Employee.id, Employee.name).where(
                        Employee.tenant_id == caller.tenant_id, Employee.id.in_(owners)
                    )
                )
            ).all()
        ) if owners else {}  # fmt: skip
        for p in batch:
            if unit is not None and p.employee_id not in unit:
                continue
            yield (
                p.employee_no, p.employee_name, named.get(p.owner_id), p.status,
                _text(p.reason, query.lang), "; ".join(_gap(g) for g in p.gaps),
                "、".join(p.topics), p.starts_on, p.ends_on, p.carried_cycle_id, p.outcome,
                p.outcome_note, p.closed_at,
            )  # fmt: skip


async def _batched(items: AsyncIterator[Any]) -> AsyncIterator[list[Any]]:
    batch: list[Any] = []
    async for item in items:
        batch.append(item)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


# -- awards ----------------------------------------------------------------------------

AWARD_COLUMNS = (
    Column("award", "奖项编码", "Award key"),
    Column("title", "奖项", "Award"),
    Column("org_unit", "单位", "Unit"),
    Column("employee_no", "工号", "Employee no."),
    Column("name", "获奖人", "Winner"),
    Column("value", "排名值", "Value"),
    Column("decided_by", "决定依据", "Decided by"),
    Column("result_version", "结果版本", "Result version"),
    Column("status", "状态", "Status"),
    Column("announced_at", "公布时间", "Announced at"),
)


async def award_rows(
    session: AsyncSession, caller: Caller, query: ExportQuery
) -> AsyncIterator[Sequence[Any]]:
    """The cycle's award winners as ``awards`` reads them (award.read: the announced
    ones; award.manage: the preview of the rest too), of one ``award`` when given, by
    award and unit."""
    key = query.options.get("award")
    views = await awards.awards(
        session, caller, query.cycle_id, award_key=key, org_unit_id=query.org_unit_id
    )
    if key is not None and not views:
        every = await awards.awards(session, caller, query.cycle_id)
        _one_of(key, sorted({v.award_key for v in every}), "award")
    for v in views:
        yield (
            v.award_key, _text(v.title, query.lang), v.org_unit_name, v.employee_no,
            v.employee_name, v.value, _text(v.decided_by_title, query.lang) or v.decided_by,
            v.result_version, v.status, v.announced_at,
        )  # fmt: skip


# -- annual results --------------------------------------------------------------------

ANNUAL_COLUMNS = (
    Column("employee_no", "工号", "Employee no."),
    Column("name", "姓名", "Name"),
    Column("period", "年度", "Year"),
    Column("total", "年度总分", "Annual total"),
    Column("kpi", "KPI 得分", "KPI part"),
    Column("review", "评估得分", "Review part"),
    Column("rating", "等级", "Rating"),
    Column("multiplier", "奖金系数", "Bonus multiplier"),
    Column("used", "计入期间", "Periods used"),
    Column("missing", "缺失期间", "Periods missing"),
)


async def annual_rows(
    session: AsyncSession, caller: Caller, query: ExportQuery
) -> AsyncIterator[Sequence[Any]]:
    """Each person's annual result of a summary cycle in the caller's result.read scope
    (as ``annualResults``), by employee number; the periods that counted with their
    share."""

    def fetch(after: str | None) -> Awaitable[Page[Any]]:
        return awards.annual_results(
            session, caller, query.cycle_id, org_unit_id=query.org_unit_id, first=BATCH,
            after=after, page_cap=BATCH,
        )  # fmt: skip

    async for a in _pages(fetch):
        used = " ".join(f"{p.period}({p.share:.0%})" for p in a.periods if p.share)
        yield (
            a.employee_no, a.employee_name, a.period, a.total, a.kpi, a.review, a.rating,
            a.multiplier, used, " ".join(a.missing),
        )  # fmt: skip


# -- appeals ---------------------------------------------------------------------------

APPEAL_COLUMNS = (
    Column("appeal", "申诉编号", "Appeal"),
    Column("name", "姓名", "Name"),
    Column("result_version", "申诉版本", "Result version"),
    Column("filed_at", "提交时间", "Filed at"),
    Column("status", "状态", "Status"),
    Column("reviewer", "审核人", "Reviewer"),
    Column("decision", "决定", "Decision"),
    Column("reason", "决定理由", "Reason"),
    Column("decided_by", "决定人", "Decided by"),
    Column("decided_at", "决定时间", "Decided at"),
    Column("total_before", "原总分", "Total before"),
    Column("total_after", "新总分", "Total after"),
    Column("rating_before", "原等级", "Rating before"),
    Column("rating_after", "新等级", "Rating after"),
    Column("new_version", "新版本", "New version"),
)
APPEAL_STATUSES = ("open", "decided")


async def appeal_rows(
    session: AsyncSession, caller: Caller, query: ExportQuery
) -> AsyncIterator[Sequence[Any]]:
    """The cycle's appeals the caller may read (as ``appeals``: appeal.read scope, and
    those they decide), of one ``status`` when given, newest first."""
    status = _one_of(query.options.get("status"), APPEAL_STATUSES, "status")
    unit = await _unit_people(session, caller, query.org_unit_id)

    def fetch(after: str | None) -> Awaitable[Page[Any]]:
        return appeals.appeal_page(
            session, caller, cycle_id=query.cycle_id, status=status, first=BATCH, after=after,
            page_cap=BATCH,
        )  # fmt: skip

    async for a in _pages(fetch):
        if unit is not None and a.employee_id not in unit:
            continue
        before, after = a.before or {}, a.after or {}
        yield (
            a.id, a.employee_name, a.result_version, a.filed_at, a.status,
            a.reviewer_name or ("HR" if a.reviewer_id is None else None), a.decision, a.reason,
            a.decided_by, a.decided_at, before.get("total"), after.get("total"),
            before.get("rating"), after.get("rating"), a.new_version,
        )  # fmt: skip


CANDIDATES = register(
    ExportList(
        "candidates",
        {"zh-CN": "候选名单", "en": "Candidates"},
        Permission.CANDIDATE_READ,
        CANDIDATE_COLUMNS,
        candidate_rows,
        arguments=(
            Argument("list", {"zh-CN": "名单（如 promotion）", "en": "one list (promotion, …)"}),
            Argument("status", {"zh-CN": "状态", "en": "proposed, confirmed or removed"}),
        ),
    )
)
TRAINING_NEEDS = register(
    ExportList(
        "training-needs",
        {"zh-CN": "培训需求", "en": "Training needs"},
        Permission.CANDIDATE_READ,
        TRAINING_COLUMNS,
        training_rows,
    )
)
IMPROVEMENT_PLANS = register(
    ExportList(
        "improvement-plans",
        {"zh-CN": "改进计划", "en": "Improvement plans"},
        Permission.IMPROVEMENT_READ,
        IMPROVEMENT_COLUMNS,
        improvement_rows,
        arguments=(Argument("status", {"zh-CN": "状态", "en": "open or closed"}),),
    )
)
AWARDS = register(
    ExportList(
        "awards",
        {"zh-CN": "奖项", "en": "Awards"},
        Permission.AWARD_READ,
        AWARD_COLUMNS,
        award_rows,
        arguments=(
            Argument("award", {"zh-CN": "奖项编码", "en": "one award (star-of-the-period, …)"}),
        ),
    )
)
ANNUAL_RESULTS = register(
    ExportList(
        "annual-results",
        {"zh-CN": "年度结果", "en": "Annual results"},
        Permission.RESULT_READ,
        ANNUAL_COLUMNS,
        annual_rows,
    )
)
APPEALS = register(
    ExportList(
        "appeals",
        {"zh-CN": "申诉", "en": "Appeals"},
        Permission.APPEAL_READ,
        APPEAL_COLUMNS,
        appeal_rows,
        arguments=(Argument("status", {"zh-CN": "状态", "en": "open or decided"}),),
    )
)
