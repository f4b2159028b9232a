"""What the closed quarter's published results lead to (the act-on-results half of the
loop), each step through the services the API calls, as the people would:

- ``appeals`` — at the appeal stage, a person whose manual figure came from an
  incomplete report before the quarter closed appeals (wrong data); the reviewer the template's
  rule chose (their manager's manager) adjusts the actual, which publishes version 2
  with a changed total; the figure is entered on the plan too, so a later scoring run
  agrees. ``employee@`` appeals their rating too and the reviewer upholds it; their
  lead records the feedback meeting.
- ``improvement`` — publication opened the improvement plans the app's rule names
  (``standard-performance@2``); the North Sales lead fills in ``employee@``'s from
  its gaps (goals, training, a review date) and ``employee@`` checks in. The open plans are
  carried into the current quarter when its items are assigned (the loader closes
  this quarter before it plans the current one).
- ``payouts`` — HR's base amounts by grade, one by position and one by person; each
  department's budget is its people's bases at the standard multiplier (1.0) and the
  company's 10 % more; the list is generated and approved.
- ``awards`` — HR announces the star of the quarter (``star-of-the-period`` of
  ``standard-scoring@2``) in every department.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import select

from perfloop.demo.activity import enterer
from perfloop.services import appeals, awards, improvement, payouts, plans
from perfloop.store.improvement import ImprovementPlan
from perfloop.store.org import OrgUnit
from perfloop.store.plans import Scorecard, ScorecardItem
from perfloop.store.results import Result

if TYPE_CHECKING:
    from perfloop.demo.context import Demo
    from perfloop.demo.targets import Person

DEMO_EMPLOYEE: Final = "employee"
#: HR's base amounts (CNY a quarter) by grade; one position and one person their own
GRADE_BASES: Final = {
    "P3": "8000", "P4": "10000", "P5": "12000", "P6": "15000",
    "M1": "18000", "M3": "25000", "M4": "40000",
}  # fmt: skip
POSITION_BASE: Final = ("IT Administrator", "11000")
#: the demo employee's own base (a retention agreement)
EMPLOYEE_BASE: Final = "9500"
#: the company's budget over its departments' (at the standard multiplier)
COMPANY_MARGIN: Final = Decimal("1.10")
AWARD: Final = "star-of-the-period"


def _demo_employee(demo: Demo) -> Person:
    return next(p for p in demo.people if p.email.split("@")[0] == DEMO_EMPLOYEE)


async def _published(demo: Demo) -> dict[int, Result]:
    rows = await demo.session.execute(
        select(Result).where(Result.cycle_id == demo.cycle_id, Result.status == "published")
    )
    latest: dict[int, Result] = {}
    for row in rows.scalars():
        if row.employee_id not in latest or row.version > latest[row.employee_id].version:
            latest[row.employee_id] = row
    return latest


async def _with_plans(demo: Demo) -> set[int]:
    rows = await demo.session.execute(
        select(ImprovementPlan.employee_id).where(ImprovementPlan.cycle_id == demo.cycle_id)
    )
    return set(rows.scalars())


async def late_figure(demo: Demo) -> tuple[Person, dict[str, Any], int]:
    """Whose manual figure looks taken too early: among staff without an improvement
    plan, the manual item with the lowest completion under 1 (then employee number);
    the person, the result's item and the plan's item id."""
    manual = {
        (row.employee_id, row.key): row.id
        for row in (
            await demo.session.execute(
                select(Scorecard.employee_id, ScorecardItem.key, ScorecardItem.id)
                .join(Scorecard, Scorecard.id == ScorecardItem.scorecard_id)
                .where(Scorecard.cycle_id == demo.cycle_id)
                .where(ScorecardItem.source["type"].as_string() == "manual")
            )
        ).all()
    }
    skip = await _with_plans(demo)
    found: list[tuple[float, str, Person, dict[str, Any], int]] = []
    for employee_id, result in (await _published(demo)).items():
        person = demo.person(employee_id)
        if person.role != "staff" or employee_id in skip:
            continue
        for item in (result.inputs or {}).get("items", []):
            item_id = manual.get((employee_id, item["key"]))
            completion = item.get("completion")
            if item_id is None or completion is None or not 0 < completion < 1:
                continue
            if not item.get("weight"):
                continue
            found.append((completion, person.no, person, item, item_id))
    _, _, person, item, item_id = min(found, key=lambda f: (f[0], f[1]))
    return person, item, item_id


async def appeal_decisions(demo: Demo) -> None:
    """One appeal adjusted (a late figure), one upheld (a rating), a feedback meeting."""
    person, item, item_id = await late_figure(demo)
    corrected = float(item["target"])
    filed = await appeals.file_appeal(
        demo.session, await demo.caller(person), demo.cycle_id,
        {
            "category": "data-error",
            "description": (
                f"{item['title']} 录入的 {item['actual']:g} 取自季末结账前的不完整报表；"
                f"季末报表为 {corrected:g}。 / The {item['title']} figure entered "
                f"({item['actual']:g}) came from an incomplete report before the quarter "
                f"closed; the quarter-close report says {corrected:g}."
            ),
            "requested_change": f"{item['key']} = {corrected:g}",
            "evidence_links": ["https://intranet.example/reports/quarter-close"],
        },
    )  # fmt: skip
    assert filed.reviewer_id is not None, "the manager's manager decides"
    reviewer = await demo.caller(demo.person(filed.reviewer_id))
    await appeals.decide_appeal(
        demo.session, reviewer,
        appeals.DecideInput(
            appeal_id=filed.id, decision=appeals.ADJUSTED,
            reason=(
                f"季末报表核实：{item['title']} 为 {corrected:g}。 / Checked against the "
                f"quarter-close report: {item['title']} was {corrected:g}."
            ),
            expected_revision=filed.revision, actuals={item["key"]: corrected},
        ),
    )  # fmt: skip
    # the corrected figure stands on the plan too (an appeal changes the result only)
    row = await demo.session.get(ScorecardItem, item_id)
    assert row is not None
    await plans.enter_actual(
        demo.session, await enterer(demo, person, row.source or {}), item_id, corrected,
        note=f"appeal {filed.id}",
    )  # fmt: skip

    me = _demo_employee(demo)
    mine = await appeals.file_appeal(
        demo.session, await demo.caller(me), demo.cycle_id,
        {
            "category": "rating",
            "description": (
                "客户评价很好，评级应更高。 / My customers rated me well; the rating should be "
                "higher."
            ),
            "requested_change": "重新评定等级 / Rate me one band higher",
        },
    )  # fmt: skip
    assert mine.reviewer_id is not None
    await appeals.decide_appeal(
        demo.session, await demo.caller(demo.person(mine.reviewer_id)),
        appeals.DecideInput(
            appeal_id=mine.id, decision=appeals.UPHELD,
            reason=(
                "客户评价已计入评价部分；等级由未达标的指标决定，维持原等级。 / The "
                "customers' ratings are in the review part; the items under target set the "
                "rating: it stands."
            ),
            expected_revision=mine.revision,
        ),
    )  # fmt: skip
    lead = demo.manager(me)
    held = demo.quarter.ends_on + dt.timedelta(days=1)
    await appeals.record_meeting(
        demo.session, await demo.caller(lead),
        appeals.MeetingInput(
            demo.cycle_id, me.id, held,
            "逐项过了一遍结果和申诉结论；未达标的指标是下季度的重点。 / Went through the "
            "result item by item and the appeal's decision; the items under target are next "
            "quarter's focus.",
            [
                appeals.ActionInput("每周一对一跟进未达标指标 · Weekly 1:1 on the items under "
                                    "target", lead.name, held + dt.timedelta(days=30)),
                appeals.ActionInput("完成专项培训 · Complete the coaching sessions", me.name,
                                    held + dt.timedelta(days=45)),
            ],
        ),
    )  # fmt: skip


async def improvement_follow_up(demo: Demo) -> None:
    """The manager fills in an improvement plan — ``employee@``'s (the first staff
    member's if they have none) — from its gaps; its person checks in."""
    me = _demo_employee(demo)
    page = await improvement.plan_page(demo.session, await demo.hr(), demo.cycle_id, first=100)
    plan = next((p for p in page.items if p.employee_id == me.id), None) or next(
        p for p in page.items if demo.person(p.employee_id).role == "staff"
    )
    person = demo.person(plan.employee_id)
    owner = await demo.caller(demo.manager(person))
    starts = demo.quarter.ends_on + dt.timedelta(days=1)
    ends = starts + dt.timedelta(days=89)
    gaps = [g for g in plan.gaps if g.get("title")][:10]
    short = "、".join(f"{g['title']} {g.get('completion') or 0:.0%}" for g in gaps)
    focus = gaps[0]["title"] if gaps else "KPI"
    await improvement.update_plan(
        demo.session, owner,
        improvement.PlanEdit(
            plan_id=plan.id, expected_revision=plan.revision,
            answers={
                "gaps": f"未达标项（完成率）：{short}。 / Short of target (completion): {short}.",
                "goals": [{
                    "description": f"{g['title']} 达到目标 / {g['title']} at target",
                    "measure": f"季度实际值对目标 {g['target']:g} / the quarter's actual "
                               f"against the target {g['target']:g}",
                    "due_date": ends.isoformat(),
                } for g in gaps] or [{
                    "description": "各项指标达到目标 / Every item at target",
                    "measure": "季度完成率 / The quarter's completion",
                    "due_date": ends.isoformat(),
                }],
                "training": f"{focus} 专项辅导 / Coaching on {focus}",
                "support": "上级每周一对一跟进 / A weekly 1:1 with the manager",
                "review_date": (starts + dt.timedelta(days=45)).isoformat(),
            },
            topics=[focus], starts_on=starts, ends_on=ends,
        ),
    )  # fmt: skip
    await improvement.add_checkin(
        demo.session, await demo.caller(person), plan.id,
        "已与上级约定每周跟进，第一周的行动已完成。 / Weekly follow-up agreed with my "
        "manager; the first week's actions are done.",
        0.2,
    )  # fmt: skip


