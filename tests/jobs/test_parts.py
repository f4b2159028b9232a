"""Departments put together into a job's parts: whole departments, in order, up to
PART_PEOPLE people a part."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from perfloop.services import jobs
from perfloop.services.jobs import refresh
from perfloop.store.identity import Tenant
from perfloop.store.org import Employee


async def _demo(session: AsyncSession) -> tuple[int, list[list[int]], dict[int, int]]:
    tenant = (await session.execute(select(Tenant.id).where(Tenant.slug == "demo"))).scalar_one()
    groups = await jobs.departments(session, tenant)
    found = await session.execute(
        select(Employee.org_unit_id, func.count())
        .where(Employee.tenant_id == tenant)
        .group_by(Employee.org_unit_id)
    )
    counts = {unit: int(n) for unit, n in found.all()}
    return tenant, groups, counts


@pytest.mark.parametrize("budget", [1, 12, 25, 2_000])
async def test_departments_are_put_together_whole_and_in_order(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch, budget: int
) -> None:
    # given the demo company's departments (and its company unit) and a budget of people
    tenant, groups, counts = await _demo(session)
    monkeypatch.setattr(refresh, "PART_PEOPLE", budget)
    # when they are cut into parts
    parts = await refresh.in_parts(session, tenant, groups)
    # then every unit is in exactly one part, in the departments' order, never split
    assert [u for part in parts for u in part] == [u for group in groups for u in group]
    starts = {group[0] for group in groups}
    assert all(part[0] in starts for part in parts)

    def people(units: list[int]) -> int:
        return sum(counts.get(u, 0) for u in units)

    # and a part holds more than the budget only when it is one department
    for part in parts:
        assert people(part) <= budget or part in groups, (part, people(part))
    # and two neighbouring parts could not have been one
    for a, b in itertools.pairwise(parts):
        assert people(a) + people(b) > budget
    if budget == 2_000:
        assert len(parts) == 1  # the 59-person demo is one part
    if budget == 1:
        assert parts == groups  # a department a part
