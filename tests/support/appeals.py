"""Helpers for appeal tests: a cycle scored by a template of the test's own, its
results published and the cycle at its appeal stage; the appeal operations."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from perfloop.store.cycles import Cycle
from perfloop.store.plans import Scorecard, ScorecardItem
from support.results import ERRORS, plan, publish, run, sign
from support.scoring import cycle_with_scoring

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from support.company import Company

APPEAL_FIELDS = """
  id cycleId employeeId employeeName resultVersion form answers status reviewerRule
  reviewerId reviewerName filedAt decision reason decidedBy decidedAt before after
  newVersion revision trail { event by at note before after }
"""
FILE = f"""
mutation($cycle: ID!, $answers: JSONObject!) {{
  fileAppeal(cycle: $cycle, answers: $answers) {{
    appeal {{ {APPEAL_FIELDS} }} formErrors {ERRORS}
  }}
}}"""
DECIDE = f"""
mutation($appeal: ID!, $decision: AppealDecision!, $reason: String!, $revision: Int!,
         $actuals: [ActualAdjustmentInput!], $rating: String) {{
  decideAppeal(appeal: $appeal, decision: $decision, reason: $reason,
               expectedRevision: $revision, actuals: $actuals, rating: $rating) {{
    appeal {{ {APPEAL_FIELDS} }} {ERRORS}
  }}
}}"""
APPEAL = f"query($id: ID!) {{ appeal(id: $id) {{ {APPEAL_FIELDS} }} }}"
APPEALS = f"""
query($cycle: ID, $mine: Boolean) {{
  appeals(cycle: $cycle, assignedToMe: $mine, first: 50) {{
    totalCount edges {{ node {{ {APPEAL_FIELDS} }} }}
  }}
}}"""

ANSWERS = {
    "category": "data-error",
    "description": "Item a's actual was entered wrong: the order book says 80.",
    "requested_change": "Set item a's actual to 80.",
    "evidence_links": ["https://intranet.example/orders/2026-Q3"],
}
TWO = [
    {"key": "a", "title": "A", "target": 100, "weight": 50},
    {"key": "b", "title": "B", "target": 200, "weight": 50},
]
GREAT = {"a": 100, "b": 200}  # the worst item at 100 %: 100 + 5 = 105 → great, pays 3

_keys = itertools.count()


def _text(en: str) -> dict[str, str]:
    return {"zh-CN": en, "en": en}


def own_scoring(key: str) -> dict[str, Any]:
    """Unlike the standard template: the worst item counts (its completion squared), + 5,
    three bands paying 0, 1 or 3."""
    return {
        "kind": "scoring",
        "key": key,
        "version": 1,
        "title": _text("Worst item counts"),
        "parameters": {
            "schema": {"type": "object", "properties": {"pay": {"type": "object"}}},
            "defaults": {"pay": {"weak": 0, "fair": 1, "great": 3}},
        },
        "item": {
            "completion": "COMPLETION(actual, target, direction)",
            "score": "completion * completion * 100",
        },
        "kpi": "MIN(items, score)",
        "sections": [{"key": "kpi", "title": _text("KPIs"), "weight": 100, "score": "kpi"}],
        "total": "MAX(sections, score) + 5",
        "rating": {
            "formula": 'BAND(total, [40, 80], ["weak", "fair", "great"])',
            "bands": [
                {"key": "great", "title": _text("Great")},
                {"key": "fair", "title": _text("Fair")},
                {"key": "weak", "title": _text("Weak")},
            ],
        },
        "incentive": {"multiplier": "FIELD(params.pay, rating)"},
    }


async def at_stage(sessions: async_sessionmaker[AsyncSession], cycle: str, stage: str) -> None:
    """The cycle moved to ``stage`` (advancing itself is tested with the cycles)."""
    async with sessions() as session:
        await session.execute(update(Cycle).where(Cycle.id == int(cycle)).values(stage_key=stage))
        await session.commit()


async def published_cycle(
    company: Company,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    *,
    stage: str | None = "appeal",
) -> str:
    """emp, lead and head scored great by ``own_scoring`` and published; the cycle at
    ``stage``."""
    cycle = await cycle_with_scoring(company, own_scoring(f"appeal-scoring-{next(_keys)}"))
    plans = [await plan(company, cycle, who, TWO, GREAT) for who in ("emp", "lead", "head")]
    await sign(sessions, *plans)
    await run(company, engine, cycle)
    assert await publish(company, cycle) == 3
    if stage is not None:
        await at_stage(sessions, cycle, stage)
    return cycle


async def file(
    company: Company, cycle: str, who: str, answers: dict[str, Any] | None = None
) -> Any:
    variables = {"cycle": cycle, "answers": ANSWERS if answers is None else answers}
    return (await company.ok(FILE, variables, as_user=who))["fileAppeal"]


async def filed(company: Company, cycle: str, who: str) -> dict[str, Any]:
    payload = await file(company, cycle, who)
    assert payload["errors"] == [], payload["errors"]
    appeal: dict[str, Any] = payload["appeal"]
    return appeal


def decision(
    appeal: str, decision: str, reason: str, revision: int = 1, **change: Any
) -> dict[str, Any]:
    return {"appeal": appeal, "decision": decision, "reason": reason, "revision": revision,
            **change}  # fmt: skip


async def decide(company: Company, variables: dict[str, Any], as_user: str) -> Any:
    return (await company.ok(DECIDE, variables, as_user=as_user))["decideAppeal"]


async def read(company: Company, appeal: str, as_user: str) -> Any:
    return (await company.ok(APPEAL, {"id": appeal}, as_user=as_user))["appeal"]


CARD = """
query($e: ID!, $c: ID!) {
  scorecard(employee: $e, cycle: $c) { items { id key sourceType actual actualSource } }
}"""
REFRESH = """
mutation($cycle: ID!) { refreshActuals(cycle: $cycle) { updated overridden
  failed { key message } errors { code message } } }"""


async def card(company: Company, cycle: str, who: str) -> dict[str, dict[str, Any]]:
    """``who``'s plan items by key, as HR reads them."""
    data = await company.ok(CARD, {"e": str(company.people[who]), "c": cycle}, as_user="hr")
    return {i["key"]: i for i in data["scorecard"]["items"]}


async def computed(
    sessions: async_sessionmaker[AsyncSession], company: Company, who: str, key: str, formula: str
) -> None:
    """``who``'s item ``key`` computes its actual by ``formula`` (a refresh writes it)."""
    plans = select(Scorecard.id).where(Scorecard.employee_id == company.people[who])
    async with sessions() as session:
        await session.execute(
            update(ScorecardItem)
            .where(ScorecardItem.scorecard_id.in_(plans), ScorecardItem.key == key)
            .values(source={"type": "formula", "formula": formula})
        )
        await session.commit()
