"""Goal decomposition: a goal tree per cycle, allocation coverage, bottom-up
proposals, the top-down against bottom-up gap report and rolled-up progress.

Unit and position goals (the company's, a department's, a team's) are visible
to everyone who may read goals, so people see what they contribute to;
employee goals are filtered by the caller's scope. Managing a unit goal needs
the unit inside the caller's reach (the tenant, or their own unit's subtree).

Reads are in ``reads.py``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from perfloop.authz import Permission, Scope
from perfloop.engine import DIRECTIONS
from perfloop.services.core import audit
from perfloop.services.core.errors import ErrorCode, ServiceError, UserError
from perfloop.services.goals.reads import goal_in_scope, owner_label
from perfloop.services.plans import (
    LANGS,
    Titles,
    employee_in_scope,
    get_cycle,
    indicators_of,
    invalid,
    not_found,
    own_titles,
    position_name,
    template_bodies,
    titles_errors,
)
from perfloop.store.core import column_length, lock_rows, upsert, utcnow
from perfloop.store.goals import Goal, GoalProposal
from perfloop.store.org import Employee, OrgUnit

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller


LEVELS = ("company", "department", "team", "position", "employee")
UNIT_LEVELS = ("company", "department", "team")
EDITABLE = (
    "title",
    "titles",
    "target",
    "weight",
    "unit",
    "direction",
    "additive",
    "actual",
    "indicator_key",
)
#: Longest text per field (the column sizes).
LENGTHS = {
    name: column_length(Goal, name)
    for name in ("title", "position", "indicator_key", "library_ref", "unit")
}
#: GoalInput's names for the fields the shared lookups report (``cycle`` -> ``cycleId``).
_INPUT_NAMES = {
    "cycle": "cycleId",
    "goal": "parentId",
    "orgUnit": "orgUnitId",
    "employee": "employeeId",
    "indicator_key": "indicatorKey",
    "library_ref": "libraryRef",
}


@dataclass(frozen=True)
class GoalData:
    cycle_id: int
    level: str
    title: str
    parent_id: int | None = None
    org_unit_id: int | None = None
    position: str | None = None
    employee_id: int | None = None
    indicator_key: str | None = None
    library_ref: str | None = None
    target: float | None = None
    unit: str | None = None
    direction: str = "higher"
    additive: bool = True
    weight: float | None = None
    actual: float | None = None
    #: the title per language (``zh-CN``, ``en``; either may be left out, then it reads
    #: as ``title``): see ``plans.own_titles``
    titles: Mapping[str, str | None] | None = None


async def _check_unit(session: AsyncSession, caller: Caller, scope: Scope, unit_id: int) -> None:
    unit = (
        await session.execute(
            select(OrgUnit.path).where(OrgUnit.id == unit_id, OrgUnit.tenant_id == caller.tenant_id)
        )
    ).scalar_one_or_none()
    if unit is None:
        raise not_found("org unit", ("orgUnit",))
    if scope is Scope.TENANT:
        return
    mine = (
        await session.execute(
            select(OrgUnit.path)
            .join(Employee, Employee.org_unit_id == OrgUnit.id)
            .where(Employee.id == caller.employee_id)
        )
    ).scalar_one_or_none()
    if scope is Scope.SELF or mine is None or not unit.startswith(mine):
        raise not_found("org unit", ("orgUnit",))


async def _check_owner(
    session: AsyncSession,
    caller: Caller,
    permission: Permission,
    org_unit_id: int | None,
    employee_id: int | None,
) -> None:
    if employee_id is not None:
        await employee_in_scope(session, caller, permission, employee_id)
    elif org_unit_id is not None:
        await _check_unit(session, caller, caller.require(permission), org_unit_id)
    else:
        raise invalid(
            "a goal is owned by an org unit or an employee",
            ("orgUnit",),
            zh="目标须归属于组织单元或员工",
        )


def _problem(message: str, field: str, zh: str | None = None) -> UserError:
    return UserError(ErrorCode.INVALID, message, (_INPUT_NAMES.get(field, field),), message_zh=zh)


@contextmanager
def _as_input() -> Iterator[None]:
    """Report lookup failures under GoalInput's field names (``parentId``, ``orgUnitId``)."""
    try:
        yield
    except ServiceError as exc:
        renamed = [
            replace(e, path=(_INPUT_NAMES.get(e.path[0], e.path[0]), *e.path[1:])) if e.path else e
            for e in exc.errors
        ]
        raise ServiceError(renamed) from exc


