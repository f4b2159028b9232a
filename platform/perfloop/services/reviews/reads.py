"""Reading reviews: assignments by scope, a subject's summary with anonymity, and
what a stage still waits for.

Who reads which assignment (in SQL, never row by row):

- its rater, always (their own forms);
- whoever holds ``review.read`` at a scope reaching the subject (HR and
  executives: the tenant; a head: their subtree; a manager: their team; an
  employee: themself) — except that a subject never sees the assignments of
  the anonymous relations (peer, subordinate, customer) about themself, not
  even who the raters are.

So HR sees who has not answered yet (``unanswered``), a manager follows their
team's reviews, and an employee sees their own forms and their self and
manager reviews.

The summary of a subject (``review_summary``) gives per relation how many
raters answered, their average rating and the relation's weight, and the
review part: all through the scoring template of the subject's app install
(``perfloop.engine.review_part``: the template's relation score and relation
weights, redistributing the weight of a relation without raters as its
formula says). To the subject, an anonymous relation with fewer answers than
its minimum (the stage form's ``minResponses``, else the app's
``min_peer_reviewers``) shows neither its score nor its averages, and then the
combined score is withheld too (it would give the missing average away).
Answers of anonymous relations are shown to the subject only as averages of
their numeric fields.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, case, false, func, not_, or_, select

from perfloop.authz import Permission
from perfloop.engine import review_part
from perfloop.services.core.pagination import DEFAULT_PAGE_CAP, Page, keyset_page
from perfloop.services.core.scopes import employees_in_scope
from perfloop.services.plans import rules_for_employees
from perfloop.services.reviews.common import (
    ANONYMOUS,
    OPEN,
    FormSpec,
    app_parameters,
    cycle_template,
    forms_of,
    get_cycle,
    minimum,
)
from perfloop.store.core import chunked
from perfloop.store.org import Employee
from perfloop.store.reviews import ReviewAssignment

if TYPE_CHECKING:
    import datetime as dt

    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller
    from perfloop.store.cycles import Cycle


@dataclass(frozen=True)
class AssignmentView:
    id: int
    cycle_id: int
    stage: str
    form: str
    relation: str
    required: bool
    subject_id: int
    subject_name: str
    rater_id: int | None
    rater_name: str
    external: bool
    status: str
    answers: Mapping[str, Any] | None
    score: float | None
    revision: int
    submitted_at: dt.datetime | None


@dataclass(frozen=True)
class RelationView:
    relation: str
    weight: float | None
    score: float | None
    answered: int
    assigned: int
    minimum: int | None
    hidden: bool
    averages: Mapping[str, float] | None


@dataclass(frozen=True)
class SummaryView:
    cycle_id: int
    subject_id: int
    score: float | None
    hidden: bool
    relations: list[RelationView] = field(default_factory=list)


def visible(caller: Caller) -> ColumnElement[bool]:
    """The assignments of the caller's tenant the caller may read (module docstring)."""
    me = caller.employee_id
    own = ReviewAssignment.rater_id == me if me is not None else false()
    scope = caller.scope(Permission.REVIEW_READ)
    if scope is None:
        return and_(ReviewAssignment.tenant_id == caller.tenant_id, own)
    about_me_anonymously = and_(
        ReviewAssignment.subject_id == (me or 0),
        ReviewAssignment.relation.in_(ANONYMOUS),
    )
    reached = and_(
        employees_in_scope(caller, scope, ReviewAssignment.subject_id),
        not_(about_me_anonymously),
    )
    return and_(ReviewAssignment.tenant_id == caller.tenant_id, or_(own, reached))


async def _views(session: AsyncSession, rows: Sequence[ReviewAssignment]) -> list[AssignmentView]:
    ids = {r.subject_id for r in rows} | {r.rater_id for r in rows if r.rater_id is not None}
    names = dict(
        (
            await session.execute(select(Employee.id, Employee.name).where(Employee.id.in_(ids)))
        ).all()
        if ids
        else []
    )
    return [
        AssignmentView(
            id=r.id,
            cycle_id=r.cycle_id,
            stage=r.stage_key,
            form=r.form_ref,
            relation=r.relation,
            required=r.required,
            subject_id=r.subject_id,
            subject_name=names.get(r.subject_id, ""),
            rater_id=r.rater_id,
            rater_name=names.get(r.rater_id, "") if r.rater_id else (r.external_name or ""),
            external=r.rater_id is None,
            status=r.status,
            answers=r.answers,
            score=r.score,
            revision=r.revision,
            submitted_at=r.submitted_at,
        )
        for r in rows
    ]


