"""``metric_cache`` does not grow with every refresh: writing a group's answers deletes
the entries they replace (another period end, data stamp or provider version for the
same tenant, provider, subject and period start, whatever the parameters), and keeps
the rest; a company-wide group is read from it in one query."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from perfloop.plugins import Period, Provider
from perfloop.services.plans.metrics import _cached, write_cache
from perfloop.store.core import utcnow
from perfloop.store.core.chunks import CHUNK_SIZE
from perfloop.store.identity import Tenant
from perfloop.store.plans import MetricCacheEntry
from support.company import Company
from support.plugins import ACME, revenue

START = dt.date(2026, 10, 1)


def _entry(tenant: int, subject: str, **changes: Any) -> dict[str, Any]:
    return {
        "tenant_id": tenant, "provider": "acme.revenue", "version": "1.0.0", "params_key": "p",
        "subject": subject, "period_start": START, "period_end": dt.date(2026, 10, 5),
        "value": 1.0, "error": None, "data_stamp": "s1", "computed_at": utcnow(),
        **changes,
    }  # fmt: skip


async def _kept(session: AsyncSession, tenant: int) -> set[tuple[Any, ...]]:
    rows = await session.execute(
        select(
            MetricCacheEntry.provider, MetricCacheEntry.version, MetricCacheEntry.params_key,
            MetricCacheEntry.subject, MetricCacheEntry.period_start, MetricCacheEntry.period_end,
            MetricCacheEntry.data_stamp,
        ).where(MetricCacheEntry.tenant_id == tenant)
    )  # fmt: skip
    return {tuple(r) for r in rows.all()}


async def test_writing_answers_deletes_the_entries_they_replace(
    company: Company, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session:
        tenant = (
            await session.execute(select(Tenant.id).where(Tenant.slug == company.slug))
        ).scalar_one()
        # given a running cycle's answers of Oct 5 for ann and bob, and of other kinds
        old = [
            _entry(tenant, "ann"), _entry(tenant, "bob"),
            _entry(tenant, "ann", params_key="q"),  # other parameters
            _entry(tenant, "ann", provider="acme.orders"),  # another metric
            _entry(tenant, "ann", period_start=dt.date(2026, 7, 1)),  # another period
            _entry(tenant, "cid"),  # a subject not answered now
        ]  # fmt: skip
        await write_cache(session, old)
        await session.commit()
        # when ann's and bob's are computed again on Oct 6, ann's on new data and bob's
        # by a new version of the plugin
        await write_cache(session, [
            _entry(tenant, "ann", period_end=dt.date(2026, 10, 6), data_stamp="s2"),
            _entry(tenant, "bob", period_end=dt.date(2026, 10, 6), version="1.1.0"),
        ])  # fmt: skip
        await session.commit()
        # then only the new answers are kept for them (those of other parameters were of
        # Oct 5 too: stale as well), and everything else stays
        oct5, oct6 = dt.date(2026, 10, 5), dt.date(2026, 10, 6)
        assert await _kept(session, tenant) == {
            ("acme.revenue", "1.0.0", "p", "ann", START, oct6, "s2"),
            ("acme.revenue", "1.1.0", "p", "bob", START, oct6, "s1"),
            ("acme.orders", "1.0.0", "p", "ann", START, oct5, "s1"),
            ("acme.revenue", "1.0.0", "p", "ann", dt.date(2026, 7, 1), oct5, "s1"),
            ("acme.revenue", "1.0.0", "p", "cid", START, oct5, "s1"),
        }  # fmt: skip


async def test_a_company_wide_group_is_read_from_the_cache_in_one_go(
    company: Company, sessions: async_sessionmaker[AsyncSession]
) -> None:
    provider = Provider(ACME, revenue, "1.0.0")
    period = Period(START, dt.date(2026, 10, 5))
    async with sessions() as session:
        tenant = (
            await session.execute(select(Tenant.id).where(Tenant.slug == company.slug))
        ).scalar_one()
        # given more subjects than one chunk, every one answered with the current data
        subjects = [f"p{n:05d}" for n in range(CHUNK_SIZE + 5)]
        rows = [_entry(tenant, s, provider="acme.revenue", value=float(n))
                for n, s in enumerate(subjects)]  # fmt: skip
        rows.append(_entry(tenant, "other", value=-1.0))  # not asked for
        await write_cache(session, rows)
        await session.commit()
        # then all of them come from the cache, each its own value
        found = await _cached(session, tenant, provider, "p", subjects, period, "s1")
        assert found is not None
        assert {s: o.value for s, o in found.items()} == {
            s: float(n) for n, s in enumerate(subjects)
        }
        # and one subject missing, or another data stamp, is a miss
        more = [*subjects, "newcomer"]
        assert await _cached(session, tenant, provider, "p", more, period, "s1") is None
        assert await _cached(session, tenant, provider, "p", subjects, period, "s2") is None
