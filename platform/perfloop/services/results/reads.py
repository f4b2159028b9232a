"""Reading results, and publishing them.

Who reads which result (in SQL, never row by row):

- a **published** result: whoever holds ``result.read`` at a scope reaching the person
  (the person themself, their manager's team, their head's subtree, HR and executives
  the tenant);
- a **draft**: only whoever holds ``result.manage`` over the person (HR). Results stay
  private until HR publishes them.

A result out of reach and a missing one answer alike (null, or left out of a list).
A list shows each person's latest version the caller may read; ``result`` reads one
version (the latest readable by default) and lists the person's readable versions.

To its subject, an anonymous relation (peer, subordinate, customer) rated by fewer
raters than its minimum (``reviews.anonymity_minimums``) shows no score in the
explanation, as in the review summary. The result's review part and total are still
shown: they are the person's result, which they are entitled to see.

``publish`` (HR, ``result.manage``) publishes the current drafts of a cycle, of one
org unit's subtree or all, with ``UPDATE … WHERE status = 'draft'``: a published row
is never written again, and two publications at once publish each draft once (the
second finds it published). On PostgreSQL the drafts are locked in id order first, as
a scoring run's part locks the rows it rewrites, so a run and a publication of the
same people wait for each other instead of deadlocking. It is audited with the count.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select, update

from perfloop.authz import Permission, Scope
from perfloop.engine import ScoringScheme
from perfloop.services import improvement, plans, reviews
from perfloop.services.core import audit
from perfloop.services.core.errors import Forbidden, ServiceError
from perfloop.services.core.pagination import DEFAULT_PAGE_CAP, Page, keyset_page
from perfloop.services.core.scopes import employees_in_scope
from perfloop.services.results.explain import Explanation, explain
from perfloop.services.results.scoring import DRAFT, PUBLISHED, with_trees
from perfloop.store.core import chunked, utcnow
from perfloop.store.org import Employee, OrgUnit
from perfloop.store.results import Result
from perfloop.templates import canonical_json

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller


@dataclass(frozen=True)
class VersionView:
    version: int
    status: str
    total: float | None
    rating: str | None
    computed_at: dt.datetime
    published_at: dt.datetime | None


@dataclass(frozen=True)
class ResultView:
    id: int
    cycle_id: int
    employee_id: int
    employee_name: str
    employee_no: str
    org_unit_id: int
    version: int
    status: str
    scorecard_id: int | None
    scorecard_revision: int
    scoring_ref: str
    templates: Mapping[str, Any]
    inputs: Mapping[str, Any]
    kpi_part: float | None
    review_part: float | None
    total: float | None
    rating: str | None
    multiplier: float | None
    stored_explanation: Mapping[str, Any]
    computed_at: dt.datetime
    published_at: dt.datetime | None
    #: relations whose score the reader may not see (anonymity, to the subject)
    hidden: tuple[str, ...] = ()
    versions: list[VersionView] = field(default_factory=list)
    revision: int = 1
    calibrations: Sequence[Mapping[str, Any]] = ()
    #: what rebuilds the explanation trees a run did not store: the scoring template's
    #: body and the stored ratings (see ``_trees``)
    deferred: Mapping[str, Any] | None = None

    def explain(self, lang: str) -> Explanation:
        """The explanation in ``lang`` (zh-CN or en), as the reader may see it."""
        return explain(
            _trees(self), self.inputs, lang=lang, hidden=self.hidden,
            parameters=self.templates.get("parameters") or {},
            kpi=self.kpi_part, review=self.review_part, total=self.total,
            rating=self.rating, multiplier=self.multiplier, calibrations=self.calibrations,
        )  # fmt: skip


def visible(caller: Caller) -> ColumnElement[bool]:
    """The results of the caller's tenant the caller may read (module docstring)."""
    read = caller.scope(Permission.RESULT_READ)
    manage = caller.scope(Permission.RESULT_MANAGE)
    published = (
        and_(Result.status == PUBLISHED, employees_in_scope(caller, read, Result.employee_id))
        if read is not None
        else false()
    )
    drafts = (
        employees_in_scope(caller, manage, Result.employee_id) if manage is not None else false()
    )
    return and_(Result.tenant_id == caller.tenant_id, or_(published, drafts))


def _in_unit(org_unit_id: int, tenant_id: int) -> ColumnElement[bool]:
    """People placed in the org unit or below it."""
    path = (
        select(OrgUnit.path)
        .where(OrgUnit.id == org_unit_id, OrgUnit.tenant_id == tenant_id)
        .scalar_subquery()
    )
    units = select(OrgUnit.id).where(
        OrgUnit.tenant_id == tenant_id, OrgUnit.path.startswith(path, autoescape=False)
    )
    return Employee.org_unit_id.in_(units)


