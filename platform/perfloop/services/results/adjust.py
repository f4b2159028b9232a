"""Adjusting a published result after an appeal: a new published version, scored by the
same path as a run.

Rules:

- **The same scoring path.** An adjustment changes inputs the result was scored on —
  an item's actual — and/or its rating band, and nothing else. The new numbers come
  from ``perfloop.engine.score_scorecard`` on the result's own scoring template and
  stored parameters, with the stored items (the adjusted actuals in place) and the
  stored ratings by relation, built into a row exactly as a run builds one
  (``scoring._row``); a band change then follows the template's incentive formula
  (``perfloop.engine.rerate``), as calibration does, and is recorded as a move on the
  version (``calibrations``, with the appeal's id) so the explanation shows it and a
  later run keeps it while the score stands. A calibration the published version
  carried stays while the adjusted score gives the band it started from (as a run
  keeps it). No rule of the template is recomputed here.
- **A new version, published.** A published result never changes: the adjustment
  writes version n+1, published at once (``published_at``, ``published_by``) — the
  appeal's decision is the publication — and every earlier version stays readable.
  The person's latest version must be published: a newer draft (a run or a
  calibration waiting for HR) is a ``CONFLICT`` until it is published.
- **Concurrency.** The person's result rows are locked (``lock_rows``) before the
  latest version is read, as a calibration does; a raced version n+1 (unique
  violation) is the caller's to turn into ``CONFLICT`` (``race_conflict``).
- The caller's right to adjust is the appeal's (``appeal.decide``, checked by the
  appeals service, which calls this inside its own transaction and commits).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from perfloop.engine import rerate, to_json
from perfloop.services import plans
from perfloop.services.core import audit
from perfloop.services.core.errors import ErrorCode, ServiceError
from perfloop.services.results.calibration import _canonical, _scheme, _targets
from perfloop.services.results.inputs import PlanInputs
from perfloop.services.results.scoring import PUBLISHED, _keep_moves, _row
from perfloop.store.core import lock_rows, utcnow
from perfloop.store.results import Result

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller
    from perfloop.store.cycles import Cycle

#: what ``before`` and ``after`` of an adjustment show of a version
SHOWN = ("version", "kpiPart", "reviewPart", "total", "rating", "multiplier")


@dataclass(frozen=True)
class Adjustment:
    """What an appeal's decision changes: item actuals by item key (None clears one),
    and/or the rating band; with the reason (required)."""

    reason: str
    actuals: Mapping[str, float | None] | None = None
    rating: str | None = None
    appeal_id: int | None = None


def shown(row: Result) -> dict[str, Any]:
    """A version's numbers as an appeal's trail shows them."""
    return {
        "version": row.version, "kpiPart": row.kpi_part, "reviewPart": row.review_part,
        "total": row.total, "rating": row.rating, "multiplier": row.multiplier,
        "actuals": {
            str(i.get("key")): i.get("actual") for i in (row.inputs or {}).get("items") or []
        },
    }  # fmt: skip


async def latest_published(
    session: AsyncSession, cycle: Cycle, employee_id: int, *, lock: bool
) -> Result | None:
    """The person's latest result version when it is published (None without any);
    ``CONFLICT`` when a newer draft waits. With ``lock`` the person's rows are locked."""
    mine = (Result.cycle_id == cycle.id, Result.employee_id == employee_id)
    if lock:
        rows = await lock_rows(session, Result, *mine)
    else:
        rows = list((await session.execute(select(Result).where(*mine))).scalars())
    if not rows:
        return None
    last = max(rows, key=lambda r: r.version)
    if last.status != PUBLISHED:
        raise ServiceError.one(
            ErrorCode.CONFLICT,
            f"version {last.version} of this result is a draft waiting for publication; "
            "publish it first",
            ("expectedRevision",), detail="result.draft",
        )  # fmt: skip
    return last


