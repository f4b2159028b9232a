"""Opening cycles for a period, advancing through stages with guards and overrides, deadlines."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:
    from support.company import Company
from perfloop.services import cycles as cycle_service
from perfloop.store.core import AuditEvent
from perfloop.store.identity import PolicyRule, Tenant
from perfloop.store.plans import Scorecard
from support import GraphQLClient, nodes

INSTALL = """
mutation { installApp(app: "standard-performance@1") { installedApp { id } errors { message } } }
"""
OPEN = """
mutation($app: ID!, $cycle: String!, $period: String!) {
  openCycle(app: $app, cycle: $cycle, period: $period) {
    cycle {
      id template period periodKind isSummary startsOn endsOn stage status
      stages { key phase status dueOn title { en } }
      parent { period } children { period }
      app { app }
    }
    errors { code message path }
  }
}"""
ADVANCE = """
mutation($id: ID!, $override: GuardOverrideInput) {
  advanceCycle(id: $id, override: $override) {
    cycle { stage status currentStage { key status } }
    blockedBy { key check reasons message { en zhCN } }
    overridden { key reasons }
    errors { code message path detail }
  }
}"""
CYCLE = """
query($id: ID!) {
  cycle(id: $id) {
    stage status closedAt
    stages { key status }
    transitions { fromStage toStage overrideReason overridden { key reasons } by { email } }
    parent { period } children { period status }
  }
}"""
CYCLES = "query { cycles { edges { node { id period stage stages { key } } } } }"
OVERDUE = """
query($asOf: Date) {
  overdueStages(asOf: $asOf) { cycle { id period } stage { key dueOn status } daysOverdue }
}"""


@pytest.fixture
def hooks() -> Iterator[dict[str, int]]:
    """Counts the guard hooks report, per hook name; restored afterwards."""
    counts: dict[str, int] = {}
    names = ("missing_forms", "missing_actuals", "uncalibrated_units", "open_appeals")

    def counter(name: str) -> Any:
        async def count(session: AsyncSession, cycle: object, *stage: object) -> int:
            return counts.get(name, 0)

        return count

    for name in names:
        cycle_service.set_hook(name, counter(name))
    yield counts
    for name in names:
        cycle_service.set_hook(name, None)


async def _app(company: Company) -> str:
    data = await company.ok(INSTALL, as_user="hr")
    return str(data["installApp"]["installedApp"]["id"])


async def _open(company: Company, app: str, cycle: str, period: str) -> dict[str, Any]:
    data = await company.ok(OPEN, {"app": app, "cycle": cycle, "period": period}, as_user="hr")
    payload: dict[str, Any] = data["openCycle"]
    return payload


async def _advance(
    company: Company, cycle_id: str, reason: str | None = None, as_user: str = "hr"
) -> dict[str, Any]:
    variables: dict[str, Any] = {"id": cycle_id}
    if reason is not None:
        variables["override"] = {"reason": reason}
    data = await company.ok(ADVANCE, variables, as_user=as_user)
    payload: dict[str, Any] = data["advanceCycle"]
    return payload


async def test_open_a_quarter_computes_dates_stages_and_deadlines(company: Company) -> None:
    app = await _app(company)
    opened = await _open(company, app, "quarterly-review", "2026-Q4")
    assert opened["errors"] == []
    cycle = opened["cycle"]
    assert (cycle["template"], cycle["periodKind"], cycle["isSummary"]) == (
        "quarterly-review@1", "quarter", False,
    )  # fmt: skip
    assert (cycle["startsOn"], cycle["endsOn"]) == ("2026-10-01", "2026-12-31")
    assert (cycle["stage"], cycle["status"]) == ("planning", "open")
    stages = cycle["stages"]
    assert [s["key"] for s in stages] == [
        "planning", "sign-off", "execution", "self-review", "review-360", "calibration",
        "results", "appeal", "improvement", "closed",
    ]  # fmt: skip
    due = {s["key"]: s["dueOn"] for s in stages}
    assert due["planning"] == "2026-10-11"  # period start + 10
    assert due["execution"] == "2026-12-31"  # period end + 0
    assert due["appeal"] == "2027-01-31"  # period end + 31
    assert due["closed"] is None
    assert [s["status"] for s in stages[:2]] == ["active", "pending"]
    assert cycle["app"] == {"app": "standard-performance@1"}
    # a month and a bad period
    month = await _open(company, app, "monthly-review@1", "2026-02")
    assert (month["cycle"]["startsOn"], month["cycle"]["endsOn"]) == ("2026-02-01", "2026-02-28")
    for cycle_name, period, code in (
        ("quarterly-review", "2026-Q5", "INVALID"),
        ("monthly-review", "2026-Q4", "INVALID"),  # a month template has no quarterly cycles
        ("monthly-review", "2026", "INVALID"),  # nor an annual summary
        ("quarterly-review", "2026-Q4", "CONFLICT"),  # open already
        ("nope", "2026-Q1", "NOT_FOUND"),
        ("quarterly-review@2", "2026-Q1", "NOT_FOUND"),  # not the version the app bundles
    ):
        bad = await _open(company, app, cycle_name, period)
        assert bad["cycle"] is None
        assert bad["errors"][0]["code"] == code, (cycle_name, period, bad["errors"])


async def test_advance_runs_the_stages_in_order_with_guards(
    company: Company, session: AsyncSession, hooks: dict[str, int]
) -> None:
    # given an open quarterly cycle and one unsigned plan
    app = await _app(company)
    cycle_id = (await _open(company, app, "quarterly-review", "2026-Q3"))["cycle"]["id"]
    session.add(
        Scorecard(tenant_id=await _tenant_id(session, company), cycle_id=int(cycle_id),
                  employee_id=company.people["emp"], scoring_ref="standard-scoring@1")
    )  # fmt: skip
    await session.commit()
    # when HR advances through planning and sign-off
    for expected in ("sign-off", "execution"):
        moved = await _advance(company, cycle_id)
        assert moved["errors"] == []
        assert moved["cycle"]["stage"] == expected
    # then evaluation cannot start while the plan is unsigned
    blocked = await _advance(company, cycle_id)
    assert blocked["cycle"] is None
    assert blocked["errors"][0]["code"] == "CONFLICT"
    assert blocked["blockedBy"] == [
        {
            "key": "plans-signed",
            "check": "plans-signed",
            "reasons": ["1 plan(s) not signed by both sides"],
            "message": {
                "en": "Evaluation cannot start while plans are unsigned by employee or manager.",
                "zhCN": "仍有绩效计划未经员工和上级双方签署，不能开始考核。",
            },
        }
    ]
    # and an override needs a reason
    empty = await _advance(company, cycle_id, reason="  ")
    assert empty["errors"][0]["path"] == ["override", "reason"]
    # when HR overrides with a reason, the stage starts and the override is on record
    overridden = await _advance(company, cycle_id, reason="季度末系统故障，计划已线下签署")
    assert overridden["errors"] == []
    assert overridden["cycle"]["currentStage"] == {"key": "self-review", "status": "active"}
    assert overridden["overridden"] == [
        {"key": "plans-signed", "reasons": ["1 plan(s) not signed by both sides"]}
    ]
    # guards that hold need no override; a guard without an override block stops everyone
    assert (await _advance(company, cycle_id))["cycle"]["stage"] == "review-360"
    assert (await _advance(company, cycle_id))["cycle"]["stage"] == "calibration"
    hooks["uncalibrated_units"] = 2
    stuck = await _advance(company, cycle_id, reason="please")
    assert stuck["errors"][0]["code"] == "FORBIDDEN"
    assert "cannot be overridden" in stuck["errors"][0]["message"]
    assert stuck["blockedBy"][0]["reasons"] == ["2 unit(s) not calibrated"]
    hooks["uncalibrated_units"] = 0
    for expected in ("results", "appeal", "improvement", "closed"):
        assert (await _advance(company, cycle_id))["cycle"]["stage"] == expected
    # then the cycle is closed, every stage done, and the log tells the story
    data = (await company.ok(CYCLE, {"id": cycle_id}, as_user="emp"))["cycle"]
    assert data["status"] == "closed"
    assert data["closedAt"] is not None
    assert {s["status"] for s in data["stages"]} == {"done"}
    log = data["transitions"]
    assert [(t["fromStage"], t["toStage"]) for t in log[:2]] == [
        (None, "planning"),
        ("planning", "sign-off"),
    ]
    overrides = [t for t in log if t["overrideReason"]]
    assert len(overrides) == 1
    assert overrides[0]["toStage"] == "self-review"
    assert overrides[0]["by"] is None  # HR's account is outside the employee's org.read
    as_hr = (await company.ok(CYCLE, {"id": cycle_id}, as_user="hr"))["cycle"]["transitions"]
    assert [t["by"] for t in as_hr if t["overrideReason"]] == [{"email": company.email("hr")}]
    assert overrides[0]["overridden"][0]["key"] == "plans-signed"
    last = await _advance(company, cycle_id)
    assert last["errors"][0]["message"] == "the cycle is closed"
    # and the audit log has the override with its reason
    events = await session.execute(
        select(AuditEvent.action, AuditEvent.note)
        .where(AuditEvent.object_type == "cycle", AuditEvent.object_id == cycle_id)
        .order_by(AuditEvent.id)
    )
    rows = events.all()
    assert rows[0] == ("cycle.open", None)
    assert ("cycle.guard-override", "季度末系统故障，计划已线下签署") in rows
    assert sum(1 for a, _ in rows if a == "cycle.advance") == 9


async def _tenant_id(session: AsyncSession, company: Company) -> int:
    found = await session.execute(select(Tenant.id).where(Tenant.slug == company.slug))
    return int(found.scalar_one())


async def test_only_override_holders_may_override(
    company: Company, session: AsyncSession, hooks: dict[str, int]
) -> None:
    # given a cycle at execution, with self reviews missing for the next stage after
    app = await _app(company)
    cycle_id = (await _open(company, app, "monthly-review", "2026-05"))["cycle"]["id"]
    await _advance(company, cycle_id)
    await _advance(company, cycle_id)
    # and managers in this tenant allowed to manage (but not override) cycles
    tenant_id = await _tenant_id(session, company)
    session.add(PolicyRule(tenant_id=tenant_id, ptype="p", v0="manager", v1=company.slug,
                           v2="cycle", v3="manage", v4="tenant"))  # fmt: skip
    await session.execute(
        update(Tenant)
        .where(Tenant.id == tenant_id)
        .values(policy_version=Tenant.policy_version + 1)
    )
    await session.commit()
    # when a manager moves execution -> self-review (no guard fails): allowed
    moved = await _advance(company, cycle_id, as_user="lead")
    assert moved["cycle"]["stage"] == "self-review"
    # when self reviews are missing, the manager cannot override, even with a reason
    hooks["missing_forms"] = 3
    refused = await _advance(company, cycle_id, reason="trust me", as_user="lead")
    assert refused["cycle"] is None
    assert refused["errors"][0]["code"] == "FORBIDDEN"
    assert refused["blockedBy"][0]["reasons"] == [
        "3 required form(s) of stage self-review not submitted"
    ]
    # and an employee may not even try
    body = await company.raw(ADVANCE, {"id": cycle_id, "override": {"reason": "x"}}, as_user="emp")
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # and stages reserved to HR (advancedBy) refuse the manager
    hooks["missing_forms"] = 0
    assert (await _advance(company, cycle_id))["cycle"]["stage"] == "manager-review"
    hr_only = await _advance(company, cycle_id, as_user="lead")
    assert hr_only["errors"][0]["code"] == "FORBIDDEN"
    # while HR may override the next guard with a reason
    hooks["missing_actuals"] = 1
    done = await _advance(company, cycle_id, reason="actuals arrive late this month")
    assert done["cycle"]["stage"] == "results"
    assert done["overridden"] == [
        {"key": "actuals-complete", "reasons": ["1 item(s) without an actual"]}
    ]


async def test_overdue_stages(company: Company) -> None:
    # given a January monthly cycle still in planning
    app = await _app(company)
    cycle_id = (await _open(company, app, "monthly-review", "2026-01"))["cycle"]["id"]
    # when we ask on 6 January: planning (due the 4th) is overdue, sign-off (the 6th) not yet
    early = (await company.ok(OVERDUE, {"asOf": "2026-01-06"}, as_user="emp"))["overdueStages"]
    assert [(o["stage"]["key"], o["daysOverdue"]) for o in early] == [("planning", 2)]
    assert early[0]["cycle"] == {"id": cycle_id, "period": "2026-01"}
    # when we ask on 10 February, every stage due by then is overdue
    late = (await company.ok(OVERDUE, {"asOf": "2026-02-10"}, as_user="hr"))["overdueStages"]
    assert [o["stage"]["key"] for o in late] == [
        "planning", "sign-off", "execution", "self-review", "manager-review", "results",
    ]  # fmt: skip
    # when planning is done, it is no longer overdue
    await _advance(company, cycle_id)
    after = (await company.ok(OVERDUE, {"asOf": "2026-02-10"}, as_user="hr"))["overdueStages"]
    assert after[0]["stage"]["key"] == "sign-off"
    assert len(after) == 5
    # and without asOf, today is used (January 2026 is long past for these tests' dates)
    today = (await company.ok(OVERDUE, as_user="hr"))["overdueStages"]
    assert {o["cycle"]["id"] for o in today} <= {cycle_id}


async def test_annual_summary_links_its_quarters(company: Company) -> None:
    # given Q1 and Q2 of a year
    app = await _app(company)
    q1 = (await _open(company, app, "quarterly-review", "2027-Q1"))["cycle"]
    await _open(company, app, "quarterly-review", "2027-Q2")
    assert q1["parent"] is None
    # when the year is opened, it is a summary of its quarters
    year = (await _open(company, app, "quarterly-review@1", "2027"))["cycle"]
    assert (year["isSummary"], year["periodKind"], year["stage"]) == (True, "year", "periods")
    assert (year["startsOn"], year["endsOn"]) == ("2027-01-01", "2027-12-31")
    assert [c["period"] for c in year["children"]] == ["2027-Q1", "2027-Q2"]
    assert [s["key"] for s in year["stages"]] == [
        "periods", "self-review", "review-360", "calibration", "results", "appeal",
        "improvement", "closed",
    ]  # fmt: skip
    # and a quarter opened later joins it
    q3 = (await _open(company, app, "quarterly-review", "2027-Q3"))["cycle"]
    assert q3["parent"] == {"period": "2027"}
    # when the year advances before its quarters are closed, it is blocked
    blocked = await _advance(company, year["id"])
    assert blocked["blockedBy"][0]["key"] == "periods-closed"
    assert blocked["blockedBy"][0]["reasons"] == [
        "2027-Q1 is not closed", "2027-Q2 is not closed", "2027-Q3 is not closed",
        "2027-Q4 has not been opened",
    ]  # fmt: skip
    # and HR may still override with a reason
    moved = await _advance(company, year["id"], reason="年度校准提前")
    assert moved["cycle"]["stage"] == "self-review"
    data = (await company.ok(CYCLE, {"id": year["id"]}, as_user="hr"))["cycle"]
    assert [c["period"] for c in data["children"]] == ["2027-Q1", "2027-Q2", "2027-Q3"]


async def test_cycles_are_private_to_their_tenant(company: Company, gql: GraphQLClient) -> None:
    app = await _app(company)
    cycle_id = (await _open(company, app, "quarterly-review", "2025-Q1"))["cycle"]["id"]
    assert (await gql.ok(CYCLE, {"id": cycle_id}, as_user="hr")) == {"cycle": None}
    demo = await gql.ok(CYCLES, as_user="hr")
    assert cycle_id not in {c["id"] for c in nodes(demo["cycles"])}
    moved = await gql.ok(ADVANCE, {"id": cycle_id}, as_user="hr")
    assert moved["advanceCycle"]["errors"][0]["code"] == "NOT_FOUND"
    foreign = await gql.ok(OPEN, {"app": app, "cycle": "quarterly-review", "period": "2025-Q2"},
                           as_user="hr")  # fmt: skip
    assert foreign["openCycle"]["errors"][0]["code"] == "NOT_FOUND"
    overdue = await gql.ok(OVERDUE, {"asOf": "2030-01-01"}, as_user="hr")
    assert cycle_id not in {o["cycle"]["id"] for o in overdue["overdueStages"]}
    # and in its own tenant everyone reads it, but only HR opens cycles
    assert nodes((await company.ok(CYCLES, as_user="emp"))["cycles"])[0]["id"] == cycle_id
    body = await company.raw(OPEN, {"app": app, "cycle": "quarterly-review", "period": "2025-Q3"},
                             as_user="head")  # fmt: skip
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
