"""One improvement plan edited by two owners at once on two workers (PostgreSQL, held
at the plan's row until both wait): one edit wins, the other is CONFLICT, nothing is
merged; two HR applying the same results at once open one plan per person."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from perfloop.store.core import AuditEvent
from perfloop.store.improvement import CandidateEntry, ImprovementPlan
from support.improvement import APPLY, UPDATE, apply, improvement_plans, install, published_quarter
from support.locks import lock_waiters

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from support import GraphQLClient
    from support.company import Company


async def test_two_owners_editing_one_plan_at_once_one_wins(
    backend: str,
    company: Company,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    worker2: GraphQLClient,
) -> None:
    if backend != "postgres":
        pytest.skip("concurrent clients on two workers: PostgreSQL")
    # given lead's plan, read at revision 1 by head and HR
    app = await install(company)
    cycle = await published_quarter(company, engine, sessions, app)
    await apply(company, cycle)
    [opened] = await improvement_plans(company, cycle)
    token = worker2.token(company.email("hr"), tenant=company.slug)
    # when both save different topics at once, held at the plan's row until both wait
    async with sessions() as blocker:
        await blocker.execute(
            select(ImprovementPlan.id)
            .where(ImprovementPlan.id == int(opened["id"]))
            .with_for_update()
        )
        both = asyncio.gather(
            company.raw(UPDATE, {"plan": opened["id"], "rev": 1, "topics": ["Negotiation"]},
                        as_user="head"),
            worker2.raw(UPDATE, {"plan": opened["id"], "rev": 1, "topics": ["Pricing"]},
                        headers={"Authorization": f"Bearer {token}"}),
        )  # fmt: skip
        await lock_waiters(sessions, 2)
        await blocker.rollback()
        first, second = await both
    # then one wins, the other gets CONFLICT (never INTERNAL), and the plan is the winner's
    payloads = [body["data"]["updateImprovementPlan"] for body in (first, second)]
    codes = sorted(tuple(e["code"] for e in p["errors"]) for p in payloads)
    assert codes == [(), ("CONFLICT",)], payloads
    winner = next(p["plan"] for p in payloads if not p["errors"])
    async with sessions() as session:
        row = await session.get(ImprovementPlan, int(opened["id"]))
        assert row is not None
        assert (row.revision, row.topics) == (2, winner["topics"])
        events = (
            await session.execute(
                select(AuditEvent).where(
                    AuditEvent.action == "improvement.update", AuditEvent.object_id == opened["id"]
                )
            )
        ).scalars().all()  # fmt: skip
    assert len(events) == 1


async def test_two_hr_applying_at_once_open_one_plan_per_person(
    backend: str,
    company: Company,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    worker2: GraphQLClient,
) -> None:
    if backend != "postgres":
        pytest.skip("concurrent clients on two workers: PostgreSQL")
    # given a published quarter
    app = await install(company)
    cycle = await published_quarter(company, engine, sessions, app)
    token = worker2.token(company.email("hr"), tenant=company.slug)
    # when two HR apply its results at once on two workers
    first, second = await asyncio.gather(
        company.raw(APPLY, {"cycle": cycle}, as_user="hr"),
        worker2.raw(APPLY, {"cycle": cycle}, headers={"Authorization": f"Bearer {token}"}),
    )
    # then neither fails but for a race answered CONFLICT, and there is one plan and one
    # entry per list and person
    for body in (first, second):
        assert "errors" not in body, body
        codes = [e["code"] for e in body["data"]["applyResults"]["errors"]]
        assert codes in ([], ["CONFLICT"]), body
    async with sessions() as session:
        plans = (
            await session.execute(
                select(ImprovementPlan.employee_id).where(ImprovementPlan.cycle_id == int(cycle))
            )
        ).all()
        entries = (
            await session.execute(
                select(CandidateEntry.list_key, CandidateEntry.employee_id).where(
                    CandidateEntry.cycle_id == int(cycle)
                )
            )
        ).all()
    assert [p[0] for p in plans] == [company.people["lead"]]
    assert len(entries) == len(set(entries)) == 5
