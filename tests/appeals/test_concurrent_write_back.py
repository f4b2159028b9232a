"""An appeal's decision writing the corrected actual back to the plan while someone else
writes the same actual, from two workers on PostgreSQL: a refresh at the same moment
never undoes the decision's override; a hand-entered override at the same moment is
one of the two, the one the audit log names last — never INTERNAL, never a mix."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select

from perfloop.store.core import AuditEvent
from perfloop.store.plans import Actual
from support.appeals import DECIDE, REFRESH, card, computed, decision, filed, published_cycle
from support.locks import lock_waiters
from support.results import result, run

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from support import GraphQLClient
    from support.company import Company

OVERRIDE = """
mutation($item: ID!, $value: Float, $note: String) {
  enterActual(item: $item, value: $value, note: $note, override: true) {
    actual { value source } errors { code message path }
  }
}"""


async def _at_once(
    sessions: async_sessionmaker[AsyncSession], item_id: str, *writes: Any
) -> list[Any]:
    """Run ``writes`` together, all held at the item's actual row until all wait."""
    async with sessions() as blocker:
        await blocker.execute(
            select(Actual.id).where(Actual.item_id == int(item_id)).with_for_update()
        )
        both = asyncio.gather(*writes)
        await lock_waiters(sessions, len(writes))
        await blocker.rollback()
        return list(await both)


async def _given(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> tuple[str, dict[str, Any], str]:
    """emp's published result, item a computed (a refresh writes 100), emp's appeal."""
    cycle = await published_cycle(company, engine, sessions)
    await computed(sessions, company, "emp", "a", "100")
    appeal = await filed(company, cycle, "emp")
    return cycle, appeal, (await card(company, cycle, "emp"))["a"]["id"]


def _adjust(appeal: dict[str, Any]) -> dict[str, Any]:
    return decision(
        appeal["id"], "ADJUSTED", "the order book says 80", actuals=[{"item": "a", "actual": 80}]
    )


async def test_a_refresh_at_the_moment_of_the_decision_keeps_the_corrected_actual(
    backend: str,
    company: Company,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    worker2: GraphQLClient,
) -> None:
    if backend != "postgres":
        pytest.skip("concurrent clients on two workers: PostgreSQL")
    cycle, appeal, item = await _given(company, engine, sessions)
    token = worker2.token(company.email("hr"), tenant=company.slug)
    # when head decides (worker 1) while HR refreshes the cycle's actuals (worker 2)
    decided, refreshed = await _at_once(
        sessions,
        item,
        company.raw(DECIDE, _adjust(appeal), as_user="head"),
        worker2.raw(REFRESH, {"cycle": cycle}, headers={"Authorization": f"Bearer {token}"}),
    )
    # then both succeed, whichever went first, and the plan keeps the corrected actual
    assert decided["data"]["decideAppeal"]["errors"] == [], decided
    assert refreshed["data"]["refreshActuals"]["errors"] == [], refreshed
    items = await card(company, cycle, "emp")
    assert (items["a"]["actual"], items["a"]["actualSource"]) == (80, "override")
    # and a new run leaves the adjusted version standing
    job = await run(company, engine, cycle)
    assert job["result"]["unchanged"] == 3, job["result"]
    assert (await result(company, cycle, "emp"))["version"] == 2


async def test_an_override_entered_at_the_moment_of_the_decision_is_one_or_the_other(
    backend: str,
    company: Company,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    worker2: GraphQLClient,
) -> None:
    if backend != "postgres":
        pytest.skip("concurrent clients on two workers: PostgreSQL")
    cycle, appeal, item = await _given(company, engine, sessions)
    token = worker2.token(company.email("hr"), tenant=company.slug)
    # when head decides (worker 1) while HR overrides the same actual by hand (worker 2)
    decided, entered = await _at_once(
        sessions,
        item,
        company.raw(DECIDE, _adjust(appeal), as_user="head"),
        worker2.raw(
            OVERRIDE, {"item": item, "value": 90, "note": "late correction"},
            headers={"Authorization": f"Bearer {token}"},
        ),
    )  # fmt: skip
    # then both succeed: the appeal is decided (version 2 with 80) ...
    assert decided["data"]["decideAppeal"]["errors"] == [], decided
    assert entered["data"]["enterActual"]["errors"] == [], entered
    assert (await result(company, cycle, "emp"))["version"] == 2
    # ... and the plan holds the write the audit log names last, whole
    async with sessions() as session:
        events = (
            await session.execute(
                select(AuditEvent.after, AuditEvent.note)
                .where(AuditEvent.object_type == "scorecard_item", AuditEvent.object_id == item)
                .order_by(AuditEvent.id)
            )
        ).all()
        row = (
            await session.execute(select(Actual).where(Actual.item_id == int(item)))
        ).scalar_one()
    assert len(events) == 3, events  # entered at setup, then the two writes
    last = events[-1]
    assert (row.value, row.source, row.note) == (last.after["value"], "override", last.note)
    assert row.value in (80, 90)