async def _hidden(
    session: AsyncSession, caller: Caller, rows: Sequence[Result]
) -> dict[int, tuple[str, ...]]:
    """Per result id, the anonymous relations its subject (when the caller is the
    subject) may not see on their own."""
    own = [r for r in rows if r.employee_id == caller.employee_id]
    if not own:
        return {}
    out: dict[int, tuple[str, ...]] = {}
    minimums: dict[int, dict[str, int]] = {}
    for row in own:
        if row.cycle_id not in minimums:
            cycle = await plans.get_cycle(session, caller, row.cycle_id)
            minimums[row.cycle_id] = await reviews.anonymity_minimums(session, cycle)
        least = minimums[row.cycle_id]
        out[row.id] = tuple(
            str(rel["relation"])
            for rel in row.inputs.get("relations") or []
            if rel.get("relation") in least
            and 0 < int(rel.get("raters") or 0) < least[rel["relation"]]
        )
    return out


@lru_cache(maxsize=64)
def _scheme(template_json: bytes, parameters_json: bytes) -> ScoringScheme:
    return ScoringScheme(json.loads(template_json), json.loads(parameters_json))


def _trees(view: ResultView) -> Mapping[str, Any]:
    """The result's explanation with its trees: as stored, or rebuilt from the stored
    inputs, scoring template and parameters through the same engine path (a result is
    reproducible from them) when the run stored only the labels and bands."""
    stored = view.stored_explanation
    if "items" in stored or not view.deferred or view.deferred.get("template") is None:
        return stored
    scheme = _scheme(
        canonical_json(view.deferred["template"]),
        canonical_json(view.templates.get("parameters") or {}),
    )
    return with_trees(
        stored, scheme, view.inputs.get("items") or [], view.deferred.get("ratings") or []
    )


def _view(
    row: Result,
    employee: Employee,
    hidden: tuple[str, ...],
    versions: list[VersionView],
    template: Mapping[str, Any] | None = None,
) -> ResultView:
    inputs = {k: v for k, v in (row.inputs or {}).items() if k != "ratings"}  # no raw ratings
    inputs["relations"] = [
        {**rel, "score": None} if rel.get("relation") in hidden else rel
        for rel in inputs.get("relations") or []
    ]
    return ResultView(
        id=row.id, cycle_id=row.cycle_id, employee_id=row.employee_id,
        employee_name=employee.name, employee_no=employee.employee_no,
        org_unit_id=employee.org_unit_id, version=row.version, status=row.status,
        scorecard_id=row.scorecard_id, scorecard_revision=row.scorecard_revision,
        scoring_ref=row.scoring_ref, templates=row.templates, inputs=inputs,
        kpi_part=row.kpi_part, review_part=row.review_part, total=row.total, rating=row.rating,
        multiplier=row.multiplier, stored_explanation=row.explanation,
        computed_at=row.computed_at, published_at=row.published_at, hidden=hidden,
        versions=versions, revision=row.revision, calibrations=list(row.calibrations or []),
        deferred={"template": template, "ratings": (row.inputs or {}).get("ratings") or []},
    )  # fmt: skip


async def _versions(
    session: AsyncSession, caller: Caller, cycle_id: int, employee_ids: Sequence[int]
) -> dict[int, list[VersionView]]:
    found: dict[int, list[VersionView]] = {}
    if not employee_ids:
        return found
    rows = await session.execute(
        select(
            Result.employee_id,
            Result.version,
            Result.status,
            Result.total,
            Result.rating,
            Result.computed_at,
            Result.published_at,
        )
        .where(visible(caller), Result.cycle_id == cycle_id, Result.employee_id.in_(employee_ids))
        .order_by(Result.employee_id, Result.version)
    )
    for employee_id, version, status, total, rating, computed_at, published_at in rows:
        found.setdefault(employee_id, []).append(
            VersionView(version, status, total, rating, computed_at, published_at)
        )
    return found


async def _views(
    session: AsyncSession, caller: Caller, cycle_id: int, rows: Sequence[tuple[Result, Employee]]
) -> list[ResultView]:
    hidden = await _hidden(session, caller, [r for r, _ in rows])
    versions = await _versions(session, caller, cycle_id, [r.employee_id for r, _ in rows])
    deferred = {r.scoring_ref for r, _ in rows if "items" not in (r.explanation or {})}
    bodies = (
        await plans.template_bodies(session, caller.tenant_id, deferred, "scoring")
        if deferred
        else {}
    )
    return [
        _view(
            r, e, hidden.get(r.id, ()), versions.get(r.employee_id, []), bodies.get(r.scoring_ref)
        )
        for r, e in rows
    ]