def _value_errors(values: Mapping[str, Any]) -> list[UserError]:
    """Problems of goal values a caller sets (on create or update), naming the field."""
    errors = []
    for name, limit in LENGTHS.items():
        text = values.get(name)
        if isinstance(text, str) and len(text) > limit:
            errors.append(
                _problem(
                    f"{name} is longer than {limit} characters",
                    name,
                    zh=f"{name} 不能超过 {limit} 个字符",
                )
            )
    if "title" in values and not (values["title"] or "").strip():
        errors.append(_problem("a goal needs a title", "title", zh="目标需要填写标题"))
    if "titles" in values and (values["titles"] is not None or "title" not in values):
        errors += titles_errors(values["titles"], ("titles",))
    if "direction" in values and values["direction"] not in DIRECTIONS:
        errors.append(
            _problem(
                f"direction must be one of {', '.join(DIRECTIONS)}",
                "direction",
                zh=f"方向须是以下之一：{', '.join(DIRECTIONS)}",
            )
        )
    if "additive" in values and values["additive"] is None:
        errors.append(
            _problem("additive is true or false", "additive", zh="additive 须为 true 或 false")
        )
    for name in ("target", "weight", "actual"):
        number = values.get(name)
        if number is not None and not math.isfinite(number):
            errors.append(
                _problem(f"{name} must be a finite number", name, zh=f"{name} 须是有限的数字")
            )
    if (values.get("weight") or 0) < 0:
        errors.append(_problem("weight cannot be negative", "weight", zh="权重不能为负数"))
    return errors


def _owner_errors(data: GoalData) -> list[UserError]:
    """The owner a goal's level calls for: a unit, a position within a unit, an employee."""
    if data.level not in LEVELS:
        return [
            _problem(
                f"level must be one of {', '.join(LEVELS)}",
                "level",
                zh=f"层级须是以下之一：{', '.join(LEVELS)}",
            )
        ]
    errors = []
    if data.level == "employee" and data.employee_id is None:
        errors.append(
            _problem("an employee goal names the employee", "employee", zh="员工目标须指定员工")
        )
    if data.level != "employee" and data.employee_id is not None:
        errors.append(
            _problem(
                f"a {data.level} goal is not owned by an employee",
                "employee",
                zh=f"{data.level} 层级的目标不能归属于员工",
            )
        )
    if data.level == "position" and not (data.position or "").strip():
        errors.append(
            _problem("a position goal names the position", "position", zh="岗位目标须指定岗位")
        )
    if data.level != "position" and data.position is not None:
        errors.append(
            _problem(
                "only a position goal names a position", "position", zh="只有岗位目标才能指定岗位"
            )
        )
    if data.level in (*UNIT_LEVELS, "position") and data.org_unit_id is None:
        errors.append(
            _problem(
                f"a {data.level} goal names its org unit",
                "orgUnit",
                zh=f"{data.level} 层级的目标须指定组织单元",
            )
        )
    return errors


async def _indicator_errors(
    session: AsyncSession, caller: Caller, data: GoalData
) -> list[UserError]:
    if data.library_ref is None:
        return []
    found = await template_bodies(session, caller.tenant_id, [data.library_ref], "kpi-library")
    library = found.get(data.library_ref)
    if library is None:
        return [_problem(f"no KPI library {data.library_ref}", "library_ref")]
    if (data.indicator_key or "") not in indicators_of(library):
        message = f"no indicator {data.indicator_key!r} in KPI library {data.library_ref}"
        return [_problem(message, "indicator_key")]
    return []


