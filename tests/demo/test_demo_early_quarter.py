"""Loading the demo on the second day of a quarter, into a fresh database: the
quarter already looks sensible, and the records are those the day implies."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from perfloop.authz import EnforcerCache
from perfloop.demo import load_demo
from perfloop.demo.context import HR, first_party_plugins, read_people
from perfloop.demo.records import business_records
from perfloop.demo.targets import playbooks, targets
from perfloop.services import cycles
from perfloop.services.core.caller import resolve_caller
from perfloop.services.plans import reads as scorecard_reads
from perfloop.services.templates import sync_builtin_templates
from perfloop.store import make_engine, make_sessionmaker, upgrade
from perfloop.store.datasets import DatasetRecord
from perfloop.store.identity import Tenant
from perfloop.store.plans import Actual

DAY = dt.date(2026, 10, 2)  # 2026-Q4, two days in


@pytest.fixture(scope="module")
async def early(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AsyncSession]:
    path: Path = tmp_path_factory.mktemp("early") / "early.db"
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    await upgrade(engine)
    async with make_sessionmaker(engine)() as session:
        await sync_builtin_templates(session)
        assert await load_demo(session, today=DAY)
        yield session
    await engine.dispose()


async def test_the_second_day_of_a_quarter(early: AsyncSession) -> None:
    hr = await resolve_caller(early, EnforcerCache(), "demo", HR)
    views = {v.cycle.period: v for v in (await cycles.list_cycles(early, hr)).items}
    # the previous quarter and its three months are closed, the current one in execution
    assert {p: (v.cycle.stage_key, v.cycle.status) for p, v in views.items()} == {
        "2026-Q3": ("closed", "closed"),
        **dict.fromkeys(("2026-07", "2026-08", "2026-09"), ("closed", "closed")),
        "2026-Q4": ("execution", "open"),
    }
    view = views["2026-Q4"]
    cards = await scorecard_reads.team_scorecards(early, hr, view.cycle.id, today=DAY)
    assert {c.status for c in cards} == {"signed"}
    items = [i for c in cards for i in c.items]
    # every salesperson has sold something already, and no quantity is behind yet
    revenue = [i for i in items if i.key == "revenue"]
    assert revenue
    assert all(i.actual and i.actual > 0 for i in revenue)
    assert not [i.key for i in items if i.behind and i.aggregation in ("sum", "count")]
    assert all(i.expected_progress < 0.05 for i in items)
    # manual figures are not reported in the first days of a quarter
    manual = select(func.count()).where(
        Actual.source == "manual", Actual.period_start == dt.date(2026, 10, 1)
    )
    assert (await early.execute(manual)).scalar_one() == 0


async def test_the_records_are_those_of_the_day(early: AsyncSession) -> None:
    tenant = (await early.execute(select(Tenant.id).where(Tenant.slug == "demo"))).scalar_one()
    people = await read_people(early, tenant)
    start = dt.date(2026, 10, 1)
    books = playbooks(first_party_plugins()[0])  # with the plugins' items when installed
    chosen = [(p, targets(p, start, books=books)) for p in people if p.role != "ceo"]
    expected = business_records(chosen, start, dt.date(2026, 12, 31), DAY)
    rows = await early.execute(
        select(
            DatasetRecord.dataset_key, DatasetRecord.record_key, DatasetRecord.date,
            DatasetRecord.data,
        ).order_by(DatasetRecord.id)
    )  # fmt: skip
    stored: dict[str, list[dict[str, object]]] = {}
    for key, record_key, date, data in rows:
        # the quarter's keys name it (a customer's date may be older than the quarter)
        if "-2026Q4-" in record_key:
            stored.setdefault(f"{key}@1", []).append(data)
        assert date <= DAY
    assert stored == expected
