"""Plan GraphQL types: scorecards, items, tasks, actuals, check-ins, reports.

Scorecards, their items and the items' tasks are *plain* types: no field has a
resolver, so the executor completes them by projection (``api/core/executor``).
The service's views (``ScorecardView``, ``ItemView``, ``TaskView``) already
hold every field under the same name, so they are served as they are rather
than copied into these classes: a team view of hundreds of items is read once.
``tests/api/test_plain_types.py`` checks that each field of these types is an
attribute of its view, so the two cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import TYPE_CHECKING, cast

import strawberry

from perfloop.api.core.errors import UserError
from perfloop.api.core.inputs import as_id, required_id
from perfloop.api.core.scalars import JSON, I18nText, I18nTextInput, JSONObject
from perfloop.services import plans

if TYPE_CHECKING:
    from perfloop.services.plans import FailedItem, ScorecardView, TaskView
    from perfloop.services.plans import ReportRow as ReportRowView
    from perfloop.store.plans import ActionTask as ActionTaskRow
    from perfloop.store.plans import Actual as ActualRow
    from perfloop.store.plans import Checkin as CheckinRow


@strawberry.enum(description="Who signs a plan.")
class SignerRole(Enum):
    EMPLOYEE = "employee"
    MANAGER = "manager"


@strawberry.enum(description="A dimension to group the plan report by.")
class ReportDimension(Enum):
    ORG_UNIT = "org_unit"
    INDICATOR = "indicator"
    PERIOD = "period"


@strawberry.type(description="A task of an item's action plan.")
class ActionTask:
    id: strawberry.ID
    title: str = strawberry.field(
        description="The zh-CN title (the only one a task had before `titles`)."
    )
    titles: I18nText = strawberry.field(
        description="The title in each product language, as an item's `titles`."
    )
    owner_id: strawberry.ID | None
    due_on: dt.date | None
    status: str = strawberry.field(description="open, doing, done or dropped.")

    @classmethod
    def from_view(cls, t: TaskView | ActionTaskRow) -> ActionTask:
        due = t.due_on
        titles = (
            t.titles if isinstance(t.titles, plans.Titles) else plans.Titles.of(t.titles, t.title)
        )
        return cls(
            id=strawberry.ID(str(t.id)),
            title=t.title,
            titles=I18nText(zh_cn=titles.zh_cn, en=titles.en),
            owner_id=strawberry.ID(str(t.owner_id)) if t.owner_id is not None else None,
            due_on=due,
            status=t.status,
        )


@strawberry.enum(description="The earlier period a target or a comparison is relative to.")
class RelativePeriod(Enum):
    PREVIOUS = "previous"
    YEAR_AGO = "year_ago"


@strawberry.type(description="What a target relative to an earlier period was worked out from.")
class TargetBase:
    relative_to: str = strawberry.field(description="previous or year_ago.")
    change: float = strawberry.field(description="The change on the base, 0.08 for +8 %.")
    cycle_id: strawberry.ID = strawberry.field(description="The cycle the base actual is of.")
    period: str
    period_start: dt.date
    period_end: dt.date
    actual: float = strawberry.field(description="The person's actual in that period.")


@strawberry.type(
    description="Where a computed actual came from: the metric provider, its version, "
    "the parameters and the data read (docs/results.md, provenance)."
)
class ActualProvenance:
    provider: str = strawberry.field(description="plugin.metric, e.g. sales.revenue.")
    version: str | None = strawberry.field(description="The plugin's version.")
    params: JSON = strawberry.field(description="The parameters the metric was given.")
    data_from: dt.date | None = strawberry.field(
        name="from",
        description="The first day of the records read (null: all history up to `to`).",
    )
    data_to: dt.date | None = strawberry.field(
        name="to", description="The last day of the records read."
    )
    datasets: list[str] = strawberry.field(description="The datasets read.")
    cached: bool = strawberry.field(
        description="The last refresh reused a stored result (the data had not changed)."
    )

    @classmethod
    def of(cls, p: plans.Provenance | None) -> ActualProvenance | None:
        if p is None:
            return None
        return cls(
            provider=p.provider, version=p.version, params=JSON(p.params),
            data_from=p.data_from, data_to=p.data_to, datasets=list(p.datasets), cached=p.cached,
        )  # fmt: skip


@strawberry.type(description="One weighted item of a plan, with its progress.")
class ScorecardItem:
    id: strawberry.ID
    key: str
    title: str = strawberry.field(
        description="The zh-CN title (the only one an item had before `titles`)."
    )
    titles: I18nText = strawberry.field(
        description="The title in each product language, as a template's title: pick "
        "the reader's language (the same `zh-CN`/`en` as `explanation(lang)`)."
    )
    library_ref: str | None = strawberry.field(description="The KPI library, key@version.")
    indicator_key: str | None
    goal_id: strawberry.ID | None
    unit: str | None
    direction: str = strawberry.field(description="higher, lower or closest.")
    aggregation: str | None
    source_type: str = strawberry.field(description="dataset, formula, manual or plugin.")
    target: float | None
    weight: float
    actual: float | None
    actual_source: str | None
    actual_error: str | None = strawberry.field(
        description="Why the last refresh could not compute this item's actual (a dataset "
        "gone, a formula that fails); the actual is then null."
    )
    actual_provenance: ActualProvenance | None = strawberry.field(
        description="Where the computed actual came from; null for one entered by hand."
    )
    completion: float | None = strawberry.field(
        description="Actual against target by the scoring template's item completion "
        "formula (the standard one: by direction, 1.0 = target met)."
    )
    score: float | None = strawberry.field(
        description="The scoring template's item score (its item formula, with the item's "
        "score settings as parameters)."
    )
    expected_progress: float = strawberry.field(
        description="Share of the cycle's period elapsed (0 to 1)."
    )
    behind: bool = strawberry.field(description="Behind plan for the time elapsed.")
    tasks: list[ActionTask]
    target_base: TargetBase | None = strawberry.field(
        description="For a target relative to an earlier period: its base (null for a "
        "target given as a number)."
    )


@strawberry.type(description="An employee's performance plan for a cycle.")
class Scorecard:
    id: strawberry.ID
    cycle_id: strawberry.ID
    employee_id: strawberry.ID
    employee_name: str
    employee_no: str
    org_unit_id: strawberry.ID
    status: str = strawberry.field(description="draft, signing or signed (locked).")
    revision: int
    employee_signed_at: dt.datetime | None
    manager_signed_at: dt.datetime | None
    total_weight: float
    scoring_ref: str = strawberry.field(
        description="The scoring template whose formulas give this plan's numbers (key@version)."
    )
    completion: float | None = strawberry.field(
        description="Completion of the plan, by the scoring template's completion formula."
    )
    score: float | None = strawberry.field(
        description="The KPI part, by the scoring template's KPI formula (weighted item "
        "scores); null until every item has a score."
    )
    total: float | None = strawberry.field(
        description="The total by the scoring template's total formula; during the cycle "
        "there are no reviews yet, and the template decides what a missing review part means."
    )
    rating: str | None = strawberry.field(
        description="The rating band the scoring template gives the total."
    )
    multiplier: float | None = strawberry.field(
        description="The bonus multiplier the scoring template gives the rating."
    )
    behind_count: int
    items: list[ScorecardItem]

    @classmethod
    def from_view(cls, v: ScorecardView) -> Scorecard:
        return cast("Scorecard", v)  # served as it is (see the module docstring)


@strawberry.type(description="An item's actual for a period.")
class Actual:
    item_id: strawberry.ID
    period_start: dt.date
    period_end: dt.date
    value: float | None
    source: str = strawberry.field(description="dataset, formula, manual or override.")
    entered_by_id: strawberry.ID | None
    updated_at: dt.datetime
    note: str | None
    error: str | None = strawberry.field(
        default=None, description="Why a computed actual could not be computed (no value)."
    )
    provenance: ActualProvenance | None = strawberry.field(
        default=None,
        description="Where a computed actual came from; null for one entered by hand.",
    )

    @classmethod
    def from_row(cls, row: ActualRow) -> Actual:
        return cls(
            item_id=strawberry.ID(str(row.item_id)),
            period_start=row.period_start,
            period_end=row.period_end,
            value=row.value,
            source=row.source,
            entered_by_id=(
                strawberry.ID(str(row.entered_by_id)) if row.entered_by_id is not None else None
            ),
            updated_at=row.updated_at,
            note=row.note,
            error=row.error,
            provenance=ActualProvenance.of(plans.Provenance.of(row.provenance)),
        )


@strawberry.type(description="A progress note with a confidence from 0 to 1.")
class Checkin:
    id: strawberry.ID
    scorecard_id: strawberry.ID
    item_id: strawberry.ID | None
    progress: float | None
    confidence: float
    note: str
    author_id: strawberry.ID | None
    at: dt.datetime

    @classmethod
    def from_row(cls, row: CheckinRow) -> Checkin:
        return cls(
            id=strawberry.ID(str(row.id)),
            scorecard_id=strawberry.ID(str(row.scorecard_id)),
            item_id=strawberry.ID(str(row.item_id)) if row.item_id is not None else None,
            progress=row.progress,
            confidence=row.confidence,
            note=row.note,
            author_id=strawberry.ID(str(row.author_id)) if row.author_id is not None else None,
            at=row.at,
        )


@strawberry.type(description="One group of the plan report.")
class ReportRow:
    org_unit_id: strawberry.ID | None
    indicator_key: str | None
    period: str | None
    people: int
    items: int
    target: float | None = strawberry.field(description="Sum of targets.")
    actual: float | None = strawberry.field(description="Sum of known actuals.")
    completion: float | None = strawberry.field(
        description="Weighted average completion (null on a row of a part of the cycle, "
        "such as a month of a quarter: items have no target for it)."
    )
    behind: int
    whole_cycle: bool | None = strawberry.field(
        description="Grouped by period: true for the cycle's own period, false for a part "
        "of it (not scored), null for items without an actual."
    )
    previous: PreviousReportRow | None = strawberry.field(
        description="The same group in the cycle compared with (compareWith)."
    )
    indicator_titles: I18nText | None = strawberry.field(
        default=None,
        description="Grouped by indicator: its title in each product language (the "
        "titles of its first item); null otherwise.",
    )

    @classmethod
    def from_view(cls, v: ReportRowView) -> ReportRow:
        p = v.previous
        titles = v.titles
        return cls(
            indicator_titles=(
                I18nText(zh_cn=titles.zh_cn, en=titles.en) if titles is not None else None
            ),
            whole_cycle=v.whole_cycle,
            previous=(
                PreviousReportRow(
                    cycle_id=strawberry.ID(str(p.cycle_id)),
                    period=p.period,
                    people=p.people,
                    items=p.items,
                    target=p.target,
                    actual=p.actual,
                    completion=p.completion,
                    completion_delta=p.completion_delta,
                )
                if p is not None
                else None
            ),
            org_unit_id=strawberry.ID(str(v.org_unit_id)) if v.org_unit_id is not None else None,
            indicator_key=v.indicator_key,
            period=v.period,
            people=v.people,
            items=v.items,
            target=v.target,
            actual=v.actual,
            completion=v.completion,
            behind=v.behind,
        )


@strawberry.type(description="A report row's group in an earlier cycle, by the same rules.")
class PreviousReportRow:
    cycle_id: strawberry.ID
    period: str
    people: int
    items: int
    target: float | None
    actual: float | None
    completion: float | None
    completion_delta: float | None = strawberry.field(
        description="This row's completion minus the earlier one."
    )


@strawberry.type
class ScorecardPayload:
    scorecard: Scorecard | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SignScorecardsPayload:
    scorecards: list[Scorecard] = strawberry.field(
        default_factory=list, description="The plans signed, in the order given."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SetScorecardItemsPayload:
    scorecard: Scorecard | None = None
    removed_items: list[str] = strawberry.field(
        default_factory=list,
        description="Keys of the items this change removed, with their actuals, check-ins and "
        "tasks (kept in the audit trail).",
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="The items one plan lost in a bulk assignment.")
class RemovedItems:
    scorecard: strawberry.ID
    keys: list[str]


@strawberry.type
class AssignScorecardItemsPayload:
    scorecards: list[Scorecard] = strawberry.field(default_factory=list)
    reopened: int = strawberry.field(default=0, description="Signed plans that were re-opened.")
    removed_items: list[RemovedItems] = strawberry.field(
        default_factory=list, description="Plans that lost items, with the keys they lost."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ActionTaskPayload:
    task: ActionTask | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ActualPayload:
    actual: Actual | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="A computed item a refresh could not compute, and why.")
class FailedActual:
    item: strawberry.ID
    scorecard: strawberry.ID
    key: str
    message: str

    @classmethod
    def from_view(cls, failed: FailedItem) -> FailedActual:
        return cls(
            item=strawberry.ID(str(failed.item_id)),
            scorecard=strawberry.ID(str(failed.scorecard_id)),
            key=failed.key,
            message=failed.message,
        )


@strawberry.type
class RefreshActualsPayload:
    updated: int = strawberry.field(default=0, description="Computed actuals written.")
    overridden: int = strawberry.field(default=0, description="Overrides left as they were.")
    failed: list[FailedActual] = strawberry.field(default_factory=list)
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CheckinPayload:
    checkin: Checkin | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class ActionTaskInput:
    title: str = strawberry.field(
        description="The title in both languages (or, with `titles`, for a language "
        "`titles` leaves out); the task's `title` is then its zh-CN title, by which a "
        "task sent again keeps its status."
    )
    titles: I18nTextInput | None = strawberry.field(
        default=None,
        description="The title per language, a language left out reading as `title`.",
    )
    owner_id: strawberry.ID | None = None
    due_on: dt.date | None = None
    status: str = "open"


@strawberry.input(description="An item from a KPI library (library + indicator), a goal, or free.")
class ScorecardItemInput:
    weight: float
    target: float | None = None
    key: str | None = None
    library: str | None = strawberry.field(default=None, description="kpi-library key@version.")
    indicator: str | None = None
    goal_id: strawberry.ID | None = None
    title: str | None = strawberry.field(
        default=None,
        description="The title in both languages (or, with `titles`, for a language "
        "`titles` leaves out); with neither, the indicator's or goal's title.",
    )
    titles: I18nTextInput | None = strawberry.field(
        default=None,
        description="The title per language; it replaces the indicator's or goal's title "
        "in both, a language left out reading as the other one.",
    )
    unit: str | None = None
    direction: str | None = None
    thresholds: JSONObject | None = strawberry.field(
        default=None, description="Item score settings: threshold, floor, cap."
    )
    tasks: list[ActionTaskInput] = strawberry.field(default_factory=list)
    relative: RelativeTargetInput | None = strawberry.field(
        default=None,
        description="A target relative to each person's actual of an earlier period, "
        "instead of target: resolved per person when the plan is set or assigned.",
    )


@strawberry.input(description="A target as a change on an earlier period's actual.")
class RelativeTargetInput:
    relative_to: RelativePeriod
    change: float = strawberry.field(description="0.08 for +8 %, -0.05 for -5 %.")


@strawberry.input
class TargetOverrideInput:
    employee_id: strawberry.ID
    key: str
    target: float


def item_inputs(items: list[ScorecardItemInput]) -> list[plans.ItemInput]:
    """Plan items as the plan services take them (a bulk assignment, a job's too)."""
    return [
        plans.ItemInput(
            weight=i.weight,
            target=i.target,
            key=i.key,
            library=i.library,
            indicator=i.indicator,
            goal_id=as_id(i.goal_id),
            title=i.title,
            titles=i.titles.as_dict() if i.titles is not None else None,
            unit=i.unit,
            direction=i.direction,
            thresholds=i.thresholds,
            tasks=[
                plans.TaskInput(
                    t.title,
                    as_id(t.owner_id),
                    t.due_on,
                    t.status,
                    titles=t.titles.as_dict() if t.titles is not None else None,
                )
                for t in i.tasks
            ],
            relative=(
                plans.RelativeTarget(i.relative.relative_to.value, i.relative.change)
                if i.relative is not None
                else None
            ),
        )
        for i in items
    ]


def target_overrides(overrides: list[TargetOverrideInput] | None) -> list[plans.TargetOverride]:
    return [
        plans.TargetOverride(required_id(o.employee_id), o.key, o.target) for o in overrides or []
    ]


@strawberry.input(description="A plan to sign, at the revision you read (`Scorecard.revision`).")
class SignatureInput:
    scorecard: strawberry.ID
    expected_revision: int
