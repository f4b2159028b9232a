"""The demo company's current quarter, written through the services as its people
would write it, so ``make run`` shows a living company.

1. HR installs the built-in ``standard-performance`` app and opens the
   ``quarterly-review`` cycle for the quarter that contains ``today``.
2. HR decomposes the company goals down to teams and salespeople; leads and
   reps propose what they can take on (``demo.goal_tree``).
3. HR bulk-assigns every team its department's KPI library items
   (``demo.targets``): one base target per item, per-person overrides for
   leads, newcomers and senior staff; R&D and service items count towards
   their team goal. Department heads get the same items at their own targets.
   Sales leads then tie each of their people's revenue to a personal goal and
   add a task of their own.
4. HR moves the cycle to sign-off; every employee signs their plan and their
   manager signs it too (the CEO signs the heads'); HR moves it on towards
   execution as far as the guards allow.
5. The quarter happens (``demo.activity``): business records so far, refreshed
   actuals, manual actuals, check-ins, tasks moving on.

Before the current quarter, the previous one is played through to its end with the
same app (``demo.closed_quarter``): plans, a whole quarter's records, reviews,
scoring, calibration and publication — so the newcomer can compare the two.

The CEO has no plan of their own: the company goals are the CEO's targets.
Each step commits through its service; everything follows from ``today``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import replace
from typing import Final

from sqlalchemy import select

from perfloop.demo.activity import CARRIED, run_quarter
from perfloop.demo.context import Demo
from perfloop.demo.goal_tree import GoalTree, build_goal_tree
from perfloop.demo.targets import Person, Playbook
from perfloop.services import apps, cycles, plans
from perfloop.services.plans import ItemInput, TargetOverride, TaskInput
from perfloop.store.org import OrgUnit
from perfloop.store.plans import Scorecard, ScorecardItem

APP: Final = "standard-performance@2"
CYCLE: Final = "quarterly-review"
#: the standard scoring scheme's smallest item weight
MIN_WEIGHT: Final = 5.0
PERSONAL_TASK: Final = {"zh-CN": "跟进三个重点商机", "en": "Follow up my three key opportunities"}


async def install_app(demo: Demo) -> int:
    """HR installs the standard app for the whole company; its id."""
    app = await apps.install_app(demo.session, await demo.hr(), APP)
    return app.id


async def load_plans(demo: Demo, app_id: int) -> Demo:
    """Write the demo tenant's current quarter (the tenant, its people and the app exist)."""
    session, hr = demo.session, await demo.hr()
    opened = await cycles.open_cycle(session, hr, app_id, CYCLE, demo.quarter.label)
    demo.cycle_id = opened.cycle.id
    units = await org_units(demo)
    tree = await build_goal_tree(demo, units)
    cards = await assign_plans(demo, tree, units)
    await _personalise_sales(demo, tree)
    stage = await advance_to(demo, opened.cycle.stage_key, "sign-off")
    await sign_plans(demo, cards)
    await advance_to(demo, stage, "execution")
    await run_quarter(demo)
    return demo


async def org_units(demo: Demo) -> dict[str, int]:
    """The tenant's org units: code -> id."""
    rows = await demo.session.execute(
        select(OrgUnit.code, OrgUnit.id).where(OrgUnit.tenant_id == demo.tenant_id)
    )
    return {str(code): int(unit_id) for code, unit_id in rows.all()}


def plan_items(
    demo: Demo, book: Playbook, targets: dict[str, float], goal_id: int | None = None
) -> list[ItemInput]:
    start = demo.quarter.starts_on
    out = []
    for item in book.items:
        wanted = demo.tasks and book.task and book.task.indicator == item.indicator
        task = book.task if wanted else None
        due = start + dt.timedelta(days=task.due_days) if task else None
        out.append(
            ItemInput(
                library=item.library or book.library,
                indicator=item.indicator,
                weight=item.weight,
                target=targets[item.indicator],
                goal_id=goal_id if item.indicator == book.goal else None,
                tasks=(TaskInput(task.title, due_on=due, titles=task.titles),) if task else (),
            )
        )
    return out


