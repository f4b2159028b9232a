"""Analytics GraphQL types: trends, a plan compared with an earlier one, dashboards."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import strawberry

from perfloop.api.core.inputs import as_id
from perfloop.api.plans.types import ReportRow

if TYPE_CHECKING:
    from perfloop.services import analytics


def _id(value: int | None) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value is not None else None


@strawberry.input(description="Whose trend: one person, an org unit's subtree, or an "
                  "indicator (optionally within an org unit).")  # fmt: skip
class TrendSubject:
    employee: strawberry.ID | None = None
    org_unit: strawberry.ID | None = None
    indicator: str | None = strawberry.field(
        default=None, description="An indicator key (an item without one: its key)."
    )

    def to_service(self) -> analytics.Subject:
        from perfloop.services import analytics

        return analytics.Subject(as_id(self.employee), as_id(self.org_unit), self.indicator)


@strawberry.type(description="People with published results in a band.")
class BandCount:
    band: str | None = strawberry.field(description="The template's band; null: no band.")
    count: int
    share: float = strawberry.field(description="Of the people with a published result.")

    @classmethod
    def of(cls, b: analytics.BandCount) -> BandCount:
        return cls(band=b.band, count=b.count, share=b.share)


@strawberry.type(description="One cycle of a trend.")
class TrendPoint:
    cycle_id: strawberry.ID
    period: str
    starts_on: dt.date
    ends_on: dt.date
    people: int = strawberry.field(description="People with plan items of the subject.")
    items: int
    target: float | None = strawberry.field(description="Sum of the items' targets.")
    actual: float | None = strawberry.field(description="Sum of the items' actuals.")
    completion: float | None = strawberry.field(
        description="Weighted average of the template's item completion (as planReport)."
    )
    behind: int
    score: float | None = strawberry.field(
        description="A person's trend: the plan's KPI part now, by its scoring template."
    )
    results: int = strawberry.field(description="People with a published result you may read.")
    mean_total: float | None = strawberry.field(description="Mean published total.")
    bands: list[BandCount]
    total: float | None = strawberry.field(description="A person's trend: published total.")
    rating: str | None = strawberry.field(description="A person's trend: published band.")
    completion_delta: float | None = strawberry.field(
        description="Completion minus the point before."
    )
    mean_total_delta: float | None = strawberry.field(
        description="Mean total minus the point before."
    )

    @classmethod
    def of(cls, p: analytics.TrendPoint) -> TrendPoint:
        return cls(
            cycle_id=strawberry.ID(str(p.cycle_id)), period=p.period, starts_on=p.starts_on,
            ends_on=p.ends_on, people=p.people, items=p.items, target=p.target,
            actual=p.actual, completion=p.completion, behind=p.behind, score=p.score,
            results=p.results, mean_total=p.mean_total, bands=[BandCount.of(b) for b in p.bands],
            total=p.total, rating=p.rating, completion_delta=p.completion_delta,
            mean_total_delta=p.mean_total_delta,
        )  # fmt: skip


@strawberry.type(description="A plan item next to the same key in the earlier plan.")
class ItemComparison:
    key: str
    title: str
    target: float | None
    actual: float | None
    completion: float | None
    score: float | None
    previous_target: float | None
    previous_actual: float | None
    previous_completion: float | None
    previous_score: float | None
    actual_delta: float | None
    completion_delta: float | None
    score_delta: float | None

    @classmethod
    def of(cls, i: analytics.ItemComparison) -> ItemComparison:
        return cls(**{name: getattr(i, name) for name in _ITEM_FIELDS})


_ITEM_FIELDS = (
    "key", "title", "target", "actual", "completion", "score", "previous_target",
    "previous_actual", "previous_completion", "previous_score", "actual_delta",
    "completion_delta", "score_delta",
)  # fmt: skip


@strawberry.type(description="A person's plan next to their plan of an earlier period.")
class ScorecardComparison:
    employee_id: strawberry.ID
    cycle_id: strawberry.ID
    period: str
    relative_to: str = strawberry.field(description="previous or year_ago.")
    previous_cycle_id: strawberry.ID | None = strawberry.field(
        description="The cycle compared with; null when there is none."
    )
    previous_period: str | None
    completion: float | None
    score: float | None
    total: float | None
    rating: str | None
    previous_completion: float | None
    previous_score: float | None
    previous_total: float | None
    previous_rating: str | None
    completion_delta: float | None
    score_delta: float | None
    items: list[ItemComparison]

    @classmethod
    def of(cls, c: analytics.ScorecardComparison) -> ScorecardComparison:
        return cls(
            employee_id=strawberry.ID(str(c.employee_id)), cycle_id=strawberry.ID(str(c.cycle_id)),
            period=c.period, relative_to=c.relative_to,
            previous_cycle_id=_id(c.previous_cycle_id), previous_period=c.previous_period,
            completion=c.completion, score=c.score, total=c.total, rating=c.rating,
            previous_completion=c.previous_completion, previous_score=c.previous_score,
            previous_total=c.previous_total, previous_rating=c.previous_rating,
            completion_delta=c.completion_delta, score_delta=c.score_delta,
            items=[ItemComparison.of(i) for i in c.items],
        )  # fmt: skip


@strawberry.type(description="Plan items against the time elapsed.")
class Progress:
    people: int
    items: int
    completion: float | None = strawberry.field(
        description="Weighted average of the template's item completion."
    )
    expected_progress: float = strawberry.field(description="Share of the cycle elapsed.")
    behind: int = strawberry.field(description="Items behind plan for the time elapsed.")


@strawberry.type(description="Published results by band.")
class ResultSummary:
    people: int
    mean_total: float | None
    bands: list[BandCount]


@strawberry.type(description="Published results by band in a unit's subtree.")
class UnitBands:
    org_unit_id: strawberry.ID
    name: str
    own: bool = strawberry.field(
        description="True: the people placed in the unit itself, not in a unit below it."
    )
    people: int
    mean_total: float | None
    bands: list[BandCount]


@strawberry.type(description="A person ranked by published total.")
class RankedPerson:
    employee_id: strawberry.ID
    employee_name: str
    employee_no: str
    org_unit_id: strawberry.ID
    total: float | None
    rating: str | None


@strawberry.type(description="A cycle's aggregates for an org unit's subtree or the company.")
class Dashboard:
    cycle_id: strawberry.ID
    org_unit_id: strawberry.ID | None
    progress: Progress
    indicators: list[ReportRow] = strawberry.field(
        description="Completion by indicator (planReport's rows)."
    )
    results: ResultSummary | None = strawberry.field(
        description="Published results by band; null without result.read."
    )
    units: list[UnitBands] = strawberry.field(
        description="Per direct child unit's subtree (and the unit's own people)."
    )
    top: list[RankedPerson]
    bottom: list[RankedPerson]

    @classmethod
    def of(cls, d: analytics.Dashboard) -> Dashboard:
        def ranked(r: analytics.Ranked) -> RankedPerson:
            return RankedPerson(
                employee_id=strawberry.ID(str(r.employee_id)), employee_name=r.employee_name,
                employee_no=r.employee_no, org_unit_id=strawberry.ID(str(r.org_unit_id)),
                total=r.total, rating=r.rating,
            )  # fmt: skip

        p, r = d.progress, d.results
        return cls(
            cycle_id=strawberry.ID(str(d.cycle_id)), org_unit_id=_id(d.org_unit_id),
            progress=Progress(
                people=p.people, items=p.items, completion=p.completion,
                expected_progress=p.expected_progress, behind=p.behind,
            ),
            indicators=[ReportRow.from_view(row) for row in d.indicators],
            results=(
                ResultSummary(
                    people=r.people, mean_total=r.mean_total,
                    bands=[BandCount.of(b) for b in r.bands],
                )
                if r is not None
                else None
            ),
            units=[
                UnitBands(
                    org_unit_id=strawberry.ID(str(u.org_unit_id)), name=u.name, own=u.own,
                    people=u.people, mean_total=u.mean_total,
                    bands=[BandCount.of(b) for b in u.bands],
                )
                for u in d.units
            ],
            top=[ranked(x) for x in d.top],
            bottom=[ranked(x) for x in d.bottom],
        )  # fmt: skip
