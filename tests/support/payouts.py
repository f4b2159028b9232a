"""A cycle scored by a scoring template with payout tiers (≥ 1.2 extra, ≥ 0.8 and < 1.2
standard, < 0.8 reduced, by completion), its results published, and the payout
operations."""

from __future__ import annotations

import copy
import itertools
from typing import TYPE_CHECKING, Any

from perfloop.templates import load_builtin_templates
from support.results import plan, publish, run, sign
from support.scoring import cycle_with_scoring

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from support.company import Company

ERRORS = "errors { code message path }"
SET_BASE = f"""
mutation($kind: PayoutBaseKind!, $key: String!, $amount: String) {{
  setPayoutBaseAmount(kind: $kind, key: $key, amount: $amount) {{
    baseAmount {{ kind key amount }} {ERRORS}
  }}
}}"""
SET_BUDGET = f"""
mutation($cycle: ID!, $unit: ID!, $amount: String) {{
  setPayoutBudget(cycle: $cycle, orgUnit: $unit, amount: $amount) {{ budget {ERRORS} }}
}}"""
LIST_FIELDS = """
  version status stale amount people unpaid
  units { orgUnitId code name amount people unpaid budget over remaining }
  overBudget { code }
  versions { version status }
  lines(first: 100) { totalCount edges { node {
    employeeNo employeeName orgUnitName resultVersion rating basis basisValue tier
    tierTitle { zhCN en } base baseSource multiplier amount flags } } }
"""
GENERATE = f"""
mutation($cycle: ID!) {{
  generatePayoutList(cycle: $cycle) {{ payoutList {{ {LIST_FIELDS} }} warnings {ERRORS} }}
}}"""
APPROVE = f"""
mutation($cycle: ID!, $version: Int!) {{
  approvePayoutList(cycle: $cycle, version: $version) {{ payoutList {{ version status }} {ERRORS} }}
}}"""
READ = f"""
query($cycle: ID!, $version: Int) {{
  payoutList(cycle: $cycle, version: $version) {{ {LIST_FIELDS} }}
}}"""
ITEM = [
    {
        "key": "sales",
        "title": "销售额",
        "titles": {"zhCN": "销售额", "en": "Sales"},
        "target": 100,
        "weight": 100,
    }
]
_keys = itertools.count()


def tiered_scoring() -> dict[str, Any]:
    """The standard scoring with completion tiers and no weight rules (one item)."""
    builtin = load_builtin_templates().get("standard-scoring", 1)
    assert builtin is not None
    doc = copy.deepcopy(dict(builtin.document))
    doc["key"] = f"tiered-scoring-{next(_keys)}"
    doc.pop("weights", None)
    doc["incentive"]["tiers"] = {
        "basis": "completion",
        "bands": [
            {"key": "extra", "title": {"zh-CN": "超额", "en": "Extra"}, "when": {">=": 1.2},
             "multiplier": 1.5},
            {"key": "standard", "title": {"zh-CN": "达标", "en": "Standard"},
             "when": {">=": 0.8, "<": 1.2}, "multiplier": 1},
            {"key": "reduced", "title": {"zh-CN": "减发", "en": "Reduced"}, "when": {"<": 0.8},
             "multiplier": 0.5},
        ],
    }  # fmt: skip
    doc["incentive"]["rounding"] = {"places": 2, "mode": "half-up"}
    return doc


async def published_cycle(
    company: Company,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    actuals: dict[str, float],
    *,
    scoring: dict[str, Any] | None = None,
) -> str:
    """A cycle scored by ``scoring`` (tiered by default) whose results are published:
    each person in ``actuals`` has one item (target 100) with that actual."""
    cycle = await cycle_with_scoring(company, scoring or tiered_scoring())
    plans = [await plan(company, cycle, who, ITEM, {"sales": v}) for who, v in actuals.items()]
    await sign(sessions, *plans)
    job = await run(company, engine, cycle)
    assert job["result"]["scored"] == len(actuals), job
    assert await publish(company, cycle) == len(actuals)
    return cycle


async def set_base(company: Company, kind: str, key: str, amount: str | None) -> Any:
    data = await company.ok(SET_BASE, {"kind": kind, "key": key, "amount": amount}, as_user="hr")
    return data["setPayoutBaseAmount"]


async def set_budget(company: Company, cycle: str, unit: str, amount: str | None) -> Any:
    variables = {"cycle": cycle, "unit": str(company.units[unit]), "amount": amount}
    return (await company.ok(SET_BUDGET, variables, as_user="hr"))["setPayoutBudget"]


async def generate(company: Company, cycle: str, as_user: str = "hr") -> Any:
    return (await company.ok(GENERATE, {"cycle": cycle}, as_user=as_user))["generatePayoutList"]


async def read(
    company: Company, cycle: str, as_user: str = "hr", version: int | None = None
) -> Any:
    data = await company.ok(READ, {"cycle": cycle, "version": version}, as_user=as_user)
    return data["payoutList"]


def lines(payout_list: Any) -> dict[str, Any]:
    """The list's lines by employee name."""
    return {e["node"]["employeeName"]: e["node"] for e in payout_list["lines"]["edges"]}