async def payout_list(demo: Demo) -> None:
    """Base amounts, budgets (departments at the standard multiplier), generate, approve."""
    hr = await demo.hr()
    for grade, amount in GRADE_BASES.items():
        await payouts.set_base_amount(demo.session, hr, "grade", grade, Decimal(amount))
    await payouts.set_base_amount(
        demo.session, hr, "position", POSITION_BASE[0], Decimal(POSITION_BASE[1])
    )
    me = _demo_employee(demo)
    await payouts.set_base_amount(demo.session, hr, "employee", me.no, Decimal(EMPLOYEE_BASE))
    units = {
        str(code): (int(unit_id), str(kind))
        for code, unit_id, kind in (
            await demo.session.execute(
                select(OrgUnit.code, OrgUnit.id, OrgUnit.kind).where(
                    OrgUnit.tenant_id == demo.tenant_id
                )
            )
        ).all()
    }
    paid = await _published(demo)
    by_dept: dict[str, Decimal] = {}
    for employee_id in paid:
        person = demo.person(employee_id)
        base = Decimal(
            EMPLOYEE_BASE if person.id == me.id
            else POSITION_BASE[1] if person.position == POSITION_BASE[0]
            else GRADE_BASES.get(person.grade, "0")
        )  # fmt: skip
        by_dept[person.dept] = by_dept.get(person.dept, Decimal(0)) + base
    for dept, budget in sorted(by_dept.items()):
        await payouts.set_budget(demo.session, hr, demo.cycle_id, units[dept][0], budget)
    root = next(unit_id for unit_id, kind in units.values() if kind == "company")
    total = sum(by_dept.values(), Decimal(0)) * COMPANY_MARGIN
    await payouts.set_budget(demo.session, hr, demo.cycle_id, root, total)
    done = await payouts.generate(demo.session, hr, demo.cycle_id)
    await payouts.approve(demo.session, hr, demo.cycle_id, done.view.version)


async def star_of_the_quarter(demo: Demo) -> None:
    await awards.announce(demo.session, await demo.hr(), demo.cycle_id, AWARD)


__all__ = [
    "AWARD", "EMPLOYEE_BASE", "GRADE_BASES", "POSITION_BASE", "appeal_decisions",
    "improvement_follow_up", "late_figure", "payout_list", "star_of_the_quarter",
]  # fmt: skip
