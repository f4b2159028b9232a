"""Improvement plans carried into an assignment (绩效改进计划带入下一周期).

When items are assigned to people in a cycle, each person's open improvement plan from
an earlier cycle of the same app (``services.improvement`` opened it from a published
result, with the items to carry worked out by the app's rule) adds its items to the
person's plan: the carried items take the weight the rule gave them together, and the
assigned items are scaled down in proportion to make room (rounded to 2 decimals, the
rounding left on the largest), so the weights keep their sum. An assigned item with the
same key as a carried one wins (nothing carried twice). The improvement plan records the
cycle it was carried into, so a later cycle does not carry it again; assigning again in
the same cycle carries it again (the items keep their keys and so their history).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import aliased

from perfloop.services.plans.items import both
from perfloop.store.apps import InstalledApp
from perfloop.store.core import chunked
from perfloop.store.cycles import Cycle
from perfloop.store.improvement import ImprovementPlan

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["carried_items"]


def _with_carried(
    items: Sequence[Mapping[str, Any]], carried: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]] | None:
    keys = {i["key"] for i in items}
    extra = [c for c in carried if c.get("key") not in keys]
    if not extra:
        return None
    total = sum(float(i["weight"]) for i in items)
    room = sum(float(c.get("weight") or 0) for c in extra)
    if total <= 0 or room >= total:
        return None  # nothing to make room in: the assignment stands as it is
    scale = (total - room) / total
    out = [{**i, "weight": round(float(i["weight"]) * scale, 2)} for i in items]
    out.extend(
        {
            "library_ref": None, "indicator_key": None, "goal_id": None, "aggregation": None,
            "source": {"type": "manual"}, "thresholds": None, "tasks": [],
            "key": c["key"], "title": c.get("title") or c["key"],
            "titles": both(c.get("titles") or c.get("title") or c["key"]), "unit": c.get("unit"),
            "direction": c.get("direction") or "higher", "target": c.get("target"),
            "weight": round(float(c.get("weight") or 0), 2),
        }
        for c in extra
    )  # fmt: skip
    left = round(total - sum(i["weight"] for i in out), 2)
    if left:
        largest = max(range(len(items)), key=lambda n: out[n]["weight"])
        out[largest]["weight"] = round(out[largest]["weight"] + left, 2)
    return out


async def carried_items(
    session: AsyncSession,
    cycle: Cycle,
    employee_ids: Sequence[int],
    items: Sequence[Mapping[str, Any]],
) -> dict[int, list[dict[str, Any]]]:
    """The item list of each person among ``employee_ids`` whose open improvement plan
    carries into ``cycle`` (``items`` scaled and the carried items added); people left
    out take ``items`` as they are. Marks the plans as carried into ``cycle``."""
    origin = aliased(Cycle)
    here, there = aliased(InstalledApp), aliased(InstalledApp)
    same_app = (
        select(there.id)
        .join(here, here.app_key == there.app_key)
        .where(here.id == cycle.installed_app_id)
    )
    found: dict[int, list[dict[str, Any]]] = {}
    plan_ids: list[int] = []
    for chunk in chunked(sorted(employee_ids)):
        rows = await session.execute(
            select(ImprovementPlan.id, ImprovementPlan.employee_id, ImprovementPlan.carry)
            .join(origin, origin.id == ImprovementPlan.cycle_id)
            .where(
                ImprovementPlan.tenant_id == cycle.tenant_id,
                ImprovementPlan.employee_id.in_(chunk),
                ImprovementPlan.status == "open",
                or_(
                    ImprovementPlan.carried_cycle_id.is_(None),
                    ImprovementPlan.carried_cycle_id == cycle.id,
                ),
                origin.id != cycle.id,
                origin.ends_on < cycle.starts_on,
                origin.installed_app_id.in_(same_app),
            )
            .order_by(ImprovementPlan.id)
        )
        for plan_id, employee_id, carry in rows.all():
            plan_ids.append(plan_id)
            found.setdefault(employee_id, []).extend(carry or [])
    for chunk in chunked(plan_ids):
        await session.execute(
            update(ImprovementPlan)
            .where(ImprovementPlan.id.in_(chunk))
            .values(carried_cycle_id=cycle.id)
            .execution_options(synchronize_session=False)
        )
    out: dict[int, list[dict[str, Any]]] = {}
    for employee_id, carried in found.items():
        merged = _with_carried(items, carried)
        if merged is not None:
            out[employee_id] = merged
    return out
