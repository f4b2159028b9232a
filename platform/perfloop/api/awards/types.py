"""Awards and annual summaries as GraphQL types."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry

from perfloop.api.core.errors import UserError
from perfloop.api.core.scalars import JSON, I18nText
from perfloop.api.results.types import ExplanationLanguage
from perfloop.services import awards


@strawberry.enum(
    description="preview: computed now, shown to HR only until announced; announced: "
    "stored when HR announced it, read by the company, never changed by later data."
)
class AwardStatus(Enum):
    PREVIEW = "preview"
    ANNOUNCED = "announced"


@strawberry.type(description="One value the winner was ordered by.")
class AwardRankKey:
    key: str = strawberry.field(
        description="`rank` (the award's ranked value) or a tie-break's key, in order."
    )
    title: I18nText
    value: float | None


@strawberry.type(description="The winner of an award for one org unit and the cycle's period.")
class Award:
    cycle_id: strawberry.ID
    award: str = strawberry.field(description="The award's key in the scoring template.")
    title: I18nText
    scoring_ref: str
    org_unit_id: strawberry.ID
    org_unit_name: str
    employee_id: strawberry.ID
    employee_name: str
    employee_no: str
    value: float | None = strawberry.field(description="The winner's ranked value.")
    decided_by: str = strawberry.field(
        description="What separated the winner from the runner-up: `rank`, a tie-break's "
        "key, `employee` (equal on every value: the lowest employee id) or `only` (the "
        "only one eligible)."
    )
    decided_by_title: I18nText
    keys: list[AwardRankKey]
    runner_up_id: strawberry.ID | None
    runner_up_name: str | None
    eligible: int = strawberry.field(description="People of the unit who took part.")
    candidates: int = strawberry.field(description="People of the unit with a published result.")
    tied: int = strawberry.field(description="Others with the winner's ranked value.")
    result_version: int = strawberry.field(description="The winner's result version ranked.")
    status: AwardStatus
    announced_at: dt.datetime | None
    differs: bool | None = strawberry.field(
        description="HR only, on an announced winner: whether the results as they are now "
        "would name someone else (the announced winner stays)."
    )

    @classmethod
    def from_view(cls, v: awards.AwardView) -> Award:
        return cls(
            cycle_id=strawberry.ID(str(v.cycle_id)), award=v.award_key,
            title=I18nText.from_dict(v.title), scoring_ref=v.scoring_ref,
            org_unit_id=strawberry.ID(str(v.org_unit_id)), org_unit_name=v.org_unit_name,
            employee_id=strawberry.ID(str(v.employee_id)), employee_name=v.employee_name,
            employee_no=v.employee_no, value=v.value, decided_by=v.decided_by,
            decided_by_title=I18nText.from_dict(v.decided_by_title),
            keys=[AwardRankKey(key=k.key, title=I18nText.from_dict(k.title), value=k.value)
                  for k in v.keys],
            runner_up_id=strawberry.ID(str(v.runner_up_id)) if v.runner_up_id else None,
            runner_up_name=v.runner_up_name, eligible=v.eligible, candidates=v.candidates,
            tied=v.tied, result_version=v.result_version, status=AwardStatus(v.status),
            announced_at=v.announced_at, differs=v.differs,
        )  # fmt: skip


@strawberry.type
class AnnounceAwardsPayload:
    announced: int = strawberry.field(default=0, description="Units given a winner now.")
    kept: int = strawberry.field(
        default=0, description="Units whose winner was announced before (left as announced)."
    )
    awards: list[Award] = strawberry.field(
        default_factory=list, description="Every announced winner of the award in the cycle."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="One period (quarter) of an annual summary.")
class AnnualPeriod:
    period: str
    cycle_id: strawberry.ID | None
    version: int | None = strawberry.field(description="The published result version used.")
    total: float | None
    kpi: float | None
    review: float | None
    completion: float | None
    rating: str | None
    weight: float | None = strawberry.field(description="The template's weight (weighted).")
    share: float = strawberry.field(
        description="The period's share of the annual value (0: it did not count)."
    )


@strawberry.type(description="A rule across periods of the scoring template, evaluated.")
class AnnualRule:
    key: str
    title: I18nText
    value: JSON | None = strawberry.field(
        description="What the rule gave (TRUE, FALSE, a number; null when not known)."
    )


@strawberry.type(description="A person's annual result from their periods' published results.")
class AnnualResult:
    cycle_id: strawberry.ID
    period: str
    title: I18nText
    employee_id: strawberry.ID
    employee_name: str
    employee_no: str
    org_unit_id: strawberry.ID
    combine: str = strawberry.field(description="The cycle template's summary.combine.")
    missing_rule: str = strawberry.field(description="The cycle template's summary.missing.")
    total: float | None
    kpi: float | None
    review: float | None
    completion: float | None
    rating: str | None = strawberry.field(description="By the scoring template's rating.")
    multiplier: float | None
    scoring_ref: str
    periods: list[AnnualPeriod]
    missing: list[str] = strawberry.field(description="Periods without a published result.")
    rules: list[AnnualRule]
    _view: strawberry.Private[awards.AnnualView]

    @strawberry.field(description="The summary in sentences, naming the periods and weights.")
    def explanation(
        self, lang: ExplanationLanguage | None = ExplanationLanguage.ZH_CN
    ) -> list[str]:
        chosen = lang.value if lang is not None else ExplanationLanguage.ZH_CN.value
        return self._view.lines(chosen)

    @classmethod
    def from_view(cls, v: awards.AnnualView) -> AnnualResult:
        return cls(
            cycle_id=strawberry.ID(str(v.cycle_id)), period=v.period,
            title=I18nText.from_dict(v.title), employee_id=strawberry.ID(str(v.employee_id)),
            employee_name=v.employee_name, employee_no=v.employee_no,
            org_unit_id=strawberry.ID(str(v.org_unit_id)), combine=v.combine,
            missing_rule=v.missing_rule, total=v.total, kpi=v.kpi, review=v.review,
            completion=v.completion, rating=v.rating, multiplier=v.multiplier,
            scoring_ref=v.scoring_ref,
            periods=[
                AnnualPeriod(
                    period=p.period,
                    cycle_id=strawberry.ID(str(p.cycle_id)) if p.cycle_id else None,
                    version=p.version, total=p.total, kpi=p.kpi, review=p.review,
                    completion=p.completion, rating=p.rating, weight=p.weight, share=p.share,
                )
                for p in v.periods
            ],
            missing=list(v.missing),
            rules=[AnnualRule(key=r.key, title=I18nText.from_dict(r.title), value=r.value)
                   for r in v.rules],
            _view=v,
        )  # fmt: skip