async def create_goal(session: AsyncSession, caller: Caller, data: GoalData) -> Goal:
    """Add a goal to a cycle's tree; every problem of the input is reported at once,
    under GoalInput's field names, and nothing is written."""
    caller.require(Permission.GOAL_MANAGE)
    with _as_input():
        cycle = await get_cycle(session, caller, data.cycle_id)
    values = {f.name: getattr(data, f.name) for f in fields(data)}
    errors = _owner_errors(data) + _value_errors(values)
    errors += await _indicator_errors(session, caller, data)
    if data.position is not None and not errors:
        values["position"] = await position_name(session, caller.tenant_id, data.position)
        if values["position"] is None:
            errors.append(_problem(f"no position {data.position!r} in this tenant", "position"))
    if errors:
        raise ServiceError(errors)
    with _as_input():
        await _check_owner(
            session, caller, Permission.GOAL_MANAGE, data.org_unit_id, data.employee_id
        )
        await _not_own_target(
            session, caller, data.org_unit_id, data.employee_id,
            ("employeeId",) if data.employee_id is not None else ("orgUnitId",),
        )  # fmt: skip
        if data.parent_id is not None:
            parent = await goal_in_scope(session, caller, data.parent_id, hold="refer")
            if parent.cycle_id != cycle.id:
                raise invalid(
                    "the parent goal belongs to another cycle",
                    ("parentId",),
                    zh="上级目标属于另一个周期",
                )
    # ``title`` keeps the zh-CN one (what it always held), ``titles`` both
    values["titles"] = own_titles(data.title, data.titles)
    values["title"] = values["titles"]["zh-CN"]
    goal = Goal(tenant_id=caller.tenant_id, created_by_id=caller.user_id, **values)
    session.add(goal)
    await session.flush()
    audit.record(
        session, caller, "goal.create", "goal", goal.id,
        after={"title": goal.title, "titles": goal.titles, "target": goal.target,
               "parent": goal.parent_id},
    )  # fmt: skip
    await session.commit()
    return goal


async def _check_managed(session: AsyncSession, caller: Caller, goal: Goal) -> None:
    """A goal the caller may read but not manage answers like a missing one; their own
    targets are FORBIDDEN (the next level up sets them)."""
    try:
        await _check_owner(
            session, caller, Permission.GOAL_MANAGE, goal.org_unit_id, goal.employee_id
        )
    except ServiceError as exc:
        raise not_found("goal", ("goal",)) from exc
    await _not_own_target(session, caller, goal.org_unit_id, goal.employee_id, ("goal",))


async def _not_own_target(
    session: AsyncSession,
    caller: Caller,
    org_unit_id: int | None,
    employee_id: int | None,
    path: tuple[str, ...],
) -> None:
    """Nobody sets their own targets: not their own goal, and below tenant scope not their
    own unit's (a team lead's team goal, a department head's department goal)."""
    own = employee_id is not None and employee_id == caller.employee_id
    if (
        not own
        and employee_id is None
        and org_unit_id is not None
        and caller.employee_id is not None
        and caller.require(Permission.GOAL_MANAGE) is not Scope.TENANT
    ):
        mine = (
            await session.execute(
                select(Employee.org_unit_id).where(Employee.id == caller.employee_id)
            )
        ).scalar_one_or_none()
        own = mine == org_unit_id
    if own:
        raise ServiceError.one(
            ErrorCode.FORBIDDEN,
            "your own targets are set by the next level up (or HR), not by you",
            path,
            detail="own-target",
            zh="你自己的目标由上级（或 HR）制定，不能由你本人设置",
        )


