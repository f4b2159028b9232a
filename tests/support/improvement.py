"""Helpers for improvement tests: quarters of the standard app version 2 (which holds
the improvement and candidate-list rules), scored and published, and the improvement
operations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from support import nodes
from support.results import plan, publish, run, sign

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from support.company import Company

ERRORS = "errors { code message path detail }"
INSTALL = """
mutation { installApp(app: "standard-performance@2") { installedApp { id } errors { message } } }
"""
OPEN = """
mutation($app: ID!, $period: String!) {
  openCycle(app: $app, cycle: "quarterly-review", period: $period) {
    cycle { id } errors { message }
  }
}"""
APPLY = f"""
mutation($cycle: ID!) {{
  applyResults(cycle: $cycle) {{ results opened closed listed {ERRORS} }}
}}"""
PLAN_FIELDS = """
  id cycleId employeeId employeeName ownerId resultVersion form status
  reason { zhCN en } gaps carry answers complete topics startsOn endsOn carriedCycleId
  outcome outcomeNote outcomeByRule closedById closedAt revision
  checkins { id note progress authorId }
"""
PLANS = f"""
query($cycle: ID!, $status: ImprovementStatus) {{
  improvementPlans(cycle: $cycle, status: $status, first: 100) {{
    totalCount edges {{ node {{ {PLAN_FIELDS} }} }}
  }}
}}"""
PLAN = f"query($id: ID!) {{ improvementPlan(id: $id) {{ {PLAN_FIELDS} }} }}"
UPDATE = f"""
mutation($plan: ID!, $rev: Int!, $answers: JSONObject, $topics: [String!],
         $startsOn: Date, $endsOn: Date) {{
  updateImprovementPlan(plan: $plan, expectedRevision: $rev, answers: $answers,
                        topics: $topics, startsOn: $startsOn, endsOn: $endsOn) {{
    plan {{ {PLAN_FIELDS} }} {ERRORS}
  }}
}}"""
CHECKIN = f"""
mutation($plan: ID!, $note: String!, $progress: Float) {{
  addImprovementCheckin(plan: $plan, note: $note, progress: $progress) {{
    checkin {{ id note progress }} {ERRORS}
  }}
}}"""
CLOSE = f"""
mutation($plan: ID!, $outcome: ImprovementOutcome!, $note: String!, $rev: Int!) {{
  closeImprovementPlan(plan: $plan, outcome: $outcome, note: $note, expectedRevision: $rev) {{
    plan {{ {PLAN_FIELDS} }} {ERRORS}
  }}
}}"""
CANDIDATES = """
query($cycle: ID!, $list: String, $status: CandidateStatus) {
  candidates(cycle: $cycle, list: $list, status: $status, first: 100) {
    totalCount edges { node {
      id list employeeId employeeName resultVersion reason { zhCN en } topics status note
      decidedById decidedAt
    } }
  }
}"""
LISTS = """
query($cycle: ID!) {
  candidateLists(cycle: $cycle) { key title { zhCN en } training proposed confirmed removed }
}"""
TRAINING = """
query($cycle: ID!) { trainingNeeds(cycle: $cycle) { topic people fromLists fromPlans } }
"""
DECIDE = f"""
mutation($candidate: ID!, $decision: CandidateDecision!, $note: String!) {{
  decideCandidate(candidate: $candidate, decision: $decision, note: $note) {{
    candidate {{ id status note decidedById }} {ERRORS}
  }}
}}"""
ASSIGN = f"""
mutation($cycle: ID!, $unit: ID, $items: [ScorecardItemInput!]!, $reason: String) {{
  assignScorecardItems(cycle: $cycle, orgUnit: $unit, items: $items, reason: $reason) {{
    scorecards {{ employeeId items {{ key title target weight }} }} {ERRORS}
  }}
}}"""

ITEMS = [
    {"key": "a", "title": "Revenue", "target": 100, "weight": 40},
    {"key": "b", "title": "Quality", "target": 100, "weight": 30},
    {"key": "c", "title": "Growth", "target": 100, "weight": 30},
]
#: emp: a at exactly 60 % (total 84, band B: no plan); lead: a at 59 % (its score 0,
#: total 60, band C: a plan); other: every item at target (100, band S: promotion, reward)
ACTUALS = {
    "emp": {"a": 60, "b": 100, "c": 100},
    "lead": {"a": 59, "b": 100, "c": 100},
    "other": {"a": 100, "b": 100, "c": 100},
}


async def install(company: Company) -> str:
    data = await company.ok(INSTALL, as_user="hr")
    assert data["installApp"]["errors"] == [], data
    return str(data["installApp"]["installedApp"]["id"])


async def open_cycle(company: Company, app: str, period: str) -> str:
    opened = await company.ok(OPEN, {"app": app, "period": period}, as_user="hr")
    assert opened["openCycle"]["errors"] == [], opened
    return str(opened["openCycle"]["cycle"]["id"])


async def published_quarter(
    company: Company,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    app: str,
    period: str = "2026-Q2",
    actuals: dict[str, dict[str, float]] | None = None,
) -> str:
    """A quarter of ``app`` with signed plans (ITEMS) and ``actuals``, scored and published."""
    cycle = await open_cycle(company, app, period)
    plans = [
        await plan(company, cycle, who, ITEMS, values)
        for who, values in (actuals or ACTUALS).items()
    ]
    await sign(sessions, *plans)
    job = await run(company, engine, cycle)
    assert job["status"] == "SUCCEEDED", job
    await publish(company, cycle)
    return cycle


async def apply(company: Company, cycle: str, as_user: str = "hr") -> Any:
    return (await company.ok(APPLY, {"cycle": cycle}, as_user=as_user))["applyResults"]


async def improvement_plans(company: Company, cycle: str, as_user: str = "hr") -> list[Any]:
    data = await company.ok(PLANS, {"cycle": cycle}, as_user=as_user)
    return nodes(data["improvementPlans"])


async def candidates(
    company: Company, cycle: str, as_user: str = "hr", **filters: Any
) -> list[Any]:
    data = await company.ok(CANDIDATES, {"cycle": cycle, **filters}, as_user=as_user)
    return nodes(data["candidates"])