async def assignment_view(session: AsyncSession, row: ReviewAssignment) -> AssignmentView:
    return (await _views(session, [row]))[0]


async def assignment_views(
    session: AsyncSession, rows: Sequence[ReviewAssignment]
) -> list[AssignmentView]:
    """Views of ``rows``, in their order (one statement for the names)."""
    return await _views(session, rows)


async def get_assignment(
    session: AsyncSession, caller: Caller, assignment_id: int
) -> AssignmentView | None:
    row = (
        await session.execute(
            select(ReviewAssignment).where(ReviewAssignment.id == assignment_id, visible(caller))
        )
    ).scalar_one_or_none()
    return None if row is None else await assignment_view(session, row)


async def assignment_page(
    session: AsyncSession,
    caller: Caller,
    cycle_id: int,
    *,
    stage: str | None = None,
    subject_id: int | None = None,
    mine: bool = False,
    unanswered: bool = False,
    first: int | None = None,
    after: str | None = None,
    page_cap: int = DEFAULT_PAGE_CAP,
) -> Page[AssignmentView]:
    """The cycle's assignments the caller may read, by id; ``mine``: those the caller
    fills in; ``unanswered``: those still waiting for their rater (pending, draft)."""
    cycle = await get_cycle(session, caller, cycle_id)
    query = select(ReviewAssignment.id).where(
        ReviewAssignment.cycle_id == cycle.id, visible(caller)
    )
    if stage is not None:
        query = query.where(ReviewAssignment.stage_key == stage)
    if subject_id is not None:
        query = query.where(ReviewAssignment.subject_id == subject_id)
    if mine:
        query = query.where(ReviewAssignment.rater_id == (caller.employee_id or 0))
    if unanswered:
        query = query.where(ReviewAssignment.status.in_(OPEN))
    page = await keyset_page(
        session, query, (ReviewAssignment.id,), first=first, after=after, cap=page_cap,
        what="review",
    )  # fmt: skip
    ids = list(page.items)
    rows = (
        (await session.execute(select(ReviewAssignment).where(ReviewAssignment.id.in_(ids))))
        .scalars()
        .all()
        if ids
        else []
    )
    by_id = {r.id: r for r in rows}
    return replace(page, items=await _views(session, [by_id[i] for i in ids]))


def _averages(rows: Sequence[ReviewAssignment]) -> dict[str, float]:
    """The mean of every numeric answer field over ``rows``."""
    sums: dict[str, list[float]] = {}
    for row in rows:
        for name, value in (row.answers or {}).items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                sums.setdefault(name, []).append(float(value))
    return {name: round(sum(v) / len(v), 4) for name, v in sorted(sums.items())}


async def review_summary(
    session: AsyncSession, caller: Caller, cycle_id: int, subject_id: int
) -> SummaryView | None:
    """The subject's review part in the cycle, per relation (None: outside the scope)."""
    scope = caller.require(Permission.REVIEW_READ)
    cycle = await get_cycle(session, caller, cycle_id)
    subject = (
        await session.execute(
            select(Employee).where(
                Employee.id == subject_id,
                Employee.tenant_id == caller.tenant_id,
                employees_in_scope(caller, scope, Employee.id),
            )
        )
    ).scalar_one_or_none()
    if subject is None:
        return None
    rows = list(
        (
            await session.execute(
                select(ReviewAssignment).where(
                    ReviewAssignment.cycle_id == cycle.id,
                    ReviewAssignment.subject_id == subject.id,
                    ReviewAssignment.status.not_in(("proposed", "rejected")),
                )
            )
        ).scalars()
    )
    submitted = [r for r in rows if r.status == "submitted"]
    ratings = [
        {"relation": r.relation, "score": r.score, "rater": str(r.id)}
        for r in submitted
        if r.score is not None
    ]
    rules = (await rules_for_employees(session, cycle, [subject]))[subject.id]
    part = review_part(rules.scheme, ratings)
    specs = {s.relation: s for s in forms_of(await cycle_template(session, cycle))}
    parameters = await app_parameters(session, cycle)
    is_subject = subject.id == caller.employee_id
    relations, hidden_any = [], False
    for rel in part.relations:
        name = str(rel["relation"])
        answered = [r for r in submitted if r.relation == name]
        least = minimum(specs.get(name), parameters) if name in ANONYMOUS else None
        hidden = is_subject and least is not None and len(answered) < least
        hidden_any = hidden_any or (hidden and bool(answered))
        relations.append(
            RelationView(
                relation=name,
                weight=rel.get("weight"),
                score=None if hidden else rel.get("score"),
                answered=len(answered),
                assigned=sum(1 for r in rows if r.relation == name),
                minimum=least,
                hidden=hidden,
                averages=None if hidden else _averages(answered),
            )
        )
    return SummaryView(
        cycle_id=cycle.id,
        subject_id=subject.id,
        score=None if hidden_any else part.score,
        hidden=hidden_any,
        relations=relations,
    )