async def update_goal(
    session: AsyncSession, caller: Caller, goal_id: int, changes: dict[str, Any]
) -> Goal:
    """Change some of a goal's values (a ``None`` target, weight, unit or actual clears it:
    a goal without its own actual is measured by its plan items or rolled up)."""
    caller.require(Permission.GOAL_MANAGE)
    goal = await goal_in_scope(session, caller, goal_id, hold="write")
    await _check_managed(session, caller, goal)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise invalid(
            f"cannot change {', '.join(sorted(unknown))}",
            (sorted(unknown)[0],),
            zh=f"不能修改 {', '.join(sorted(unknown))}",
        )
    errors = _value_errors(changes)
    if errors:
        raise ServiceError(errors)
    changes = dict(changes)
    if "title" in changes or "titles" in changes:
        # a language ``titles`` leaves out reads as ``title`` if given, else keeps its own
        current = Titles.of(goal.titles, goal.title)
        title = changes.get("title")
        given = {lang: title or current.get(lang) for lang in LANGS} | {
            lang: text for lang, text in (changes.get("titles") or {}).items() if text
        }
        changes["titles"] = own_titles(None, given)
        changes["title"] = changes["titles"]["zh-CN"]
    before = {k: getattr(goal, k) for k in changes}
    for k, v in changes.items():
        setattr(goal, k, v)
    audit.record(session, caller, "goal.update", "goal", goal.id, before=before, after=changes)
    await session.commit()
    return goal


async def delete_goal(session: AsyncSession, caller: Caller, goal_id: int) -> None:
    caller.require(Permission.GOAL_MANAGE)
    goal = await goal_in_scope(session, caller, goal_id, hold="write")
    await _check_managed(session, caller, goal)
    audit.record(
        session, caller, "goal.delete", "goal", goal.id,
        before={"title": goal.title, "target": goal.target, "parent": goal.parent_id},
    )  # fmt: skip
    await session.delete(goal)
    await session.commit()


def proposal_owner(org_unit_id: int | None, position: str | None, employee_id: int | None) -> str:
    """The one key naming a proposal's owner (``GoalProposal.owner_key``)."""
    if employee_id is not None:
        return f"employee:{employee_id}"
    if position is not None:
        return f"position:{org_unit_id}:{position}"
    return f"unit:{org_unit_id}"


async def propose(
    session: AsyncSession,
    caller: Caller,
    goal_id: int,
    amount: float,
    *,
    org_unit_id: int | None = None,
    position: str | None = None,
    employee_id: int | None = None,
    note: str | None = None,
) -> GoalProposal:
    """Say what a unit, position or person can take on under ``goal_id`` (bottom-up)."""
    caller.require(Permission.GOAL_PROPOSE)
    goal = await goal_in_scope(session, caller, goal_id, hold="refer")
    if not math.isfinite(amount) or amount < 0:
        raise invalid("propose an amount of 0 or more", ("amount",), zh="提议的数值须大于或等于 0")
    if position is not None and (org_unit_id is None or not position.strip()):
        raise invalid(
            "a position's proposal names the position and its org unit",
            ("orgUnit",),
            zh="岗位的提议须指定岗位及其组织单元",
        )
    if position is not None:  # by catalogue code or name, as employees hold it
        held = await position_name(session, caller.tenant_id, position)
        if held is None:
            raise invalid(
                f"no position {position!r} in this tenant",
                ("position",),
                zh=f"本租户中没有岗位 {position!r}",
            )
        position = held
    await _check_owner(session, caller, Permission.GOAL_PROPOSE, org_unit_id, employee_id)
    key = proposal_owner(org_unit_id, position, employee_id)
    found = await lock_rows(
        session, GoalProposal, GoalProposal.goal_id == goal.id, GoalProposal.owner_key == key
    )
    before = {"amount": found[0].amount} if found else None
    # one proposal per owner: two first proposals at once update one row
    values = {
        "tenant_id": caller.tenant_id,
        "goal_id": goal.id,
        "org_unit_id": org_unit_id,
        "position": position,
        "employee_id": employee_id,
        "owner_key": key,
        "amount": amount,
        "note": note,
        "proposed_by_id": caller.user_id,
        "proposed_at": utcnow(),
    }
    changed = ("amount", "note", "proposed_by_id", "proposed_at")
    row_id = await upsert(session, GoalProposal, values, ("goal_id", "owner_key"), changed)
    row = (
        await session.execute(
            select(GoalProposal)
            .where(GoalProposal.id == row_id)
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
    audit.record(
        session, caller, "goal.propose", "goal", goal.id, before=before,
        after={"owner": owner_label(org_unit_id, position, employee_id), "amount": amount},
        note=note,
    )  # fmt: skip
    await session.commit()
    return row
