"""Shared plans written by concurrent clients on two workers (two apps, each with its
own connection pool, on one database): every write is whole or refused with CONFLICT,
never merged, never INTERNAL (see docs/plans.md, "Concurrent writers")."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from perfloop.api.app import create_app
from perfloop.settings import Settings
from perfloop.store import make_engine
from perfloop.store.goals import GoalProposal
from perfloop.store.plans import ActionTask, Actual, Scorecard
from support import GraphQLClient
from support.company import Company
from support.locks import lock_waiters

INSTALL = """
mutation { installApp(app: "standard-performance@1") { installedApp { id } errors { message } } }
"""
OPEN = """
mutation($app: ID!) {
  openCycle(app: $app, cycle: "quarterly-review", period: "2026-Q3") {
    cycle { id } errors { message }
  }
}"""
SET_ITEMS = """
mutation($cycle: ID!, $employee: ID!, $items: [ScorecardItemInput!]!, $reason: String,
         $revision: Int) {
  setScorecardItems(cycle: $cycle, employee: $employee, items: $items, reason: $reason,
                    expectedRevision: $revision) {
    scorecard { id revision status items { id key weight } } removedItems
    errors { code message path detail }
  }
}"""
SIGN = """
mutation($id: ID!, $as: SignerRole!, $revision: Int!) {
  signScorecard(scorecard: $id, signer: $as, expectedRevision: $revision) {
    scorecard { status revision } errors { code message path detail }
  }
}"""
GOAL = """
mutation($input: GoalInput!) { createGoal(input: $input) { goal { id } errors { message } } }"""
PROPOSE = """
mutation($goal: ID!, $employee: ID!, $amount: Float!) {
  proposeGoal(goal: $goal, employee: $employee, amount: $amount) {
    ok errors { code message detail }
  }
}"""
ENTER = """
mutation($item: ID!, $value: Float!) {
  enterActual(item: $item, value: $value) { actual { value } errors { code message detail } }
}"""


def _items(weights: dict[str, float]) -> list[dict[str, Any]]:
    return [{"key": k, "title": k.upper(), "target": 10, "weight": w} for k, w in weights.items()]


# three item sets that each fit the rules (weights 5 to 40, summing to 100)
SET_A = _items({"a": 25, "b": 25, "c": 25, "d": 25})
SET_B = _items({"e": 30, "f": 30, "g": 20, "h": 20})
SET_C = _items({"a": 40, "b": 20, "i": 20, "j": 20})
ROUNDS = 4


@pytest.fixture
async def worker2(engine: AsyncEngine, settings: Settings) -> AsyncIterator[GraphQLClient]:
    """A second worker: its own app and engine (pool) on the same database."""
    own = make_engine(engine.url.render_as_string(hide_password=False))
    app = create_app(settings, engine=own)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://perfloop.test") as http:
        yield GraphQLClient(http, settings)
    await own.dispose()


@dataclasses.dataclass
class Plan:
    workers: list[Company]
    cycle: str
    emp: str

    def on(self, n: int) -> Company:
        return self.workers[n % len(self.workers)]

    async def write(self, n: int, query: str, variables: dict[str, Any], who: str) -> Any:
        """The payload of a mutation sent by ``who`` through worker ``n``; a GraphQL error
        (INTERNAL among them) fails the test."""
        data = await self.on(n).ok(query, variables, as_user=who)
        return next(iter(data.values()))


@pytest.fixture
async def plan(company: Company, worker2: GraphQLClient) -> Plan:
    app = (await company.ok(INSTALL, as_user="hr"))["installApp"]["installedApp"]["id"]
    opened = await company.ok(OPEN, {"app": app}, as_user="hr")
    assert opened["openCycle"]["errors"] == []
    workers = [company, dataclasses.replace(company, gql=worker2)]
    return Plan(workers, opened["openCycle"]["cycle"]["id"], str(company.people["emp"]))


def _codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["errors"]]


async def _card(sessions: async_sessionmaker[AsyncSession], card_id: str) -> Scorecard:
    async with sessions() as session:
        return (await session.execute(select(Scorecard).where(Scorecard.id == int(card_id)))).one()[
            0
        ]


READ = """
query($employee: ID!, $cycle: ID!) {
  scorecard(employee: $employee, cycle: $cycle) { revision items { key weight } }
}"""


async def test_replacing_items_at_once_leaves_one_whole_set(plan: Plan) -> None:
    sets = [SET_A, SET_B, SET_C]
    accepted = 0
    for n in range(ROUNDS):
        # HR, the head and the lead each replace the employee's items at the same moment
        results = await asyncio.gather(*(
            plan.write(n + k, SET_ITEMS,
                       {"cycle": plan.cycle, "employee": plan.emp, "items": items}, who)
            for k, (who, items) in enumerate(zip(("hr", "head", "lead"), sets, strict=True))
        ))  # fmt: skip
        for r in results:
            assert _codes(r) in ([], ["CONFLICT"]), r["errors"]
        accepted += sum(1 for r in results if not r["errors"])
        # then the plan holds exactly one of the sets, whole: never a mix, weights 100
        read = await plan.on(n).ok(READ, {"employee": plan.emp, "cycle": plan.cycle}, as_user="hr")
        card = read["scorecard"]
        held = sorted((i["key"], i["weight"]) for i in card["items"])
        assert held in [sorted((i["key"], i["weight"]) for i in s) for s in sets]
        assert sum(w for _, w in held) == 100
        # and every accepted change was counted once
        assert card["revision"] == accepted


async def test_a_stale_revision_is_a_conflict_not_an_overwrite(plan: Plan) -> None:
    base = {"cycle": plan.cycle, "employee": plan.emp}
    first = await plan.write(0, SET_ITEMS, {**base, "items": SET_A}, "lead")
    seen = first["scorecard"]["revision"]
    # two editors both read revision `seen` and send their change at once
    results = await asyncio.gather(
        plan.write(0, SET_ITEMS, {**base, "items": SET_B, "revision": seen}, "lead"),
        plan.write(1, SET_ITEMS, {**base, "items": SET_C, "revision": seen}, "head"),
    )
    codes = sorted(tuple(_codes(r)) for r in results)
    assert codes == [(), ("CONFLICT",)]
    loser = next(r for r in results if r["errors"])
    assert loser["errors"][0]["path"] == ["expectedRevision"]
    winner = next(r for r in results if not r["errors"])
    assert winner["scorecard"]["revision"] == seen + 1


async def test_both_signatures_at_once_sign_the_plan(
    plan: Plan, sessions: async_sessionmaker[AsyncSession]
) -> None:
    base = {"cycle": plan.cycle, "employee": plan.emp}
    card = (await plan.write(0, SET_ITEMS, {**base, "items": SET_A}, "lead"))["scorecard"]
    for n in range(ROUNDS):
        seen = {"id": card["id"], "revision": card["revision"]}
        # the employee and the manager sign at the same moment, on two workers
        results = await asyncio.gather(
            plan.write(n, SIGN, {**seen, "as": "EMPLOYEE"}, "emp"),
            plan.write(n + 1, SIGN, {**seen, "as": "MANAGER"}, "lead"),
        )
        assert [_codes(r) for r in results] == [[], []]
        row = await _card(sessions, card["id"])
        assert row.status == "signed"
        assert row.employee_signed_at is not None
        assert row.manager_signed_at is not None
        # the lead re-opens it (with a reason) for the next round
        again = await plan.write(
            n, SET_ITEMS, {**base, "items": SET_A, "reason": f"round {n}"}, "lead"
        )
        card = again["scorecard"]
        assert card["status"] == "draft"


async def test_a_signature_is_for_the_revision_the_signer_saw(
    plan: Plan, sessions: async_sessionmaker[AsyncSession]
) -> None:
    base = {"cycle": plan.cycle, "employee": plan.emp}
    card = (await plan.write(0, SET_ITEMS, {**base, "items": SET_A}, "lead"))["scorecard"]
    for n in range(ROUNDS):
        seen = card["revision"]
        # the employee signs what they read while the lead changes the plan
        signed, edited = await asyncio.gather(
            plan.write(n, SIGN, {"id": card["id"], "revision": seen, "as": "EMPLOYEE"}, "emp"),
            plan.write(n + 1, SET_ITEMS, {**base, "items": [SET_B, SET_A][n % 2]}, "lead"),
        )
        assert _codes(edited) == []
        assert _codes(signed) in ([], ["CONFLICT"])
        row = await _card(sessions, card["id"])
        # either the signature came first and the change cleared it, or the signature
        # was refused: never a signature on a revision the employee did not read
        assert row.employee_signed_at is None
        assert row.status == "draft"
        assert row.revision == seen + 1
        card = edited["scorecard"]


async def test_proposals_for_one_owner_at_once_make_one(
    plan: Plan, company: Company, sessions: async_sessionmaker[AsyncSession]
) -> None:
    made = await company.ok(GOAL, {"input": {
        "cycleId": plan.cycle, "level": "team", "orgUnitId": str(company.units["t1"]),
        "title": "Deals", "target": 100,
    }}, as_user="head")  # fmt: skip
    goal = made["createGoal"]["goal"]["id"]
    for n in range(ROUNDS):
        amounts = [10.0 + n * 10 + k for k in range(3)]
        results = await asyncio.gather(*(
            plan.write(k, PROPOSE, {"goal": goal, "employee": plan.emp, "amount": amount}, who)
            for k, (who, amount) in enumerate(zip(("emp", "lead", "head"), amounts, strict=True))
        ))  # fmt: skip
        assert [_codes(r) for r in results] == [[], [], []]
        async with sessions() as session:
            rows = (
                await session.execute(
                    select(GoalProposal.amount).where(
                        GoalProposal.goal_id == int(goal),
                        GoalProposal.employee_id == int(plan.emp),
                    )
                )
            ).all()
        assert len(rows) == 1
        assert rows[0][0] in amounts


async def test_the_first_actual_entered_twice_at_once_is_one_row(
    plan: Plan, sessions: async_sessionmaker[AsyncSession]
) -> None:
    base = {"cycle": plan.cycle, "employee": plan.emp}
    card = (await plan.write(0, SET_ITEMS, {**base, "items": SET_A}, "lead"))["scorecard"]
    item = next(i["id"] for i in card["items"] if i["key"] == "a")
    values = [1.0, 2.0, 3.0, 4.0]
    results = await asyncio.gather(*(
        plan.write(k, ENTER, {"item": item, "value": value}, who)
        for k, (who, value) in enumerate(zip(("lead", "head", "hr", "emp"), values, strict=True))
    ))  # fmt: skip
    assert [_codes(r) for r in results] == [[], [], [], []]
    async with sessions() as session:
        count = (
            await session.execute(select(func.count()).where(Actual.item_id == int(item)))
        ).scalar_one()
        value = (
            await session.execute(select(Actual.value).where(Actual.item_id == int(item)))
        ).scalar_one()
    assert count == 1
    assert value in values


REFRESH = """
mutation($cycle: ID!) { refreshActuals(cycle: $cycle) { updated errors { code message detail } } }
"""
CHECK_IN = """
mutation($card: ID!, $item: ID!) {
  checkIn(scorecard: $card, item: $item, confidence: 0.5, note: "on track") {
    checkin { id } errors { code message detail }
  }
}"""
# the first set has a dataset item (revenue) and a manual one (x) that the second removes
WITH_REVENUE = [
    {"library": "sales-kpis@1", "indicator": "revenue", "target": 100, "weight": 40},
    *_items({"a": 20, "b": 20, "x": 20}),
]
WITHOUT = _items({"a": 40, "b": 20, "c": 20, "d": 20})


async def test_writes_on_items_an_edit_is_removing_wait_or_find_them_gone(
    plan: Plan, sessions: async_sessionmaker[AsyncSession], backend: str
) -> None:
    if backend != "postgres":
        pytest.skip("row locks order the writers here; SQLite has one writer at a time")
    base = {"cycle": plan.cycle, "employee": plan.emp}
    card = (await plan.write(0, SET_ITEMS, {**base, "items": WITH_REVENUE}, "lead"))["scorecard"]
    ids = {i["key"]: i["id"] for i in card["items"]}
    x, revenue = ids["x"], ids["revenue"]
    assert _codes(await plan.write(0, ENTER, {"item": x, "value": 1.0}, "lead")) == []
    assert _codes(await plan.write(0, REFRESH, {"cycle": plan.cycle}, "hr")) == []
    async with sessions() as blocker:
        # given the lead's edit has deleted revenue and x (in id order), and waits to
        # delete x's actual with it
        await blocker.execute(select(Actual.id).where(Actual.item_id == int(x)).with_for_update())
        edit = asyncio.create_task(plan.write(1, SET_ITEMS, {**base, "items": WITHOUT}, "lead"))
        await lock_waiters(sessions, 1)
        # when an actual, a check-in on x and a refresh (revenue) come in meanwhile
        writes = asyncio.gather(
            plan.write(0, ENTER, {"item": x, "value": 2.0}, "hr"),
            plan.write(1, CHECK_IN, {"card": card["id"], "item": x}, "emp"),
            plan.write(0, REFRESH, {"cycle": plan.cycle}, "hr"),
        )
        await lock_waiters(sessions, 4)
        await blocker.rollback()
    # then the edit goes through, and they find the items gone: never INTERNAL
    assert _codes(await edit) == []
    entered, checked, refreshed = await writes
    assert _codes(entered) == ["NOT_FOUND"]
    assert _codes(checked) == ["NOT_FOUND"]
    assert _codes(refreshed) == []
    async with sessions() as session:
        left = (
            await session.execute(
                select(func.count()).where(Actual.item_id.in_([int(x), int(revenue)]))
            )
        ).scalar_one()
    assert left == 0


MOVE_TASK = """
mutation($task: ID!) {
  updateActionTask(task: $task, status: "done") { task { id } errors { code message detail } }
}"""
TASKS = """
query($employee: ID!, $cycle: ID!) {
  scorecard(employee: $employee, cycle: $cycle) { items { key tasks { id } } }
}"""


async def test_a_task_moved_while_an_edit_removes_its_item_is_not_found(
    plan: Plan, sessions: async_sessionmaker[AsyncSession], backend: str
) -> None:
    if backend != "postgres":
        pytest.skip("row locks order the writers here; SQLite has one writer at a time")
    base = {"cycle": plan.cycle, "employee": plan.emp}
    with_task = [{**SET_A[0], "tasks": [{"title": "call"}]}, *SET_A[1:]]
    await plan.write(0, SET_ITEMS, {**base, "items": with_task}, "lead")
    read = await plan.on(0).ok(TASKS, base, as_user="lead")
    task = next(t["id"] for i in read["scorecard"]["items"] for t in i["tasks"])
    async with sessions() as blocker:
        # given the lead's edit has deleted the task's item and waits to delete the task
        await blocker.execute(
            select(ActionTask.id).where(ActionTask.id == int(task)).with_for_update()
        )
        edit = asyncio.create_task(plan.write(1, SET_ITEMS, {**base, "items": SET_B}, "lead"))
        await lock_waiters(sessions, 1)
        # when the employee moves the task meanwhile
        moved = asyncio.create_task(plan.write(0, MOVE_TASK, {"task": task}, "emp"))
        await lock_waiters(sessions, 2)
        await blocker.rollback()
    # then the edit goes through and the task is gone: NOT_FOUND, never INTERNAL
    assert _codes(await edit) == []
    assert _codes(await moved) == ["NOT_FOUND"]


DELETE_GOAL = """
mutation($goal: ID!) { deleteGoal(goal: $goal) { deleted errors { code message detail } } }"""
UPDATE_GOAL = """
mutation($goal: ID!) {
  updateGoal(goal: $goal, target: 50) { goal { id } errors { code message detail } }
}"""
CHILD_GOAL = """
mutation($input: GoalInput!) {
  createGoal(input: $input) { goal { id } errors { code message path } }
}"""


async def test_writes_on_a_goal_being_deleted_wait_and_find_it_gone(
    plan: Plan, company: Company, sessions: async_sessionmaker[AsyncSession], backend: str
) -> None:
    if backend != "postgres":
        pytest.skip("row locks order the writers here; SQLite has one writer at a time")
    made = await company.ok(GOAL, {"input": {
        "cycleId": plan.cycle, "level": "team", "orgUnitId": str(company.units["t1"]),
        "title": "Deals", "target": 100,
    }}, as_user="head")  # fmt: skip
    goal = made["createGoal"]["goal"]["id"]
    proposed = await plan.write(
        0, PROPOSE, {"goal": goal, "employee": plan.emp, "amount": 5}, "emp"
    )
    assert _codes(proposed) == []
    async with sessions() as blocker:
        # given the head's delete has removed the goal and waits to remove its proposal
        await blocker.execute(
            select(GoalProposal.id).where(GoalProposal.goal_id == int(goal)).with_for_update()
        )
        deleted = asyncio.create_task(plan.write(1, DELETE_GOAL, {"goal": goal}, "head"))
        await lock_waiters(sessions, 1)
        # when a target change, a proposal and a child goal come in meanwhile
        lead = str(company.people["lead"])
        child = {
            "cycleId": plan.cycle, "level": "employee", "employeeId": plan.emp,
            "parentId": goal, "title": "My deals", "target": 10,
        }  # fmt: skip
        writes = asyncio.gather(
            plan.write(0, UPDATE_GOAL, {"goal": goal}, "hr"),
            plan.write(1, PROPOSE, {"goal": goal, "employee": lead, "amount": 7}, "lead"),
            plan.write(0, CHILD_GOAL, {"input": child}, "hr"),
        )
        await lock_waiters(sessions, 4)
        await blocker.rollback()
    # then the delete goes through and they find the goal gone: never INTERNAL
    assert _codes(await deleted) == []
    updated, proposed, created = await writes
    assert _codes(updated) == ["NOT_FOUND"]
    assert _codes(proposed) == ["NOT_FOUND"]
    assert _codes(created) == ["NOT_FOUND"]
