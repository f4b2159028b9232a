"""The demo quarter so far: business records arrive, actuals are refreshed and
entered, people check in and move their action-plan tasks on.

- Records (``demo.records``) are ingested by HR through
  ``services.datasets.ingest_records``, the validated path the API uses, one
  batch per dataset with a key naming the quarter and the day.
- Manual items are entered by whoever the KPI library names (the person, their
  manager or HR) once the quarter is two weeks old; a few are left for later,
  as in any real quarter.
- ``services.actuals.refresh_actuals`` then computes every dataset and formula
  item. An item an improvement plan carried in (``improve-<key>``, manual) is entered
  by the manager with the actual of the item it improves, once that is computed.
- In every team one member checks in on their plan and the lead writes a 1:1
  note on the item of the person furthest behind (in the first two weeks:
  kick-off notes).
- Tasks due by today are done, or still in progress for people behind plan.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import select

from perfloop.demo.records import business_records
from perfloop.demo.targets import manual_actual
from perfloop.services import datasets, plans
from perfloop.store.plans import ActionTask, Scorecard, ScorecardItem

if TYPE_CHECKING:
    from collections.abc import Sequence

    from perfloop.demo.context import Demo
    from perfloop.demo.targets import Person
    from perfloop.services.core.caller import Caller

BATCH: Final = 5_000
NOT_REPORTED: Final = 0.15  # the share of manual actuals nobody has entered yet
REPORTING_DAYS: Final = 14  # manual figures are first reported two weeks into the quarter
NOTES: Final = (  # (from factor, note, confidence)
    (1.1, "进度超前，重点工作推进顺利。 / Ahead of plan; the key work is going well.", 0.9),
    (0.9, "按计划推进，下半程保持节奏。 / On plan; keeping the pace.", 0.75),
    (0.0, "进度落后，已约主管复盘行动计划。 / Behind plan; reviewing the action plan.", 0.45),
)
KICK_OFF: Final = "计划已签署，本季度工作已启动。 / Plan signed; the quarter is under way."
ONE_ON_ONE: Final = "1:1 复盘：聚焦落后指标，每周跟进。 / 1:1: focus on the lagging item, weekly."
ONE_ON_ONE_EARLY: Final = "1:1：目标和行动计划已对齐。 / 1:1: targets and action plan agreed."
#: the key prefix of the items an improvement plan carries in (standard-performance@2)
CARRIED: Final = "improve-"


async def run_quarter(demo: Demo) -> None:
    await ingest(demo)
    items = await plan_item_rows(demo)
    early = (demo.today - demo.quarter.starts_on).days < REPORTING_DAYS
    if not early:
        await _manual_actuals(demo, items)
    hr = await demo.hr()  # after the manual figures: formulas may read them
    await plans.refresh_actuals(demo.session, hr, demo.cycle_id, today=demo.today)
    if not early:
        await _carried_actuals(demo, items)
    await _check_ins(demo, items, early)
    await _tasks(demo)


async def ingest(demo: Demo) -> None:
    hr, q = await demo.hr(), demo.quarter
    chosen = [(p, demo.targets(p)) for p in demo.planned]
    for dataset, records in business_records(chosen, q.starts_on, q.ends_on, demo.today).items():
        for n in range(0, len(records), BATCH):
            key = f"demo-{q.label}-{demo.today.isoformat()}-{dataset.split('@')[0]}-{n // BATCH}"
            batch = records[n : n + BATCH]
            outcome = await datasets.ingest_records(demo.session, hr, dataset, key, batch)
            if outcome.status != "committed":
                raise RuntimeError(f"demo records for {dataset} rejected: {outcome.errors[:3]}")


async def plan_item_rows(demo: Demo) -> list[Any]:
    """The quarter's plan items with their plan's employee, in plan order."""
    rows = await demo.session.execute(
        select(
            ScorecardItem.id,
            ScorecardItem.scorecard_id,
            ScorecardItem.key,
            ScorecardItem.indicator_key,
            ScorecardItem.source,
            ScorecardItem.target,
            ScorecardItem.direction,
            ScorecardItem.aggregation,
            Scorecard.employee_id,
        )
        .join(Scorecard, Scorecard.id == ScorecardItem.scorecard_id)
        .where(Scorecard.cycle_id == demo.cycle_id)
        .order_by(Scorecard.employee_id, ScorecardItem.position)
    )
    return list(rows.all())


async def enterer(demo: Demo, person: Person, source: dict[str, Any]) -> Caller:
    who = (source.get("enteredBy") or ["manager"])[0]
    if who == "self":
        return await demo.caller(person)
    if who == "hr":
        return await demo.hr()
    return await demo.caller(demo.manager(person))


async def _manual_actuals(demo: Demo, items: Sequence[Any]) -> None:
    start = demo.quarter.starts_on.isoformat()
    for item in items:
        if (item.source or {}).get("type") != "manual" or item.target is None:
            continue
        if item.key.startswith(CARRIED):
            continue  # entered with the actual of the item it improves (_carried_actuals)
        person = demo.person(item.employee_id)
        seed = f"{start}|manual|{person.email}|{item.indicator_key}"
        rng = random.Random(seed)  # noqa: S311 - repeatable demo data, not secrets
        if rng.random() < NOT_REPORTED:
            continue
        value = manual_actual(
            item.target,
            item.direction,
            item.aggregation in ("sum", "count"),
            person.factor,
            demo.elapsed,
            rng.uniform(0.97, 1.03),
        )
        caller = await enterer(demo, person, item.source)
        await plans.enter_actual(demo.session, caller, item.id, value)


async def _carried_actuals(demo: Demo, items: Sequence[Any]) -> None:
    """The manager enters each carried ``improve-<key>`` item's actual as the plan's
    ``<key>`` item has it now (none yet: left empty)."""
    people = sorted({i.employee_id for i in items if i.key.startswith(CARRIED)})
    for employee_id in people:
        person = demo.person(employee_id)
        manager = await demo.caller(demo.manager(person))
        card = await plans.get_scorecard(
            demo.session, manager, employee_id, demo.cycle_id, today=demo.today
        )
        assert card is not None, "a manager reads their team's plans"
        actual = {i.key: i.actual for i in card.items}
        for item in card.items:
            value = actual.get(item.key.removeprefix(CARRIED))
            if item.key.startswith(CARRIED) and value is not None:
                await plans.enter_actual(demo.session, manager, item.id, value)


async def _check_ins(demo: Demo, items: Sequence[Any], early: bool) -> None:
    cards = {i.employee_id: i.scorecard_id for i in items}
    first_item: dict[int, int] = {}
    for i in items:
        first_item.setdefault(i.employee_id, i.id)
    teams: dict[str, list[Person]] = {}
    for p in demo.planned:
        if p.team is not None:
            teams.setdefault(p.team, []).append(p)
    for members in teams.values():
        staff = [p for p in members if p.role == "staff"]
        lead = next(p for p in members if p.role == "lead")
        if staff:
            p = staff[0]
            _, note, confidence = next(n for n in NOTES if p.factor >= n[0])
            note = KICK_OFF if early else note
            await plans.check_in(
                demo.session, await demo.caller(p), cards[p.id], confidence=confidence,
                note=note, progress=round(min(1.0, demo.elapsed * p.factor), 2),
            )  # fmt: skip
        behind = min(staff or members, key=lambda p: p.factor)
        await plans.check_in(
            demo.session, await demo.caller(lead), cards[behind.id], confidence=0.6,
            note=ONE_ON_ONE_EARLY if early else ONE_ON_ONE, item_id=first_item[behind.id],
        )  # fmt: skip


async def _tasks(demo: Demo) -> None:
    rows = await demo.session.execute(
        select(ActionTask.id, Scorecard.employee_id)
        .join(ScorecardItem, ScorecardItem.id == ActionTask.item_id)
        .join(Scorecard, Scorecard.id == ScorecardItem.scorecard_id)
        .where(Scorecard.cycle_id == demo.cycle_id, ActionTask.due_on <= demo.today)
        .order_by(ActionTask.id)
    )
    for task_id, employee_id in rows.all():
        person = demo.person(employee_id)
        status = "done" if person.factor >= 0.9 else "doing"
        await plans.update_task(demo.session, await demo.caller(person), task_id, status)


__all__ = ["CARRIED", "enterer", "ingest", "plan_item_rows", "run_quarter"]