def _items(last: Result, actuals: Mapping[str, float | None]) -> PlanInputs:
    stored = list((last.inputs or {}).get("items") or [])
    keys = {str(i.get("key")) for i in stored}
    unknown = sorted(set(actuals) - keys)
    if unknown:
        raise plans.invalid(
            f"{unknown[0]!r} is not an item of this result ({', '.join(sorted(keys))})",
            ("actuals",),
        )
    plan = PlanInputs(
        id=last.scorecard_id or 0, employee_id=last.employee_id, org_unit_id=0,
        status="signed", revision=last.scorecard_revision, scoring_ref=last.scoring_ref,
    )  # fmt: skip
    for item in stored:
        key = str(item.get("key"))
        actual = actuals[key] if key in actuals else item.get("actual")
        plan.items.append(
            {"key": key, "actual": actual, "target": item.get("target"),
             "direction": item.get("direction"), "weight": item.get("weight"),
             "params": item.get("params")}
        )  # fmt: skip
        plan.shown.append(
            {k: item.get(k) for k in ("key", "title", "unit", "direction", "target", "weight",
                                      "params")} | {"actual": actual}
            | ({"titles": item["titles"]} if "titles" in item else {})
            # a corrected actual is no longer the provider's
            | ({"provenance": item["provenance"]}
               if "provenance" in item and key not in actuals else {})
        )  # fmt: skip
    return plan


def _ratings(last: Result) -> list[dict[str, Any]]:
    return [
        {"relation": r.get("relation"), "rater": str(n), "score": r.get("score")}
        for n, r in enumerate((last.inputs or {}).get("ratings") or [])
    ]


async def adjust(
    session: AsyncSession, caller: Caller, cycle: Cycle, last: Result, change: Adjustment
) -> Result:
    """Write version n+1 of ``last`` (the person's locked, latest, published version)
    with ``change`` applied, published; audited as ``result.adjust``. Flushes, does not
    commit (see the module)."""
    if not change.actuals and change.rating is None:
        raise plans.invalid("an adjustment changes an item's actual or the rating", ("actuals",))
    if not change.actuals and change.rating == last.rating:
        raise plans.invalid(f"the rating is already {last.rating}", ("rating",))
    body = (
        await plans.template_bodies(session, cycle.tenant_id, [last.scoring_ref], "scoring")
    ).get(last.scoring_ref)
    if body is None:
        raise plans.invalid(f"the scoring template {last.scoring_ref} is not available", ("cycle",))
    parameters = (last.templates or {}).get("parameters") or {}
    scheme = _scheme(_canonical(body), _canonical(parameters))
    plan = _items(last, change.actuals or {})
    row, completion = _row(cycle, plan, scheme, _ratings(last))
    # the plan, cycle and parameters it was scored with
    row["templates"], row["scorecard_id"] = last.templates, last.scorecard_id
    moves: list[dict[str, Any]] = [dict(m) for m in last.calibrations or []]
    if moves and not _keep_moves(row, scheme, completion, moves):
        moves = []
    now = utcnow()
    if change.rating is not None:
        bands = [k for k, _ in _targets(body)[0]]
        if change.rating not in bands:
            listed = ", ".join(bands) or "none"
            raise plans.invalid(
                f"{change.rating!r} is not a band of {last.scoring_ref} ({listed})", ("rating",)
            )
        if change.rating != row["rating"]:
            value, _ = rerate(
                scheme, change.rating, kpi=row["kpi_part"], review=row["review_part"],
                completion=completion, total=row["total"],
            )  # fmt: skip
            value = to_json(value)
            multiplier = (
                value if isinstance(value, int | float) and not isinstance(value, bool) else None
            )
            moves.append(
                {"from": row["rating"], "to": change.rating, "multiplierFrom": row["multiplier"],
                 "multiplierTo": multiplier, "reason": change.reason, "by": caller.user_id,
                 "byName": caller.display_name, "at": now.isoformat(),
                 "version": last.version + 1, "appeal": change.appeal_id}
            )  # fmt: skip
            row["rating"], row["multiplier"] = change.rating, multiplier
    new = Result(
        **{k: v for k, v in row.items() if k != "explanation"}, explanation={},
        version=last.version + 1, status=PUBLISHED, computed_at=now, revision=1,
        calibrations=moves, published_at=now, published_by_id=caller.user_id,
    )  # fmt: skip
    session.add(new)
    await session.flush()
    audit.record(
        session, caller, "result.adjust", "result", new.id,
        before=shown(last), after=shown(new), note=change.reason,
    )  # fmt: skip
    return new


__all__ = ["SHOWN", "Adjustment", "adjust", "latest_published", "shown"]
