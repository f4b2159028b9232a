"""Two HR announcing the same award at once, from two workers: each unit gets one
winner, stored once, and the audit log says who announced what."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from sqlalchemy import select

from perfloop.store.awards import AwardWinner
from perfloop.store.core import AuditEvent
from support.awards import install, open_period, score

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from support import GraphQLClient
    from support.company import Company

ANNOUNCE = """
mutation($cycle: ID!) {
  announceAwards(cycle: $cycle, award: "star-of-the-period") {
    announced kept awards { orgUnitId employeeId } errors { code message }
  }
}"""


async def test_two_hr_announcing_at_once_announce_each_unit_once(
    company: Company,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    worker2: GraphQLClient,
) -> None:
    # given a published quarter with a star in d1 and in d2
    app = await install(company)
    cycle = await open_period(company, app, "2026-Q2")
    await score(company, engine, sessions, cycle, {
        "emp": {"a": 110}, "lead": {"a": 120}, "other": {"a": 105},
    })  # fmt: skip
    token = worker2.token(company.email("hr"), tenant=company.slug)
    # when HR announces it from two workers at once
    first, second = await asyncio.gather(
        company.raw(ANNOUNCE, {"cycle": cycle}, as_user="hr"),
        worker2.raw(ANNOUNCE, {"cycle": cycle}, headers={"Authorization": f"Bearer {token}"}),
    )
    # then neither fails but by a retryable CONFLICT, and each unit has one winner
    payloads = [body["data"]["announceAwards"] for body in (first, second)]
    assert all(e["code"] == "CONFLICT" for p in payloads for e in p["errors"]), payloads
    async with sessions() as session:
        rows = (
            (await session.execute(select(AwardWinner).where(AwardWinner.cycle_id == int(cycle))))
            .scalars()
            .all()
        )
        assert sorted((r.org_unit_id, r.employee_id) for r in rows) == sorted([
            (company.units["d1"], company.people["lead"]),
            (company.units["d2"], company.people["other"]),
        ])  # fmt: skip
        events = (
            (
                await session.execute(
                    select(AuditEvent.after).where(
                        AuditEvent.action == "award.announce", AuditEvent.object_id == cycle
                    )
                )
            )
            .scalars()
            .all()
        )
    # and the audit log holds each announcement with the winners it named
    assert 1 <= len(events) <= 2
    assert {w["employee"] for e in events for w in e["winners"]} <= {
        company.people["lead"],
        company.people["other"],
    }
    # and whoever announced first, both answers show the same winners
    for p in payloads:
        if not p["errors"]:
            assert len(p["awards"]) == 2
