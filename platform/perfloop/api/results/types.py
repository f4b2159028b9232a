"""Results, their versions and their readable explanation as GraphQL types."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry

from perfloop.api.core.errors import UserError
from perfloop.api.core.scalars import JSON
from perfloop.services import results


@strawberry.enum(
    description="draft: private to HR, rewritten by a scoring run; published: "
    "read by the person and their managers, never changed again."
)
class ResultStatus(Enum):
    DRAFT = "draft"
    PUBLISHED = "published"


@strawberry.enum(description="The language of an explanation.")
class ExplanationLanguage(Enum):
    ZH_CN = "zh-CN"
    EN = "en"


@strawberry.type(description="One version of a person's result.")
class ResultVersion:
    version: int
    status: ResultStatus
    total: float | None
    rating: str | None
    computed_at: dt.datetime
    published_at: dt.datetime | None


@strawberry.type(description="How one plan item was scored.")
class ItemExplanation:
    key: str
    title: str
    unit: str | None
    target: float | None
    actual: float | None
    completion: float | None = strawberry.field(description="The template's item completion.")
    score: float | None
    weight: float | None
    rules: list[str] = strawberry.field(
        description="Which rules of the template's item score applied: each IF with its "
        "condition, the values it read and the branch taken; a floor or cap that bounded "
        "the score."
    )
    line: str = strawberry.field(description="The item in one sentence.")
    provenance: str | None = strawberry.field(
        default=None,
        description="Where a computed actual came from, in one sentence: the provider "
        "(plugin.metric) and its version, the parameters, the data range and datasets "
        "read. Null for an actual entered by hand (or scored before provenance was kept).",
    )


@strawberry.type(description="One relation of the review part, aggregated.")
class RelationExplanation:
    relation: str
    label: str
    weight: float | None
    raters: int
    score: float | None = strawberry.field(
        description="Null without raters, or to the subject while an anonymous relation has "
        "fewer raters than its minimum."
    )
    hidden: bool
    line: str


@strawberry.type(description="One move of the rating by calibration.")
class CalibrationExplanation:
    before: str | None = strawberry.field(name="from", description="The band before.")
    after: str = strawberry.field(name="to", description="The band after.")
    multiplier_before: float | None
    multiplier_after: float | None = strawberry.field(
        description="The multiplier the template's incentive formula gives the new band."
    )
    reason: str
    by: str = strawberry.field(description="Who moved it (their name).")
    at: str = strawberry.field(description="When (ISO 8601, UTC).")
    line: str


@strawberry.type(description="A result explained: each item, the review by relation, the band.")
class ResultExplanation:
    lang: str
    items: list[ItemExplanation]
    relations: list[RelationExplanation]
    kpi: float | None
    review: float | None
    total: float | None
    rating: str | None
    rating_title: str | None = strawberry.field(description="The band's title in `lang`.")
    multiplier: float | None
    lines: list[str] = strawberry.field(description="The whole explanation as sentences.")
    tree: JSON = strawberry.field(
        description="The template's formulas as the engine evaluated them "
        "(`text`, `value`, `children`), per item and for the KPI part, total, rating "
        "and multiplier."
    )
    calibrations: list[CalibrationExplanation] = strawberry.field(
        description="The calibrations that moved the rating, oldest first."
    )

    @classmethod
    def from_view(cls, e: results.Explanation) -> ResultExplanation:
        return cls(
            lang=e.lang,
            items=[
                ItemExplanation(
                    key=i.key,
                    title=i.title,
                    unit=i.unit,
                    target=i.target,
                    actual=i.actual,
                    completion=i.completion,
                    score=i.score,
                    weight=i.weight,
                    rules=i.rules,
                    line=i.line,
                    provenance=i.provenance,
                )
                for i in e.items
            ],
            relations=[
                RelationExplanation(
                    relation=r.relation,
                    label=r.label,
                    weight=r.weight,
                    raters=r.raters,
                    score=r.score,
                    hidden=r.hidden,
                    line=r.line,
                )
                for r in e.relations
            ],
            kpi=e.kpi,
            review=e.review,
            total=e.total,
            rating=e.rating,
            rating_title=e.rating_title,
            multiplier=e.multiplier,
            lines=e.lines,
            tree=JSON(dict(e.tree)),
            calibrations=[
                CalibrationExplanation(
                    before=c.before,
                    after=c.after,
                    multiplier_before=c.multiplier_before,
                    multiplier_after=c.multiplier_after,
                    reason=c.reason,
                    by=c.by,
                    at=c.at,
                    line=c.line,
                )
                for c in e.calibrations
            ],
        )


@strawberry.type(description="A person's scored result of a cycle, at one version.")
class PerformanceResult:
    id: strawberry.ID
    cycle_id: strawberry.ID
    employee_id: strawberry.ID
    employee_name: str
    employee_no: str
    org_unit_id: strawberry.ID
    version: int
    status: ResultStatus
    revision: int = strawberry.field(
        description="Bumped by every write of this version (a run's rewrite of the draft, a "
        "calibration); `calibrateResult` states the one it saw."
    )
    scorecard_id: strawberry.ID | None
    scorecard_revision: int = strawberry.field(description="The plan revision scored.")
    scoring_ref: str = strawberry.field(description="The scoring template, key@version.")
    templates: JSON = strawberry.field(
        description="The templates and parameters used: `scoring`, `cycle`, `parameters`."
    )
    inputs: JSON = strawberry.field(
        description="What was scored: `items` (target, actual, weight, score settings, "
        "completion, score) and `relations` (raters, weight and score per relation)."
    )
    kpi_part: float | None
    review_part: float | None
    total: float | None
    rating: str | None = strawberry.field(description="The rating band.")
    multiplier: float | None = strawberry.field(description="The incentive multiplier.")
    computed_at: dt.datetime
    published_at: dt.datetime | None
    versions: list[ResultVersion] = strawberry.field(
        description="The person's versions of this cycle's result that you may read."
    )
    view: strawberry.Private[results.ResultView]

    @strawberry.field(description="The result explained for a person, in zh-CN or en.")
    def explanation(
        self, lang: ExplanationLanguage | None = ExplanationLanguage.ZH_CN
    ) -> ResultExplanation:
        chosen = lang.value if lang is not None else ExplanationLanguage.ZH_CN.value
        return ResultExplanation.from_view(self.view.explain(chosen))

    @classmethod
    def from_view(cls, v: results.ResultView) -> PerformanceResult:
        return cls(
            id=strawberry.ID(str(v.id)),
            cycle_id=strawberry.ID(str(v.cycle_id)),
            employee_id=strawberry.ID(str(v.employee_id)),
            employee_name=v.employee_name,
            employee_no=v.employee_no,
            org_unit_id=strawberry.ID(str(v.org_unit_id)),
            version=v.version,
            status=ResultStatus(v.status),
            revision=v.revision,
            scorecard_id=strawberry.ID(str(v.scorecard_id)) if v.scorecard_id else None,
            scorecard_revision=v.scorecard_revision,
            scoring_ref=v.scoring_ref,
            templates=JSON(dict(v.templates)),
            inputs=JSON(dict(v.inputs)),
            kpi_part=v.kpi_part,
            review_part=v.review_part,
            total=v.total,
            rating=v.rating,
            multiplier=v.multiplier,
            computed_at=v.computed_at,
            published_at=v.published_at,
            versions=[
                ResultVersion(
                    version=x.version,
                    status=ResultStatus(x.status),
                    total=x.total,
                    rating=x.rating,
                    computed_at=x.computed_at,
                    published_at=x.published_at,
                )
                for x in v.versions
            ],
            view=v,
        )


@strawberry.type
class PublishResultsPayload:
    published: int = strawberry.field(default=0, description="Drafts published.")
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CalibrateResultPayload:
    result: PerformanceResult | None = strawberry.field(
        default=None, description="The result as moved (a new draft version after a published one)."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="A person in a band, by their latest result.")
class CalibrationPerson:
    employee_id: strawberry.ID
    employee_name: str
    employee_no: str
    version: int
    revision: int
    status: ResultStatus
    total: float | None
    calibrated: bool = strawberry.field(description="Whether this version was calibrated.")


@strawberry.type(description="One band of a unit's distribution against the target.")
class CalibrationBand:
    band: str
    title: JSON = strawberry.field(description="The band's title, zh-CN and en.")
    count: int
    share: float = strawberry.field(description="Of the rated people, 0 to 1.")
    min: float | None = strawberry.field(description="The template's smallest share, if any.")
    max: float | None = strawberry.field(description="The template's largest share, if any.")
    over: bool = strawberry.field(description="The share is above `max`.")
    under: bool = strawberry.field(description="The share is below `min`.")
    people: list[CalibrationPerson] = strawberry.field(
        description="The people in the band, by employee number (the first 50)."
    )


@strawberry.type(description="The people scored by one scoring template, by band.")
class CalibrationGroup:
    scoring_ref: str
    rated: int
    unrated: int = strawberry.field(description="Results without a rating.")
    breaks_target: bool = strawberry.field(description="A band is over or under its target.")
    bands: list[CalibrationBand]


@strawberry.type(description="A unit's rating distribution against the templates' targets.")
class Calibration:
    cycle_id: strawberry.ID
    org_unit_id: strawberry.ID | None
    groups: list[CalibrationGroup]

    @classmethod
    def from_view(cls, v: results.CalibrationView) -> Calibration:
        return cls(
            cycle_id=strawberry.ID(str(v.cycle_id)),
            org_unit_id=strawberry.ID(str(v.org_unit_id)) if v.org_unit_id is not None else None,
            groups=[
                CalibrationGroup(
                    scoring_ref=g.scoring_ref,
                    rated=g.rated,
                    unrated=g.unrated,
                    breaks_target=g.breaks,
                    bands=[
                        CalibrationBand(
                            band=b.band,
                            title=JSON(dict(b.title)),
                            count=b.count,
                            share=b.share,
                            min=b.min,
                            max=b.max,
                            over=b.over,
                            under=b.under,
                            people=[
                                CalibrationPerson(
                                    employee_id=strawberry.ID(str(p.employee_id)),
                                    employee_name=p.employee_name,
                                    employee_no=p.employee_no,
                                    version=p.version,
                                    revision=p.revision,
                                    status=ResultStatus(p.status),
                                    total=p.total,
                                    calibrated=p.calibrated,
                                )
                                for p in b.people
                            ],
                        )
                        for b in g.bands
                    ],
                )
                for g in v.groups
            ],
        )
