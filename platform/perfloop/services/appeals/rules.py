"""What a cycle's template says about appeals: the form, the window and the reviewer.

A cycle template may carry an ``appeals`` block (``schemas/meta/cycle.schema.json``):
``reviewer`` (``manager-of-manager``, the default, or ``hr``), ``windowDays`` and
``form``. What it leaves out comes from the template's stages: the form is the
``self`` form of the stage of phase ``appeal``, and without ``windowDays`` the window
is that stage — appeals are filed while the cycle is at it. A template with neither
an appeal stage nor ``windowDays`` offers no appeals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from perfloop.services import plans
from perfloop.services.apps import load_template
from perfloop.store.identity import UserAccount
from perfloop.store.org import Employee

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.store.cycles import Cycle

MANAGER_OF_MANAGER, HR = "manager-of-manager", "hr"
APPEAL_PHASE = "appeal"


@dataclass(frozen=True)
class AppealRules:
    form: str | None
    reviewer: str
    window_days: int | None
    stages: tuple[str, ...]


def rules_of(template: Mapping[str, Any]) -> AppealRules:
    """The appeal rules of a cycle template's body (pure; see the module)."""
    block = template.get("appeals") or {}
    stages = [s for s in template.get("stages") or [] if s.get("phase") == APPEAL_PHASE]
    form = block.get("form")
    for stage in stages:
        for entry in stage.get("forms") or []:
            if form is None and entry.get("filledBy") == "self":
                form = entry.get("form")
    return AppealRules(
        form=form,
        reviewer=str(block.get("reviewer") or MANAGER_OF_MANAGER),
        window_days=block.get("windowDays"),
        stages=tuple(str(s["key"]) for s in stages),
    )


async def cycle_rules(session: AsyncSession, cycle: Cycle) -> AppealRules:
    record = await load_template(
        session, cycle.tenant_id, "cycle", cycle.template_key, cycle.template_version
    )
    if record is None:
        raise plans.invalid("the cycle's template is gone", ("cycle",))
    return rules_of(record.body)


def _closed(message: str, zh: str) -> Exception:
    return plans.invalid(message, ("cycle",), "appeal.window", zh=zh)


def check_window(
    cycle: Cycle,
    rules: AppealRules,
    published_at: dt.datetime | None,
    today: dt.date,
) -> None:
    """INVALID (detail ``appeal.window``, at ``cycle``) unless an appeal may be filed now."""
    if rules.form is None or (rules.window_days is None and not rules.stages):
        raise _closed("this cycle's template offers no appeals", "此周期的模板不提供申诉")
    if cycle.status != "open":
        raise _closed(
            "the cycle is closed: its appeal window has ended", "周期已关闭，申诉期已结束"
        )
    if rules.window_days is not None:
        last_day = (published_at.date() if published_at else today) + dt.timedelta(
            days=rules.window_days
        )
        if today > last_day:
            raise _closed(
                f"the appeal window ended on {last_day.isoformat()} "
                f"({rules.window_days} days after the result was published)",
                f"申诉期已于 {last_day.isoformat()} 结束（结果发布后 {rules.window_days} 天）",
            )
        return
    if cycle.stage_key not in rules.stages:
        raise _closed(
            f"appeals are filed while the cycle is at its appeal stage "
            f"({', '.join(rules.stages)}); it is at {cycle.stage_key}",
            f"只能在周期处于申诉阶段（{', '.join(rules.stages)}）时提交申诉；"
            f"当前阶段为 {cycle.stage_key}",
        )


async def reviewer_for(session: AsyncSession, employee: Employee, rule: str) -> int | None:
    """The employee who decides ``employee``'s appeal by ``rule``; None: HR decides.
    The manager's manager needs an active account of their own."""
    if rule != MANAGER_OF_MANAGER or employee.manager_id is None:
        return None
    manager = await session.get(Employee, employee.manager_id)
    if manager is None or manager.manager_id is None or manager.manager_id == employee.id:
        return None
    account = (
        await session.execute(
            select(UserAccount.id).where(
                UserAccount.employee_id == manager.manager_id,
                UserAccount.is_active.is_(True),
            )
        )
    ).first()
    return manager.manager_id if account is not None else None


__all__ = [
    "APPEAL_PHASE", "HR", "MANAGER_OF_MANAGER", "AppealRules", "check_window", "cycle_rules",
    "reviewer_for", "rules_of",
]  # fmt: skip
