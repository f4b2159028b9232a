"""The built-in export lists: a cycle's results, a team's plans, the payout list.

Each reads under the caller's scope of the permission it names, in keyset batches of
BATCH rows by employee number. A domain adds its list here (docs/exports.md): its
columns and a row source calling the domain's public functions or tables.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, func, select, true

from perfloop.authz import Permission
from perfloop.services import payouts
from perfloop.services.core.scopes import employees_in_scope
from perfloop.services.exports.registry import Column, ExportList, ExportQuery, register
from perfloop.services.results import PUBLISHED
from perfloop.store.org import Employee, OrgUnit
from perfloop.store.plans import Scorecard, ScorecardItem
from perfloop.store.results import Result

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller

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
            ScorecardItem.target, ScorecardItem.weight,
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
        name, unit, *rest, number, _, _ = row
        yield (number, name, unit, *rest)


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
