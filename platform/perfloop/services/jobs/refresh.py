"""The company-wide refresh of actuals, as a job.

``plans.refresh_actuals`` is the one refresh; this job runs it by departments
(each top-level unit under the company with everything below it; people placed on
a company unit itself are one more group), put together into parts of at most
``PART_PEOPLE`` people and committing each part, so a refresh of 100,000 people
holds a few thousand people's rows at a time and no statement grows with the
company. Only a caller whose ``actual.enter`` scope is the whole
tenant starts it; a team-sized refresh stays the synchronous ``refreshActuals``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from perfloop.authz import Permission, Scope
from perfloop.services import plans
from perfloop.services.core.errors import Forbidden
from perfloop.services.jobs.queue import dispatch
from perfloop.services.jobs.records import JobKind, JobView, create_job, register
from perfloop.store.org import Employee, OrgUnit

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller

REFRESH_ACTUALS = "refresh-actuals"
#: People a part holds at most when departments are put together into parts (a
#: larger department is a part of its own): each part pays a fixed cost (its
#: commit, its progress write, the cycle, the templates), 35% of a 400-person
#: department's refresh at 100,000 people
PART_PEOPLE = 2_000
#: failed items listed in a job's result (the count is always complete)
FAILED_LISTED = 100


async def departments(session: AsyncSession, tenant_id: int) -> list[list[int]]:
    """The tenant's org units grouped by department: each group is a top-level unit
    below a company (root) unit and its whole subtree; the roots form one more group."""
    units = (
        await session.execute(
            select(OrgUnit.id, OrgUnit.parent_id)
            .where(OrgUnit.tenant_id == tenant_id)
            .order_by(OrgUnit.id)
        )
    ).all()
    parent = {u.id: u.parent_id for u in units}
    groups: dict[int, list[int]] = {}
    roots: list[int] = []
    for unit in parent:
        top, above = unit, parent[unit]
        if above is None:
            roots.append(unit)
            continue
        while parent.get(above) is not None:  # climb until the parent is a root
            top, above = above, parent[above]
        groups.setdefault(top, []).append(unit)
    return [groups[top] for top in sorted(groups)] + ([roots] if roots else [])


async def in_parts(
    session: AsyncSession, tenant_id: int, groups: Sequence[list[int]]
) -> list[list[int]]:
    """Consecutive department ``groups`` (lists of org unit ids) put together into
    parts of at most :data:`PART_PEOPLE` people; a department is never split, and one
    larger than that is a part alone."""
    found = await session.execute(
        select(Employee.org_unit_id, func.count())
        .where(Employee.tenant_id == tenant_id)
        .group_by(Employee.org_unit_id)
    )
    counts = {unit: int(n) for unit, n in found.all()}
    parts: list[list[int]] = []
    people = 0
    for group in groups:
        size = sum(counts.get(unit, 0) for unit in group)
        if parts and parts[-1] and people + size <= PART_PEOPLE:
            parts[-1] = parts[-1] + group
            people += size
        else:
            parts.append(list(group))
            people = size
    return parts


async def departments_within(
    session: AsyncSession, tenant_id: int, org_unit_id: int | None
) -> list[list[int]]:
    """:func:`departments`, each keeping only the units inside ``org_unit_id``'s subtree
    (all of them when None); departments left empty are dropped."""
    groups = await departments(session, tenant_id)
    if org_unit_id is None:
        return groups
    path = (
        select(OrgUnit.path)
        .where(OrgUnit.id == org_unit_id, OrgUnit.tenant_id == tenant_id)
        .scalar_subquery()
    )
    below = set(
        (
            await session.execute(
                select(OrgUnit.id).where(
                    OrgUnit.tenant_id == tenant_id, OrgUnit.path.startswith(path)
                )
            )
        ).scalars()
    )
    return [part for group in groups if (part := [u for u in group if u in below])]


async def parts_within(
    session: AsyncSession, tenant_id: int, org_unit_id: int | None
) -> list[list[int]]:
    """A company-wide job's parts: the departments inside ``org_unit_id`` (all when
    None, see :func:`departments_within`) put together (:func:`in_parts`)."""
    return await in_parts(
        session, tenant_id, await departments_within(session, tenant_id, org_unit_id)
    )


async def cycle_parts(
    session: AsyncSession, caller: Caller, parameters: Mapping[str, Any]
) -> list[list[int]]:
    """The parts of a company-wide job on a cycle (``parameters``: ``cycle`` and,
    optionally, ``orgUnit``), once the cycle is known to be still there."""
    await plans.get_cycle(session, caller, int(parameters["cycle"]))
    unit = parameters.get("orgUnit")
    return await parts_within(session, caller.tenant_id, int(unit) if unit is not None else None)


async def _parts(
    session: AsyncSession, caller: Caller, parameters: Mapping[str, Any]
) -> Sequence[list[int]]:
    return await cycle_parts(session, caller, parameters)


async def _run_part(
    session: AsyncSession, caller: Caller, parameters: Mapping[str, Any], units: list[int]
) -> dict[str, Any]:
    done = await plans.refresh_actuals(
        session, caller, int(parameters["cycle"]), org_unit_ids=units
    )
    return {
        "updated": done.updated,
        "overridden": done.overridden,
        "failed": len(done.failed),
        "failedItems": [
            {"item": f.item_id, "scorecard": f.scorecard_id, "key": f.key, "message": f.message}
            for f in done.failed[:FAILED_LISTED]
        ],
    }


def _merge(total: dict[str, Any], part: dict[str, Any]) -> dict[str, Any]:
    return {
        "updated": total.get("updated", 0) + part["updated"],
        "overridden": total.get("overridden", 0) + part["overridden"],
        "failed": total.get("failed", 0) + part["failed"],
        "failedItems": (total.get("failedItems", []) + part["failedItems"])[:FAILED_LISTED],
    }


register(JobKind(REFRESH_ACTUALS, Permission.ACTUAL_ENTER, _parts, _run_part, _merge))


async def start_refresh_actuals(
    session: AsyncSession, caller: Caller, cycle_id: int
) -> tuple[JobView, bool]:
    """Queue the company-wide refresh of the cycle's actuals, or return the one already
    queued or running for that cycle. Returns the job and whether it is new."""
    if caller.require(Permission.ACTUAL_ENTER) is not Scope.TENANT:
        raise Forbidden(
            "a company-wide refresh needs actual.enter for the whole company;"
            " refreshActuals refreshes the plans in your scope"
        )
    cycle = await plans.get_cycle(session, caller, cycle_id)
    job, new = await create_job(
        session, caller, REFRESH_ACTUALS, f"cycle:{cycle.id}", {"cycle": cycle.id}
    )
    if new:
        await dispatch(session, job.id)
        await session.refresh(job)  # a job that could not be queued says so at once
    return JobView.of(job), new
