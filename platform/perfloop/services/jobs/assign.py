"""The company-wide assignment of plan items, as a job.

``plans.assign_items`` is the one assignment, with its rules (weights under each
department's parameters, overrides, signed plans reopened with a reason, items
replaced by key); this job runs it department by department — the departments of
``departments`` that hold part of the org unit named, or all of them — committing
each, so an assignment to 100,000 people holds one department's plans at a time.

Rules:

- Only a caller whose ``scorecard.manage`` scope is the whole tenant starts it
  (others are FORBIDDEN and pointed to ``assignScorecardItems``).
- The request is checked as a whole when the job is started
  (``plans.check_assignment``): a bad item, org unit, position or override, weights
  a department's rules refuse, or a signed plan without a reason is answered at
  once, and no job is created. What changes after that (a plan signed meanwhile, an
  item's goal deleted) fails the job with the same typed error; the departments done
  before stay done, and starting it again is safe (items are replaced by key).
- One assignment job per cycle at a time: asking again for the same assignment while
  it is queued or running returns that job (``created: false``); asking for a
  different one is a CONFLICT naming the running job.
- The job's parameters are JSON (the items as the API takes them); its result counts
  the plans assigned and reopened and the items removed, with up to 100 removed items
  listed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from perfloop.authz import Permission, Scope
from perfloop.services import plans
from perfloop.services.core.errors import ErrorCode, Forbidden, ServiceError
from perfloop.services.jobs.queue import dispatch
from perfloop.services.jobs.records import JobKind, JobView, create_job, register
from perfloop.services.jobs.refresh import cycle_parts

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller

ASSIGN_ITEMS = "assign-items"
#: removed items listed in a job's result (the count is always complete)
REMOVED_LISTED = 100


def _task_json(task: plans.TaskInput) -> dict[str, Any]:
    due = task.due_on.isoformat() if task.due_on is not None else None
    titles = dict(task.titles) if task.titles is not None else None
    return {"title": task.title, "titles": titles, "owner": task.owner_id,
            "status": task.status, "dueOn": due}  # fmt: skip


def _item_json(item: plans.ItemInput) -> dict[str, Any]:
    return {
        "weight": item.weight, "target": item.target, "key": item.key, "library": item.library,
        "indicator": item.indicator, "goal": item.goal_id, "title": item.title,
        "titles": dict(item.titles) if item.titles is not None else None,
        "unit": item.unit, "direction": item.direction,
        "thresholds": dict(item.thresholds) if item.thresholds is not None else None,
        "tasks": [_task_json(t) for t in item.tasks],
        "relative": item.relative.as_json() if item.relative is not None else None,
    }  # fmt: skip


def items_to_json(items: Sequence[plans.ItemInput]) -> list[dict[str, Any]]:
    """Items as a job's parameters hold them (JSON, dates as ISO text)."""
    return [_item_json(i) for i in items]


def _task_of(value: Mapping[str, Any]) -> plans.TaskInput:
    due = dt.date.fromisoformat(value["dueOn"]) if value["dueOn"] is not None else None
    return plans.TaskInput(
        value["title"], value["owner"], due, value["status"], titles=value.get("titles")
    )


def _item_of(value: Mapping[str, Any]) -> plans.ItemInput:
    return plans.ItemInput(
        weight=value["weight"], target=value["target"], key=value["key"],
        library=value["library"], indicator=value["indicator"], goal_id=value["goal"],
        title=value["title"], titles=value.get("titles"), unit=value["unit"],
        direction=value["direction"],
        thresholds=value["thresholds"], tasks=tuple(_task_of(t) for t in value["tasks"]),
        relative=plans.relative_of(value.get("relative")),
    )  # fmt: skip


def items_of_json(values: Sequence[Mapping[str, Any]]) -> list[plans.ItemInput]:
    """:func:`items_to_json`'s items back."""
    return [_item_of(v) for v in values]


def _overrides_of(parameters: Mapping[str, Any]) -> list[plans.TargetOverride]:
    return [
        plans.TargetOverride(o["employee"], o["key"], o["target"]) for o in parameters["overrides"]
    ]


def _company_wide(caller: Caller) -> None:
    if caller.require(Permission.SCORECARD_MANAGE) is not Scope.TENANT:
        raise Forbidden(
            "a company-wide assignment needs scorecard.manage for the whole company;"
            " assignScorecardItems assigns in your scope"
        )


async def _parts(
    session: AsyncSession, caller: Caller, parameters: Mapping[str, Any]
) -> Sequence[list[int]]:
    _company_wide(caller)  # still: the job runs with the starter's rights as they are now
    return await cycle_parts(session, caller, parameters)


async def _run_part(
    session: AsyncSession, caller: Caller, parameters: Mapping[str, Any], units: list[int]
) -> dict[str, Any]:
    done = await plans.assign_items(
        session,
        caller,
        int(parameters["cycle"]),
        items_of_json(parameters["items"]),
        org_unit_id=parameters["orgUnit"],
        position=parameters["position"],
        overrides=_overrides_of(parameters),
        reason=parameters["reason"],
        org_unit_ids=units,
    )
    whose = {card.id: card.employee_id for card in done.scorecards}
    removed = [
        {"scorecard": card_id, "employee": whose.get(card_id), "key": key}
        for card_id, keys in sorted(done.removed.items())
        for key in keys
    ]
    return {
        "assigned": len(done.scorecards),
        "reopened": done.reopened,
        "removed": len(removed),
        "removedItems": removed[:REMOVED_LISTED],
    }


def _merge(total: dict[str, Any], part: dict[str, Any]) -> dict[str, Any]:
    return {
        "assigned": total.get("assigned", 0) + part["assigned"],
        "reopened": total.get("reopened", 0) + part["reopened"],
        "removed": total.get("removed", 0) + part["removed"],
        "removedItems": (total.get("removedItems", []) + part["removedItems"])[:REMOVED_LISTED],
    }


register(JobKind(ASSIGN_ITEMS, Permission.SCORECARD_MANAGE, _parts, _run_part, _merge))


async def start_assign_items(
    session: AsyncSession,
    caller: Caller,
    cycle_id: int,
    items: Sequence[plans.ItemInput],
    *,
    org_unit_id: int | None = None,
    position: str | None = None,
    overrides: Sequence[plans.TargetOverride] = (),
    reason: str | None = None,
) -> tuple[JobView, bool]:
    """Check a bulk assignment as a whole and queue it as a job run department by
    department, or return the same assignment's job already queued or running for the
    cycle. Returns the job and whether it is new."""
    _company_wide(caller)
    checked = await plans.check_assignment(
        session, caller, cycle_id, items,
        org_unit_id=org_unit_id, position=position, overrides=overrides, reason=reason,
    )  # fmt: skip
    parameters: dict[str, Any] = {
        "cycle": checked.cycle_id,
        "orgUnit": org_unit_id,
        "position": checked.position,
        "items": items_to_json(items),
        "overrides": [
            {"employee": o.employee_id, "key": o.key, "target": o.target} for o in overrides
        ],
        "reason": reason,
    }
    job, new = await create_job(
        session, caller, ASSIGN_ITEMS, f"cycle:{checked.cycle_id}", parameters
    )
    if not new and dict(job.parameters) != parameters:
        raise ServiceError.one(
            ErrorCode.CONFLICT,
            f"another assignment to this cycle's plans is running (job {job.id});"
            " start yours once it has ended",
            ("cycle",),
        )
    if new:
        await dispatch(session, job.id)
        await session.refresh(job)  # a job that could not be queued says so at once
    return JobView.of(job), new
