"""Goal mutations: the goal tree and bottom-up proposals."""

from __future__ import annotations

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.inputs import as_id, required_id
from perfloop.api.core.payloads import mutation
from perfloop.api.core.scalars import I18nTextInput
from perfloop.api.goals.types import (
    DeleteGoalPayload,
    Goal,
    GoalInput,
    GoalPayload,
    ProposalPayload,
)
from perfloop.authz import Permission
from perfloop.services import goals


async def _goal_view(info: Info, goal_id: int, cycle_id: int) -> Goal | None:
    views = await goals.list_goals(info.context.session, info.context.caller, cycle_id)
    return next((Goal.from_view(v) for v in views if v.id == goal_id), None)


@strawberry.type
class GoalsMutations:
    @mutation(description="Add a goal to a cycle's tree.", permission=Permission.GOAL_MANAGE)
    async def create_goal(self, info: Info, input: GoalInput) -> GoalPayload:
        ctx = info.context
        data = goals.GoalData(
            cycle_id=required_id(input.cycle_id), level=input.level, title=input.title,
            parent_id=as_id(input.parent_id), org_unit_id=as_id(input.org_unit_id),
            position=input.position, employee_id=as_id(input.employee_id),
            indicator_key=input.indicator_key, library_ref=input.library_ref,
            target=input.target, unit=input.unit, direction=input.direction,
            additive=input.additive, weight=input.weight, actual=input.actual,
            titles=input.titles.as_dict() if input.titles is not None else None,
        )  # fmt: skip
        row = await goals.create_goal(ctx.session, ctx.caller, data)
        view = await _goal_view(info, row.id, row.cycle_id)
        return GoalPayload(goal=view)

    @mutation(
        description=(
            "Change a goal's title, target, weight, unit, direction, additivity or actual; "
            "arguments left out are unchanged. A null target, weight, unit or actual clears "
            "it (a goal without its own actual is measured by linked plan items or rolled up). "
            "`title` alone sets the title in both languages; `titles` sets the languages it "
            "gives, a language it leaves out reading as `title` if given, else unchanged."
        ),
        permission=Permission.GOAL_MANAGE,
    )
    async def update_goal(
        self,
        info: Info,
        goal: strawberry.ID,
        title: str | None = strawberry.UNSET,
        titles: I18nTextInput | None = strawberry.UNSET,
        target: float | None = strawberry.UNSET,
        weight: float | None = strawberry.UNSET,
        actual: float | None = strawberry.UNSET,
        unit: str | None = strawberry.UNSET,
        direction: str | None = strawberry.UNSET,
        additive: bool | None = strawberry.UNSET,
    ) -> GoalPayload:
        ctx = info.context
        given: dict[str, object] = {
            "title": title, "target": target, "weight": weight, "actual": actual,
            "unit": unit, "direction": direction, "additive": additive,
        }  # fmt: skip
        changes = {k: v for k, v in given.items() if v is not strawberry.UNSET}
        if titles is not strawberry.UNSET:
            changes["titles"] = titles.as_dict() if titles is not None else None
        row = await goals.update_goal(ctx.session, ctx.caller, required_id(goal), changes)
        view = await _goal_view(info, row.id, row.cycle_id)
        return GoalPayload(goal=view)

    @mutation(description="Delete a goal and its subtree.", permission=Permission.GOAL_MANAGE)
    async def delete_goal(self, info: Info, goal: strawberry.ID) -> DeleteGoalPayload:
        await goals.delete_goal(info.context.session, info.context.caller, required_id(goal))
        return DeleteGoalPayload(deleted=True)

    @mutation(
        description="Propose what a unit, position or person can take on under a goal.",
        permission=Permission.GOAL_PROPOSE,
    )
    async def propose_goal(
        self,
        info: Info,
        goal: strawberry.ID,
        amount: float,
        org_unit: strawberry.ID | None = None,
        position: str | None = None,
        employee: strawberry.ID | None = None,
        note: str | None = None,
    ) -> ProposalPayload:
        ctx = info.context
        await goals.propose(
            ctx.session, ctx.caller, required_id(goal), amount, org_unit_id=as_id(org_unit),
            position=position, employee_id=as_id(employee), note=note,
        )  # fmt: skip
        return ProposalPayload(ok=True)
