"""Two reviewers deciding the same appeal at once, from two workers on PostgreSQL: one
decision wins, the other is CONFLICT — never both, never INTERNAL, one new version."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select

from perfloop.store.appeals import Appeal
from perfloop.store.core import AuditEvent
from perfloop.store.results import Result
from support.appeals import DECIDE, decision, filed, published_cycle
from support.locks import lock_waiters

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from support import GraphQLClient
    from support.company import Company


async def test_two_decisions_of_one_appeal_at_once_one_wins(
    backend: str,
    company: Company,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    worker2: GraphQLClient,
) -> None:
    if backend != "postgres":
        pytest.skip("concurrent clients on two workers: PostgreSQL")
    # given emp's open appeal, read at revision 1 by head (its reviewer) and by HR
    cycle = await published_cycle(company, engine, sessions)
    appeal = await filed(company, cycle, "emp")
    token = worker2.token(company.email("hr"), tenant=company.slug)
    headers = {"Authorization": f"Bearer {token}"}
    # when head (worker 1) and HR (worker 2) decide it at once, both held at the
    # appeal's row until both are waiting
    async with sessions() as blocker:
        await blocker.execute(
            select(Appeal.id).where(Appeal.id == int(appeal["id"])).with_for_update()
        )
        both = asyncio.gather(
            company.raw(
                DECIDE,
                decision(appeal["id"], "ADJUSTED", "data fixed",
                         actuals=[{"item": "a", "actual": 80}]),
                as_user="head",
            ),
            worker2.raw(
                DECIDE, decision(appeal["id"], "ADJUSTED", "band moved", rating="weak"),
                headers=headers,
            ),
        )  # fmt: skip
        await lock_waiters(sessions, 2)
        await blocker.rollback()
        first, second = await both
    # then one wins and the other gets CONFLICT, never INTERNAL
    payloads = [body["data"]["decideAppeal"] for body in (first, second)]
    codes = sorted(tuple(e["code"] for e in p["errors"]) for p in payloads)
    assert codes == [(), ("CONFLICT",)], payloads
    # and there is one decision and one new version
    async with sessions() as session:
        versions = (
            await session.execute(
                select(Result.version, Result.status)
                .where(Result.cycle_id == int(cycle), Result.employee_id == company.people["emp"])
                .order_by(Result.version)
            )
        ).all()
        decided = (
            await session.execute(
                select(func.count()).where(
                    AuditEvent.action == "appeal.decide", AuditEvent.object_id == appeal["id"]
                )
            )
        ).scalar_one()
    assert [tuple(v) for v in versions] == [(1, "published"), (2, "published")]
    assert decided == 1