async def result_page(
    session: AsyncSession,
    caller: Caller,
    cycle_id: int,
    *,
    org_unit_id: int | None = None,
    status: str | None = None,
    first: int | None = None,
    after: str | None = None,
    page_cap: int = DEFAULT_PAGE_CAP,
) -> Page[ResultView]:
    """Each person's latest result the caller may read (of ``status`` only, when
    given), by employee number."""
    caller.require(Permission.RESULT_READ)
    cycle = await plans.get_cycle(session, caller, cycle_id)
    mine = [visible(caller), Result.cycle_id == cycle.id]
    if status is not None:
        mine.append(Result.status == status)
    latest = (
        select(Result.employee_id, func.max(Result.version).label("version"))
        .where(*mine)
        .group_by(Result.employee_id)
        .subquery()
    )
    query = (
        select(Result.id)
        .join(
            latest,
            and_(latest.c.employee_id == Result.employee_id, latest.c.version == Result.version),
        )
        .join(Employee, Employee.id == Result.employee_id)
        .where(Result.cycle_id == cycle.id, Employee.tenant_id == caller.tenant_id)
    )
    if org_unit_id is not None:
        query = query.where(_in_unit(org_unit_id, caller.tenant_id))
    page = await keyset_page(
        session, query, (Employee.employee_no, Result.id), first=first, after=after,
        cap=page_cap, what="result",
    )  # fmt: skip
    if not page.items:
        return replace(page, items=[])
    rows = (
        await session.execute(
            select(Result, Employee)
            .join(Employee, Employee.id == Result.employee_id)
            .where(Result.id.in_(page.items))
            .order_by(Employee.employee_no, Result.id)
        )
    ).all()
    views = await _views(session, caller, cycle.id, [(r, e) for r, e in rows])
    return replace(page, items=views)


async def get_result(
    session: AsyncSession,
    caller: Caller,
    cycle_id: int,
    employee_id: int,
    version: int | None = None,
) -> ResultView | None:
    """One person's result: ``version``, or their latest the caller may read; None when
    missing or out of reach."""
    caller.require(Permission.RESULT_READ)
    try:
        cycle = await plans.get_cycle(session, caller, cycle_id)
    except ServiceError:  # a cycle missing or of another tenant: no result either
        return None
    query = (
        select(Result, Employee)
        .join(Employee, Employee.id == Result.employee_id)
        .where(visible(caller), Result.cycle_id == cycle.id, Result.employee_id == employee_id)
    )
    if version is not None:
        query = query.where(Result.version == version)
    found = (await session.execute(query.order_by(Result.version.desc()).limit(1))).first()
    if found is None:
        return None
    return (await _views(session, caller, cycle.id, [(found[0], found[1])]))[0]


async def publish(
    session: AsyncSession, caller: Caller, cycle_id: int, org_unit_id: int | None = None
) -> int:
    """Publish the cycle's current drafts (of the people in ``org_unit_id``'s subtree,
    or all); returns how many were published. Commits."""
    if caller.require(Permission.RESULT_MANAGE) is not Scope.TENANT:
        raise Forbidden("publishing results needs result.manage for the whole company")
    cycle = await plans.get_cycle(session, caller, cycle_id)
    if org_unit_id is not None:
        unit = await session.get(OrgUnit, org_unit_id)
        if unit is None or unit.tenant_id != caller.tenant_id:
            raise plans.not_found("org unit", ("orgUnit",))
    people = select(Employee.id).where(Employee.tenant_id == caller.tenant_id)
    if org_unit_id is not None:
        people = people.where(_in_unit(org_unit_id, caller.tenant_id))
    drafts = and_(
        Result.tenant_id == caller.tenant_id,
        Result.cycle_id == cycle.id,
        Result.status == DRAFT,
        Result.employee_id.in_(people),
    )
    if session.get_bind().dialect.name == "postgresql":
        # lock the drafts in id order first, as a scoring run's part locks its rows:
        # two lockers of overlapping rows in the same order cannot deadlock
        ids = list(
            (
                await session.execute(
                    select(Result.id)
                    .where(drafts)
                    .order_by(Result.id)
                    .with_for_update(key_share=True)
                )
            ).scalars()
        )
    else:  # SQLite has one writer at a time: the update itself is the lock
        ids = None
    now = utcnow()
    published = 0
    for chunk in chunked(ids) if ids is not None else [None]:
        where = drafts if chunk is None else and_(Result.id.in_(chunk), Result.status == DRAFT)
        outcome = await session.execute(
            update(Result)
            .where(where)
            .values(status=PUBLISHED, published_at=now, published_by_id=caller.user_id)
            .execution_options(synchronize_session=False)
        )
        published += int(getattr(outcome, "rowcount", 0) or 0)
    audit.record(
        session, caller, "result.publish", "cycle", cycle.id,
        after={"orgUnit": org_unit_id, "published": published},
    )  # fmt: skip
    await session.commit()
    if published:  # the app's rules for applying results, when it has any (improvement.md)
        await improvement.apply_published(session, caller, cycle)
    return published


__all__ = [
    "ResultView", "VersionView", "get_result", "in_unit", "publish", "result_page", "visible",
]  # fmt: skip

in_unit = _in_unit
