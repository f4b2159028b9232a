"""Goals, the gap report and proposals as GraphQL types."""

from __future__ import annotations

from typing import TYPE_CHECKING

import strawberry

from perfloop.api.core.errors import UserError
from perfloop.api.core.scalars import I18nText, I18nTextInput

if TYPE_CHECKING:
    from perfloop.services.goals import GapView, GoalView


@strawberry.type(description="A goal of a cycle's tree, with coverage and rolled-up progress.")
class Goal:
    id: strawberry.ID
    cycle_id: strawberry.ID
    parent_id: strawberry.ID | None
    level: str = strawberry.field(description="company, department, team, position or employee.")
    org_unit_id: strawberry.ID | None
    position: str | None
    employee_id: strawberry.ID | None
    title: str = strawberry.field(
        description="The zh-CN title (the only one a goal had before `titles`)."
    )
    titles: I18nText = strawberry.field(
        description="The title in each product language: pick the reader's language "
        "(the same `zh-CN`/`en` as a plan item's `titles`)."
    )
    indicator_key: str | None
    library_ref: str | None
    target: float | None
    unit: str | None
    direction: str
    additive: bool
    weight: float | None
    allocated: float | None = strawberry.field(
        description="Sum of the children's targets (additive goals with children)."
    )
    unallocated: float | None = strawberry.field(
        description="Target minus allocated: positive under-, negative over-allocated."
    )
    coverage: str | None = strawberry.field(description="leaf, under, exact or over.")
    actual: float | None = strawberry.field(description="Measured or rolled up from children.")
    progress: float | None = strawberry.field(description="Completion, rolled up the tree.")

    @classmethod
    def from_view(cls, v: GoalView) -> Goal:
        def opt(x: int | None) -> strawberry.ID | None:
            return strawberry.ID(str(x)) if x is not None else None

        return cls(
            id=strawberry.ID(str(v.id)),
            cycle_id=strawberry.ID(str(v.cycle_id)),
            parent_id=opt(v.parent_id),
            level=v.level,
            org_unit_id=opt(v.org_unit_id),
            position=v.position,
            employee_id=opt(v.employee_id),
            title=v.title,
            titles=I18nText(zh_cn=v.titles.zh_cn, en=v.titles.en),
            indicator_key=v.indicator_key,
            library_ref=v.library_ref,
            target=v.target,
            unit=v.unit,
            direction=v.direction,
            additive=v.additive,
            weight=v.weight,
            allocated=v.allocated,
            unallocated=v.unallocated,
            coverage=v.coverage,
            actual=v.actual,
            progress=v.progress,
        )


@strawberry.type(description="Top-down allocation against the bottom-up proposal of one owner.")
class GapLine:
    owner: str = strawberry.field(
        description="unit:<id>, position:<unit id>:<name> or employee:<id>."
    )
    top_down: float | None
    bottom_up: float | None
    gap: float | None = strawberry.field(description="Allocated minus proposed.")
    flagged: bool = strawberry.field(
        description="The gap is larger than the threshold's share of the top-down target."
    )


@strawberry.type
class GapReport:
    goal_id: strawberry.ID
    target: float | None
    top_down: float
    bottom_up: float
    gap: float
    lines: list[GapLine]
    threshold: float = strawberry.field(
        description="The share of a target a gap may reach before it is flagged (the app "
        "template's analytics.goalGapThreshold; default 0.1)."
    )
    flagged: bool = strawberry.field(
        description="The whole gap is larger than the threshold's share of the goal's target."
    )

    @classmethod
    def from_view(cls, v: GapView) -> GapReport:
        return cls(
            goal_id=strawberry.ID(str(v.goal_id)),
            target=v.target,
            top_down=v.report.top_down,
            bottom_up=v.report.bottom_up,
            gap=v.report.gap,
            lines=[
                GapLine(
                    owner=x.owner,
                    top_down=x.top_down,
                    bottom_up=x.bottom_up,
                    gap=x.gap,
                    flagged=v.flagged(x.top_down, x.gap),
                )
                for x in v.report.lines
            ],
            threshold=v.threshold,
            flagged=v.gap_flagged,
        )


@strawberry.type
class GoalPayload:
    goal: Goal | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteGoalPayload:
    deleted: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ProposalPayload:
    ok: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class GoalInput:
    cycle_id: strawberry.ID
    level: str
    title: str = strawberry.field(
        description="The title in both languages (or, with `titles`, for a language "
        "`titles` leaves out); the goal's `title` is then its zh-CN title."
    )
    titles: I18nTextInput | None = strawberry.field(
        default=None,
        description="The title per language, a language left out reading as `title`.",
    )
    parent_id: strawberry.ID | None = None
    org_unit_id: strawberry.ID | None = None
    position: str | None = None
    employee_id: strawberry.ID | None = None
    indicator_key: str | None = None
    library_ref: str | None = None
    target: float | None = None
    unit: str | None = None
    direction: str = "higher"
    additive: bool = True
    weight: float | None = None
    actual: float | None = None
