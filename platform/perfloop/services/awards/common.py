"""What the awards and the annual summary read off a stored result, by its template."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from perfloop.engine import SchemeError, ScoringScheme, to_json
from perfloop.services import plans

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.store.results import Result


@lru_cache(maxsize=64)
def _scheme(body_json: str, parameters_json: str) -> ScoringScheme | None:
    try:
        return ScoringScheme(json.loads(body_json), json.loads(parameters_json))
    except SchemeError:  # a template or parameters that no longer fit: no scheme
        return None


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def scheme_of(body: Any, result: Result) -> ScoringScheme | None:
    """The scheme a result was scored with: its template body and stored parameters
    (compiled once per distinct pair); None when it cannot be built."""
    parameters = (result.templates or {}).get("parameters") or {}
    return _scheme(_canonical(body), _canonical(parameters))


async def scheme_for(session: AsyncSession, tenant_id: int, result: Result) -> ScoringScheme | None:
    ref = result.scoring_ref
    body = (await plans.template_bodies(session, tenant_id, [ref], "scoring")).get(ref)
    return scheme_of(body, result) if body is not None else None


def number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def completion_of(scheme: ScoringScheme, result: Result) -> float | None:
    """The scorecard's completion by the template's ``/completion`` formula over the
    result's stored items (the column is not stored)."""
    formula = scheme.formulas.get("/completion")
    if formula is None:
        return None
    items = list((result.inputs or {}).get("items") or [])
    return number(to_json(formula.evaluate({"items": items})))