async def assign_plans(demo: Demo, tree: GoalTree, units: dict[str, int]) -> dict[int, int]:
    """Bulk-assign every team's plans (HR), then each head's (the CEO); employee id ->
    scorecard id."""
    hr = await demo.hr()
    cards: dict[int, int] = {}
    for code, book in demo.books.items():
        people = [p for p in demo.planned if p.dept == code]
        teams: dict[str | None, list[Person]] = {}
        for p in people:
            teams.setdefault(p.team, []).append(p)
        for team, members in teams.items():
            wanted = {p.id: demo.targets(p) for p in members}
            base = {
                key: Counter(t[key] for t in wanted.values()).most_common(1)[0][0]
                for key in next(iter(wanted.values()))
            }
            overrides = [
                TargetOverride(pid, key, value)
                for pid, t in wanted.items()
                for key, value in t.items()
                if value != base[key]
            ]
            linked = tree.teams.get(team) if team is not None and code != "sales" else None
            # HR assigns the teams; a head's plan is set by the next level up (the CEO),
            # as nobody sets their own and the head of HR is HR
            by = hr if team is not None else await demo.caller(demo.manager(members[0]))
            result = await plans.assign_items(
                demo.session,
                by,
                demo.cycle_id,
                plan_items(demo, book, base, linked),
                org_unit_id=units[team or code],
                # a head shares the department's unit with nobody else planned here
                position=members[0].position if team is None else None,
                overrides=overrides,
            )
            cards.update({c.employee_id: c.id for c in result.scorecards})
    return cards


async def _personalise_sales(demo: Demo, tree: GoalTree) -> None:
    """Sales leads tie each plan's revenue to the person's own goal and add a task;
    the sales head does the same for the leads."""
    book = demo.books["sales"]
    due = demo.quarter.starts_on + dt.timedelta(days=45)
    for p in demo.planned:
        if p.id not in tree.employees:
            continue
        items = plan_items(demo, book, demo.targets(p), tree.employees[p.id])
        revenue = next(i for i in items if i.indicator == "revenue")
        personal = TaskInput(
            PERSONAL_TASK["zh-CN"], owner_id=p.id, due_on=due, titles=PERSONAL_TASK
        )
        items[items.index(revenue)] = replace(revenue, tasks=(*revenue.tasks, personal))
        manager = await demo.caller(demo.manager(p))
        items = await _keep_carried(demo, p, items)
        await plans.set_items(demo.session, manager, demo.cycle_id, p.id, items)


async def _keep_carried(demo: Demo, person: Person, items: list[ItemInput]) -> list[ItemInput]:
    """A plan set by hand holds exactly the items sent: the lead keeps the items the
    person's improvement plan carried into it. The carry splits its weight evenly, which
    may leave an item under the scheme's minimum; the lead raises each to it and scales
    the playbook's items down to make room (the weights still add up to 100)."""
    rows = (
        await demo.session.execute(
            select(ScorecardItem)
            .join(Scorecard, Scorecard.id == ScorecardItem.scorecard_id)
            .where(Scorecard.cycle_id == demo.cycle_id, Scorecard.employee_id == person.id)
            .order_by(ScorecardItem.position)
        )
    ).scalars().all()  # fmt: skip
    carried = [r for r in rows if r.key.startswith(CARRIED)]
    if not carried:
        return items
    room = [max(r.weight, MIN_WEIGHT) for r in carried]
    total = sum(i.weight for i in items)
    scale = (total - sum(room)) / total
    kept = [replace(i, weight=round(i.weight * scale, 2)) for i in items]
    left = round(total - sum(room) - sum(i.weight for i in kept), 2)
    largest = max(range(len(kept)), key=lambda n: kept[n].weight)
    kept[largest] = replace(kept[largest], weight=round(kept[largest].weight + left, 2))
    return kept + [
        ItemInput(
            key=r.key, title=r.title, unit=r.unit, direction=r.direction, target=r.target,
            weight=weight,
        )
        for r, weight in zip(carried, room, strict=True)
    ]  # fmt: skip


async def sign_plans(demo: Demo, cards: dict[int, int]) -> None:
    """Each employee signs their plan; then each manager signs their people's plans in
    one action (``signScorecards``)."""
    revisions = dict((await demo.session.execute(select(Scorecard.id, Scorecard.revision))).all())
    by_manager: dict[int, list[plans.Signature]] = {}
    for employee_id, card in cards.items():
        person = demo.person(employee_id)
        seen = revisions[card]  # what both read: signing does not change the plan
        await plans.sign(
            demo.session, await demo.caller(person), card, "employee", expected_revision=seen
        )
        by_manager.setdefault(demo.manager(person).id, []).append(plans.Signature(card, seen))
    for manager_id, signatures in by_manager.items():
        manager = await demo.caller(demo.person(manager_id))
        await plans.sign_many(demo.session, manager, signatures)


async def advance_to(demo: Demo, stage: str, wanted: str) -> str:
    """Advance the cycle towards ``wanted`` while the guards hold; the stage reached."""
    hr = await demo.hr()
    while stage != wanted:
        try:
            result = await cycles.advance_cycle(demo.session, hr, demo.cycle_id)
        except cycles.GuardsFailed:
            await demo.session.rollback()
            break  # as far as the guards allow: going further is HR's call (an override)
        stage = result.view.cycle.stage_key
    return stage


__all__ = [
    "APP",
    "CYCLE",
    "advance_to",
    "assign_plans",
    "install_app",
    "load_plans",
    "org_units",
    "plan_items",
    "sign_plans",
]
