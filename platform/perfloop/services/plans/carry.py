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

from collections.abc import Callable, Mapping, Sequence
from functools import partial
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


def _scaled(weights: Sequence[float], room: float) -> list[float]:
    """The assigned weights giving up ``room`` in proportion to their size."""
    total = sum(weights)
    return [w * (total - room) / total for w in weights]


def _lowered(weights: Sequence[float], room: float) -> list[float]:
    """The assigned weights giving up ``room`` from the top: the largest come down to a
    common level, the small ones keep theirs (so a lowest-weight rule still holds)."""
    ordered = sorted(weights, reverse=True)
    level, above = ordered[0], 0.0
    for n, w in enumerate(ordered):
        # lowering the n largest to w frees above + n * (level - w)
        if above + n * (level - w) >= room:
            break
        above += n * (level - w)
        level = w
    else:
        n = len(ordered)
    level -= (room - above) / n
    return [min(w, level) for w in weights]


def _merged(
    items: Sequence[Mapping[str, Any]],
    extra: Sequence[Mapping[str, Any]],
    room: float,
    make_room: Callable[[Sequence[float], float], list[float]],
) -> list[dict[str, Any]]:
    """``items`` leaving ``room`` (by ``make_room``), and ``extra`` sharing it evenly
    (rounded to 2 decimals; the rounding left on the first carried item and the largest
    assigned one, so the weights keep their sum)."""
    total = sum(float(i["weight"]) for i in items)
    weights = make_room([float(i["weight"]) for i in items], room)
    share = round(room / len(extra), 2)
    out = [{**i, "weight": round(w, 2)} for i, w in zip(items, weights, strict=True)]
    out.extend(
        {
            "library_ref": None, "indicator_key": None, "goal_id": None, "aggregation": None,
            "source": {"type": "manual"}, "thresholds": None, "tasks": [],
            "key": c["key"], "title": c.get("title") or c["key"],
            "titles": both(c.get("titles") or c.get("title") or c["key"]), "unit": c.get("unit"),
            "direction": c.get("direction") or "higher", "target": c.get("target"),
            "weight": share,
        }
        for c in extra
    )  # fmt: skip
    first = len(items)
    out[first]["weight"] = round(room - share * (len(extra) - 1), 2)
    left = round(total - sum(i["weight"] for i in out), 2)
    if left:
        largest = max(range(len(items)), key=lambda n: out[n]["weight"])
        out[largest]["weight"] = round(out[largest]["weight"] + left, 2)
    return out


def _with_carried(
    items: Sequence[Mapping[str, Any]],
    carried: Sequence[Mapping[str, Any]],
    fits: Callable[[list[dict[str, Any]]], bool],
) -> list[dict[str, Any]] | None:
    """The plan's items with the carried ones, as many as the scheme's weight rules allow:
    all of them sharing the carried weight, else the first n (in the plan's order of its
    gaps) sharing it; the assigned items make room in proportion, else from the largest
    down. None when nothing fits (or nothing is left to carry)."""
    keys = {i["key"] for i in items}
    extra = [c for c in carried if c.get("key") not in keys]
    if not extra:
        return None
    total = sum(float(i["weight"]) for i in items)
    room = sum(float(c.get("weight") or 0) for c in extra)
    if total <= 0 or room <= 0 or room >= total:
        return None  # nothing to make room in: the assignment stands as it is
    for n in range(len(extra), 0, -1):
        for make_room in (_scaled, _lowered):
            merged = _merged(items, extra[:n], room, make_room)
            if fits(merged):
                return merged
    return None


async def carried_items(
    session: AsyncSession,
    cycle: Cycle,
    employee_ids: Sequence[int],
    items: Sequence[Mapping[str, Any]],
    fits: Callable[[int, list[dict[str, Any]]], bool],
) -> dict[int, list[dict[str, Any]]]:
    """The item list of each person among ``employee_ids`` whose open improvement plan
    carries into ``cycle`` (``items`` scaled and the carried items added, as many as
    ``fits(employee, items)`` — the person's weight rules — allows); people left out take
    ``items`` as they are. Marks the plans carried into ``cycle``."""
    origin = aliased(Cycle)
    here, there = aliased(InstalledApp), aliased(InstalledApp)
    same_app = (
        select(there.id)
        .join(here, here.app_key == there.app_key)
        .where(here.id == cycle.installed_app_id)
    )
    found: dict[int, list[dict[str, Any]]] = {}
    plans_of: dict[int, list[int]] = {}
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
            plans_of.setdefault(employee_id, []).append(plan_id)
            found.setdefault(employee_id, []).extend(carry or [])
    out: dict[int, list[dict[str, Any]]] = {}
    for employee_id, carried in found.items():
        merged = _with_carried(items, carried, partial(fits, employee_id))
        if merged is not None:
            out[employee_id] = merged
    # only the plans whose items went in are carried; the others stay to be carried
    plan_ids = [p for e in out for p in plans_of[e]]
    for chunk in chunked(plan_ids):
        await session.execute(
            update(ImprovementPlan)
            .where(ImprovementPlan.id.in_(chunk))
            .values(carried_cycle_id=cycle.id)
            .execution_options(synchronize_session=False)
        )
    return out