async def ratings_for(
    session: AsyncSession, cycle: Cycle, employee_ids: Sequence[int]
) -> dict[int, list[dict[str, Any]]]:
    """The ratings of the submitted review forms about each of ``employee_ids`` in the
    cycle, as ``perfloop.engine.score_scorecard`` takes them (``relation``, ``rater``:
    the assignment's id, never a person, ``score``), by subject; subjects without a
    rating are left out. Read in chunks (``store.core.chunked``): no statement grows
    with the number of people. No authorization: the caller (a scoring run) has
    checked its own."""
    found: dict[int, list[dict[str, Any]]] = {}
    for chunk in chunked(sorted(set(employee_ids))):
        rows = await session.execute(
            select(
                ReviewAssignment.subject_id,
                ReviewAssignment.relation,
                ReviewAssignment.id,
                ReviewAssignment.score,
            )
            .where(
                ReviewAssignment.cycle_id == cycle.id,
                ReviewAssignment.subject_id.in_(chunk),
                ReviewAssignment.status == "submitted",
                ReviewAssignment.score.is_not(None),
            )
            .order_by(ReviewAssignment.subject_id, ReviewAssignment.id)
        )
        for subject, relation, assignment, score in rows:
            found.setdefault(subject, []).append(
                {"relation": relation, "rater": str(assignment), "score": score}
            )
    return found


async def anonymity_minimums(session: AsyncSession, cycle: Cycle) -> dict[str, int]:
    """How many raters of each anonymous relation must have answered before the subject
    sees that relation's aggregate (as :func:`review_summary` applies it)."""
    specs = {s.relation: s for s in forms_of(await cycle_template(session, cycle))}
    parameters = await app_parameters(session, cycle)
    return {relation: minimum(specs.get(relation), parameters) for relation in ANONYMOUS}


async def missing_form_count(session: AsyncSession, cycle: Cycle, stage: str | None) -> int:
    """Required forms of ``stage`` not submitted: required assignments still open, plus,
    per subject with assignments in the stage, the peers a required peer form still lacks
    to reach its minimum (chosen ones count; proposals waiting do not)."""
    if not stage:
        return 0
    in_stage = and_(ReviewAssignment.cycle_id == cycle.id, ReviewAssignment.stage_key == stage)
    open_required = int(
        (
            await session.execute(
                select(func.count()).where(
                    in_stage, ReviewAssignment.required, ReviewAssignment.status.in_(OPEN)
                )
            )
        ).scalar_one()
    )
    peer_specs: list[FormSpec] = [
        s
        for s in forms_of(await cycle_template(session, cycle), stage)
        if s.relation == "peer" and s.required
    ]
    if not peer_specs:
        return open_required
    least = minimum(peer_specs[0], await app_parameters(session, cycle))
    chosen = and_(
        ReviewAssignment.relation == "peer", ReviewAssignment.status.in_((*OPEN, "submitted"))
    )
    peers = func.sum(case((chosen, 1), else_=0))
    counts = (
        await session.execute(
            select(ReviewAssignment.subject_id, peers)
            .where(in_stage)
            .group_by(ReviewAssignment.subject_id)
        )
    ).all()
    return open_required + sum(max(0, least - int(n or 0)) for _, n in counts)


__all__ = [
    "AssignmentView",
    "RelationView",
    "SummaryView",
    "anonymity_minimums",
    "assignment_page",
    "assignment_view",
    "assignment_views",
    "get_assignment",
    "missing_form_count",
    "ratings_for",
    "review_summary",
    "visible",
]
