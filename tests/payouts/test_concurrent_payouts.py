"""Payout lists written by concurrent clients on two workers (PostgreSQL): two HR
generating at once get a version each, two approving one version approve it once."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from support.payouts import APPROVE, GENERATE, published_cycle, read, set_base

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from support import GraphQLClient
    from support.company import Company


async def test_two_hr_generating_and_approving_at_once(
    company: Company,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    worker2: GraphQLClient,
    backend: str,
) -> None:
    if backend != "postgres":
        pytest.skip("a row lock orders the writers here; SQLite has one writer at a time")
    # given published results
    cycle = await published_cycle(company, engine, sessions, {"emp": 120, "other": 90})
    await set_base(company, "GRADE", "P3", "10000")
    auth = {"Authorization": f"Bearer {worker2.token(company.email('hr'), tenant=company.slug)}"}
    # when HR generates the list from two workers at once
    first, second = await asyncio.gather(
        company.raw(GENERATE, {"cycle": cycle}, as_user="hr"),
        worker2.raw(GENERATE, {"cycle": cycle}, headers=auth),
    )
    # then both succeed, with versions 1 and 2, each complete
    payloads = [body["data"]["generatePayoutList"] for body in (first, second)]
    assert [p["errors"] for p in payloads] == [[], []]
    assert sorted(p["payoutList"]["version"] for p in payloads) == [1, 2]
    assert all(p["payoutList"]["people"] == 2 for p in payloads)
    # when both approve version 2 at once
    first, second = await asyncio.gather(
        company.raw(APPROVE, {"cycle": cycle, "version": 2}, as_user="hr"),
        worker2.raw(APPROVE, {"cycle": cycle, "version": 2}, headers=auth),
    )
    # then one approves it, the other is told it is approved already
    answers = sorted(
        (body["data"]["approvePayoutList"]["errors"] or [{"code": "OK"}])[0]["code"]
        for body in (first, second)
    )
    assert answers == ["INVALID", "OK"]
    versions = (await read(company, cycle))["versions"]
    assert versions == [{"version": 1, "status": "DRAFT"}, {"version": 2, "status": "APPROVED"}]
