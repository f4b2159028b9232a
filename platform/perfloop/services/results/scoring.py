"""Scoring runs: each person's result of a cycle, computed from their signed plan and
their submitted reviews by the plan's scoring template.

Rules:

- **One scoring path.** A result is ``perfloop.engine.score_scorecard`` on the plan's
  scheme (``plans.plan_schemes``: the plan's scoring template with the parameters
  installed for the person's unit, each item's own score settings on top) with the
  ratings of the person's submitted review forms (``reviews.ratings_for``), and the
  explanation is ``perfloop.engine.explain_scorecard`` on the same data, built when it
  is read (``explanation_trees``) from the stored inputs: a run stores no tree. Nothing here
  recomputes a rule of the template.
- **Only a signed plan is scored.** A plan not signed by both sides is reported
  (``unsigned``, with the person and the reason) and gets no result: a plan must be
  confirmed before it is evaluated.
- **Results are versions.** A person's result of a cycle is a row per version. A run
  writes the person's current draft: it overwrites the latest version while it is a
  draft, and writes version n+1 when the latest is published — unless nothing changed
  since (same plan revision, inputs and numbers as the published version: then the
  published result stands, counted ``unchanged``). A published row is never updated:
  the upsert leaves a published row alone, whatever raced it.
- **Safe to repeat.** Rows are upserted by (cycle, employee, version), so a part run
  again (a crash, a retried job, HR running the scoring twice) overwrites the same
  drafts: the same inputs give the same results and no duplicates.
- **Concurrency.** A part locks the existing results of its people (``lock_rows``, in
  id order) before it decides their versions, and publishing updates those rows, so a
  run and a publication of the same people serialize: a run that waited for a
  publication writes version n+1, a publication that waited for a run publishes the
  drafts the run wrote.
- A part reads and writes one department at a time (the job's parts), in chunks
  (``store.core.chunked``): no statement grows with the company.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import load_only

from perfloop.authz import Permission
from perfloop.engine import explain_scorecard, rerate, score_scorecard, to_json
from perfloop.services import plans
from perfloop.services.core import audit
from perfloop.services.results.explain import bands_of, labels_of
from perfloop.services.results.inputs import UNSIGNED, PlanInputs, gather
from perfloop.store.core import chunked, lock_rows, refresh_statistics, upsert_many, utcnow
from perfloop.store.results import Result

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.engine import ScoringScheme
    from perfloop.services.core.caller import Caller
    from perfloop.store.cycles import Cycle

DRAFT, PUBLISHED = "draft", "published"
STATUSES = (DRAFT, PUBLISHED)
#: people listed in a part's result as examples (the counts are complete)
LISTED = 100
#: what a run overwrites in a draft (everything but its key and publication)
_WRITTEN = (
    "tenant_id", "scorecard_id", "scorecard_revision", "scoring_ref", "templates", "inputs",
    "kpi_part", "review_part", "total", "rating", "multiplier", "explanation", "computed_at",
    "revision", "calibrations",
)  # fmt: skip


@dataclass
class PartResult:
    """What one part of a scoring run did."""

    scored: int = 0
    unchanged: int = 0
    unsigned: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)
    #: calibrated people whose moves the run kept, and those whose score moved away
    #: from where the calibration started (their moves dropped: to calibrate again)
    kept: int = 0
    recalibrate: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "scored": self.scored,
            "unchanged": self.unchanged,
            "unsigned": len(self.unsigned),
            "unsignedPlans": self.unsigned[:LISTED],
            "failed": len(self.failed),
            "failedPlans": self.failed[:LISTED],
            "calibrationsKept": self.kept,
            "recalibrate": len(self.recalibrate),
            "recalibratePlans": self.recalibrate[:LISTED],
        }


def merge(total: dict[str, Any], part: dict[str, Any]) -> dict[str, Any]:
    """Two parts' results added up (the lists capped at ``LISTED``)."""
    return {
        "scored": total.get("scored", 0) + part["scored"],
        "unchanged": total.get("unchanged", 0) + part["unchanged"],
        "unsigned": total.get("unsigned", 0) + part["unsigned"],
        "unsignedPlans": (total.get("unsignedPlans", []) + part["unsignedPlans"])[:LISTED],
        "failed": total.get("failed", 0) + part["failed"],
        "failedPlans": (total.get("failedPlans", []) + part["failedPlans"])[:LISTED],
        "calibrationsKept": total.get("calibrationsKept", 0) + part["calibrationsKept"],
        "recalibrate": total.get("recalibrate", 0) + part["recalibrate"],
        "recalibratePlans": (total.get("recalibratePlans", []) + part["recalibratePlans"])[:LISTED],
    }


def _number(value: Any) -> float | None:
    """A formula's result as a number to store: null, TRUE/FALSE and error values are None."""
    value = to_json(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return None


def _compact(node: dict[str, Any]) -> dict[str, Any]:
    """An explanation node as stored: a name that read a list of records (``items``,
    ``sections``, ``relations``) keeps the number of records, not the records, which
    the result's inputs already hold (it was most of the tree's size)."""
    value = node.get("value")
    if isinstance(value, list) and not node.get("children"):
        return {"text": node["text"], "value": None, "records": len(value), "children": []}
    return {**node, "children": [_compact(c) for c in node.get("children") or []]}


def _tree(value: Any) -> Any:
    return _compact(value.to_dict()) if value is not None else None


def explanation_trees(
    scheme: ScoringScheme,
    items: Sequence[Mapping[str, Any]],
    ratings: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """The explanation trees of a result (``explain_scorecard``, compacted): built when
    the explanation is read, from the result's stored inputs, template and parameters
    (a run stores only the labels and bands: the trees were most of its time)."""
    explained = explain_scorecard(scheme, items, ratings=ratings)
    return {
        "items": [
            {"key": i["key"], "completion": _tree(i["completion"]), "score": _tree(i["score"])}
            for i in explained["items"]
        ],
        **{k: _tree(explained[k]) for k in ("kpi", "completion", "total", "rating", "multiplier")},
        "labels": labels_of(scheme.template),
        "bands": bands_of(scheme.template),
    }


def with_trees(
    explanation: Mapping[str, Any],
    scheme: ScoringScheme,
    items: Sequence[Mapping[str, Any]],
    ratings: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """A result's explanation with its trees. A run stores none (see
    :func:`explanation_trees`): they are rebuilt from the result's stored ``items`` and
    ``ratings`` (its inputs) with its scheme; what the row stores wins over them — the
    trees of results from earlier runs, and a calibration's multiplier."""
    if "items" in explanation:
        return dict(explanation)
    rebuilt = explanation_trees(
        scheme,
        [
            {k: i.get(k) for k in ("key", "actual", "target", "direction", "weight", "params")}
            for i in items
        ],
        [
            {"relation": r.get("relation"), "rater": str(n), "score": r.get("score")}
            for n, r in enumerate(ratings)
        ],
    )
    return {**rebuilt, **explanation}


def _row(
    cycle: Cycle, plan: PlanInputs, scheme: ScoringScheme, ratings: Sequence[Mapping[str, Any]]
) -> tuple[dict[str, Any], Any]:
    """A person's result as a row (without its version), from the one scoring path, and
    the scorecard's completion (which the multiplier formula may read)."""
    scored = score_scorecard(scheme, plan.items, ratings=ratings)
    rating = scored.rating if isinstance(scored.rating, str) else None
    inputs = {
        "items": [
            {**shown, "completion": to_json(s["completion"]), "score": to_json(s["score"])}
            for shown, s in zip(plan.shown, scored.items, strict=True)
        ],
        # by relation, without who rated: the raters' count, weight and relation score
        "relations": to_json(scored.relations),
        "ratings": sorted(
            ({"relation": r["relation"], "score": r["score"]} for r in ratings),
            key=lambda r: (str(r["relation"]), r["score"]),
        ),
        "unscored": list(scored.unscored),
    }
    return {
        "tenant_id": cycle.tenant_id,
        "cycle_id": cycle.id,
        "employee_id": plan.employee_id,
        "scorecard_id": plan.id,
        "scorecard_revision": plan.revision,
        "scoring_ref": plan.scoring_ref,
        "templates": {
            "scoring": plan.scoring_ref,
            "cycle": f"{cycle.template_key}@{cycle.template_version}",
            "parameters": to_json(scheme.parameters),
        },
        "inputs": inputs,
        "kpi_part": _number(scored.kpi),
        "review_part": _number(scored.review),
        "total": _number(scored.total),
        "rating": rating,
        "multiplier": _number(scored.multiplier),
        # rebuilt from the inputs, template and parameters when read (``explanation_trees``)
        "explanation": {},
    }, scored.completion


_COMPARED = ("scorecard_revision", "scoring_ref", "templates", "inputs", "kpi_part",
             "review_part", "total", "rating", "multiplier")  # fmt: skip


def _keep_moves(
    row: dict[str, Any], scheme: ScoringScheme, completion: Any, moves: Sequence[Mapping[str, Any]]
) -> bool:
    """Carry a calibration over a rescoring: when the run gives the rating the first move
    started from, the moves still stand — the row takes the last move's rating, with
    the multiplier the template's formula gives it on the new parts (``rerate``), as
    calibrating did. Otherwise the score itself moved: returns False (the moves are
    not applied; HR calibrates again, and the audit trail keeps the old moves)."""
    if not moves or row["rating"] != moves[0].get("from"):
        return False
    rating = moves[-1].get("to")
    value, _ = rerate(
        scheme, rating, kpi=row["kpi_part"], review=row["review_part"], completion=completion,
        total=row["total"],
    )  # fmt: skip
    row["rating"], row["multiplier"] = rating, _number(value)
    return True


def _same(row: Mapping[str, Any], published: Mapping[str, Any]) -> bool:
    """Whether a fresh result says what the published version says. A version
    published before plan items had ``titles`` (0018) is not redone for them alone:
    its explanation says the one title it kept. Nor for an actual's provenance alone
    (a plugin's new version, a data range read again): the numbers are the same."""
    published_items = (published.get("inputs") or {}).get("items") or []
    left_out = {"provenance"}
    if not any("titles" in i for i in published_items):
        left_out.add("titles")
    return all(
        _without(row[name], left_out) == _without(published[name], left_out)
        if name == "inputs"
        else row[name] == published[name]
        for name in _COMPARED
    )


def _without(inputs: Any, keys: set[str]) -> Any:
    """``inputs`` with ``keys`` left out of each item."""
    if not isinstance(inputs, Mapping) or not isinstance(inputs.get("items"), list):
        return inputs
    items = [
        {k: v for k, v in i.items() if k not in keys} if isinstance(i, Mapping) else i
        for i in inputs["items"]
    ]
    return {**inputs, "items": items}


async def _compared(session: AsyncSession, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The compared columns of the published rows ``ids`` (read only when needed: the
    JSON columns are most of a row's reading time)."""
    out: dict[int, dict[str, Any]] = {}
    columns = [getattr(Result, name) for name in _COMPARED]
    for chunk in chunked(sorted(ids)):
        for row in await session.execute(select(Result.id, *columns).where(Result.id.in_(chunk))):
            out[row[0]] = dict(zip(_COMPARED, row[1:], strict=True))
    return out


async def _latest(
    session: AsyncSession, cycle: Cycle, employee_ids: Iterable[int]
) -> dict[int, Result]:
    """Each person's latest result version, their rows locked (see the module)."""
    latest: dict[int, Result] = {}
    for chunk in chunked(sorted(set(employee_ids))):
        for row in await lock_rows(
            session, Result, Result.cycle_id == cycle.id, Result.employee_id.in_(chunk),
            options=[
                load_only(
                    Result.id,
                    Result.employee_id,
                    Result.version,
                    Result.status,
                    Result.revision,
                    Result.calibrations,
                )
            ],
        ):  # fmt: skip
            if row.employee_id not in latest or row.version > latest[row.employee_id].version:
                latest[row.employee_id] = row
    return latest


async def score_part(
    session: AsyncSession, caller: Caller, cycle_id: int, org_unit_ids: Sequence[int]
) -> PartResult:
    """Score the cycle's signed plans of the people placed in ``org_unit_ids`` and write
    their draft results; commits. (A scoring run's part: see the module for the rules.)"""
    caller.require(Permission.RESULT_MANAGE)
    cycle = await plans.get_cycle(session, caller, cycle_id)
    gathered = await gather(session, cycle, org_unit_ids)
    done = PartResult(unsigned=gathered.unsigned, failed=gathered.failed)
    signed, schemes, ratings = gathered.signed, gathered.schemes, gathered.ratings
    latest = await _latest(session, cycle, [p.employee_id for p in signed])
    published = await _compared(session, [r.id for r in latest.values() if r.status == PUBLISHED])
    now = utcnow()
    rows = []
    for plan in signed:
        scheme = schemes[plan.id]
        row, completion = _row(cycle, plan, scheme, ratings.get(plan.employee_id, []))
        last = latest.get(plan.employee_id)
        moves = list(last.calibrations or []) if last is not None else []
        if moves and _keep_moves(row, scheme, completion, moves):
            done.kept += 1
        elif moves:
            done.recalibrate.append(
                {"employee": plan.employee_id, "from": moves[0].get("from"),
                 "to": moves[-1].get("to"), "scored": row["rating"]}
            )  # fmt: skip
            moves = []
        if last is not None and last.status == PUBLISHED and _same(row, published[last.id]):
            done.unchanged += 1
            continue
        version = 1 if last is None else last.version + (last.status == PUBLISHED)
        # a rewrite of the draft is a new revision, scored afresh; the moves of a
        # calibration stay while the score gives the rating they started from
        # (_keep_moves)
        revision = last.revision + 1 if last is not None and last.version == version else 1
        rows.append({**row, "version": version, "status": DRAFT, "computed_at": now,
                     "revision": revision, "calibrations": moves})  # fmt: skip
    await upsert_many(
        session, Result, rows, ("cycle_id", "employee_id", "version"), _WRITTEN,
        unless=Result.status == PUBLISHED,
    )  # fmt: skip
    done.scored = len(rows)
    audit.record(
        session, caller, "result.score", "cycle", cycle.id,
        after={"units": len(org_unit_ids), "scored": done.scored, "unchanged": done.unchanged,
               "unsigned": len(done.unsigned), "failed": len(done.failed)},
    )  # fmt: skip
    await session.commit()
    await refresh_statistics(session, len(rows), Result)
    return done


__all__ = ["DRAFT", "LISTED", "PUBLISHED", "STATUSES", "UNSIGNED", "PartResult",
           "explanation_trees", "merge", "score_part", "with_trees"]  # fmt: skip
