"""Plans over GraphQL: items from a KPI library, weights, signing and locking,
bulk assignment with overrides, actuals, check-ins and reading back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from perfloop.services.plans import unsigned_plan_count
from perfloop.store.core import AuditEvent
from support import GraphQLClient
from support.plans import NewCycle, employee_id

CARD = """
  id status revision employeeId totalWeight completion behindCount
  items { id key title libraryRef unit direction sourceType target weight actual actualSource
          completion score expectedProgress behind tasks { id title status dueOn } }
"""
SET_ITEMS = f"""
mutation($cycle: ID!, $employee: ID!, $items: [ScorecardItemInput!]!, $reason: String) {{
  setScorecardItems(cycle: $cycle, employee: $employee, items: $items, reason: $reason) {{
    scorecard {{ {CARD} }}
    errors {{ code message path detail }}
  }}
}}"""
SIGN = """
mutation($id: ID!, $as: SignerRole!, $revision: Int!) {
  signScorecard(scorecard: $id, signer: $as, expectedRevision: $revision) {
    scorecard { status } errors { code message path }
  }
}"""
READ = f"""
query($employee: ID!, $cycle: ID!) {{ scorecard(employee: $employee, cycle: $cycle) {{ {CARD} }} }}
"""
ASSIGN = """
mutation($cycle: ID!, $unit: ID, $position: String, $items: [ScorecardItemInput!]!,
         $overrides: [TargetOverrideInput!]) {
  assignScorecardItems(cycle: $cycle, orgUnit: $unit, position: $position, items: $items,
                       overrides: $overrides) {
    scorecards { employeeId items { key target } }
    reopened
    errors { code message path }
  }
}"""
ENTER = """
mutation($item: ID!, $value: Float, $override: Boolean! = false) {
  enterActual(item: $item, value: $value, note: "from the CRM export", override: $override) {
    actual { value source enteredById } errors { code message path detail }
  }
}"""
CHECK_IN = """
mutation($card: ID!, $item: ID) {
  checkIn(scorecard: $card, item: $item, confidence: 0.7, progress: 0.4, note: "pipeline is thin") {
    checkin { id confidence note } errors { code }
  }
}"""
BAD_CHECK_IN = """
mutation($card: ID!, $note: String! = "ok", $progress: Float = 0.5, $confidence: Float! = 0.5) {
  checkIn(scorecard: $card, confidence: $confidence, progress: $progress, note: $note) {
    checkin { id } errors { code path }
  }
}"""
CHECKINS = """
query($card: ID!) { checkins(scorecard: $card) { edges { node { note confidence progress } } } }"""

ITEMS: list[dict[str, Any]] = [
    {"library": "sales-kpis@1", "indicator": "revenue", "target": 1_000_000, "weight": 40,
     "tasks": [{"title": "Visit the top 20 accounts", "dueOn": "2030-01-31"}]},
    {"library": "sales-kpis@1", "indicator": "new_customers", "target": 12, "weight": 30},
    {"library": "sales-kpis@1", "indicator": "renewal_rate", "weight": 20},
    {"key": "crm_hygiene", "title": "CRM hygiene", "target": 95, "unit": "percent", "weight": 10},
]  # fmt: skip


async def _plan(gql: GraphQLClient, cycle: int, employee: int, **extra: Any) -> dict[str, Any]:
    data = await gql.ok(
        SET_ITEMS,
        {"cycle": str(cycle), "employee": str(employee), "items": ITEMS, **extra},
        as_user="sales-north.lead",
    )
    payload: dict[str, Any] = data["setScorecardItems"]
    return payload


async def test_items_come_from_the_kpi_library(
    gql: GraphQLClient, session: AsyncSession, new_cycle: NewCycle
) -> None:
    # given an open cycle and a sales representative
    cycle, emp = await new_cycle(), await employee_id(session, "employee")
    # when the manager sets the plan
    payload = await _plan(gql, cycle, emp)
    # then the library's indicator details are copied in, with defaults
    assert payload["errors"] == []
    card = payload["scorecard"]
    assert card["status"] == "draft"
    assert card["totalWeight"] == 100
    revenue, new, renewal, crm = card["items"]
    assert revenue["unit"] == "CNY"
    assert revenue["sourceType"] == "dataset"
    assert revenue["tasks"][0]["title"] == "Visit the top 20 accounts"
    assert new["key"] == "new_customers"
    assert new["direction"] == "higher"
    assert renewal["target"] == 85  # the library's default target
    assert crm["sourceType"] == "manual"


async def test_weight_errors_name_the_items(
    gql: GraphQLClient, session: AsyncSession, new_cycle: NewCycle
) -> None:
    cycle, emp = await new_cycle(), await employee_id(session, "employee")
    items = [dict(ITEMS[0], weight=60), dict(ITEMS[1], weight=30)]
    data = await gql.ok(
        SET_ITEMS, {"cycle": str(cycle), "employee": str(emp), "items": items},
        as_user="sales-north.lead",
    )  # fmt: skip
    errors = data["setScorecardItems"]["errors"]
    assert data["setScorecardItems"]["scorecard"] is None
    by_detail = {e["detail"]: e for e in errors}
    # the sum is 90, and revenue's 60 is above the 40 maximum
    assert "revenue 60" in by_detail["weights.sum"]["message"]
    assert "new_customers 30" in by_detail["weights.sum"]["message"]
    assert by_detail["weights.bounds"]["path"] == ["items", "revenue"]


async def test_sign_lock_and_reopen_with_audit(
    gql: GraphQLClient, session: AsyncSession, new_cycle: NewCycle
) -> None:
    cycle, emp = await new_cycle(), await employee_id(session, "employee")
    card = (await _plan(gql, cycle, emp))["scorecard"]
    assert card["revision"] == 1
    seen = {"id": card["id"], "revision": card["revision"]}
    # the employee cannot sign as manager, the manager cannot sign as employee
    refused = await gql.ok(SIGN, {**seen, "as": "MANAGER"}, as_user="employee")
    assert refused["signScorecard"]["errors"][0]["code"] == "FORBIDDEN"
    refused = await gql.ok(SIGN, {**seen, "as": "EMPLOYEE"}, as_user="sales-north.lead")
    assert refused["signScorecard"]["errors"][0]["code"] == "FORBIDDEN"
    # both sign, at the revision they read
    first = await gql.ok(SIGN, {**seen, "as": "EMPLOYEE"}, as_user="employee")
    assert first["signScorecard"]["scorecard"]["status"] == "signing"
    assert await unsigned_plan_count(session, cycle) == 1
    both = await gql.ok(SIGN, {**seen, "as": "MANAGER"}, as_user="sales-north.lead")
    assert both["signScorecard"]["scorecard"]["status"] == "signed"
    assert await unsigned_plan_count(session, cycle) == 0
    # a signed plan is locked: no change without a reason
    locked = await _plan(gql, cycle, emp)
    assert locked["errors"][0]["code"] == "CONFLICT"
    # a change with a reason re-opens signing and is audited
    changed = await _plan(gql, cycle, emp, reason="territory split")
    assert changed["scorecard"]["status"] == "draft"
    assert changed["scorecard"]["revision"] == 2
    assert await unsigned_plan_count(session, cycle) == 1
    event = (
        await session.execute(
            select(AuditEvent).where(
                AuditEvent.action == "scorecard.reopen", AuditEvent.object_id == card["id"]
            )
        )
    ).scalar_one()
    assert event.note == "territory split"
    assert event.before is not None
    assert event.before["status"] == "signed"


async def test_bulk_assignment_with_overrides(
    gql: GraphQLClient, session: AsyncSession, new_cycle: NewCycle
) -> None:
    # given the North Sales team's representatives, one of them a newcomer
    cycle = await new_cycle()
    lead = await employee_id(session, "sales-north.lead")
    newcomer = await employee_id(session, "employee")
    unit = (await gql.ok("{ me { employee { orgUnit { id } } } }", as_user="sales-north.lead"))[
        "me"
    ]["employee"]["orgUnit"]["id"]
    # when the manager assigns the same items to every Sales Representative of the unit
    data = await gql.ok(
        ASSIGN,
        {
            "cycle": str(cycle),
            "unit": unit,
            "position": "Sales Representative",
            "items": ITEMS,
            "overrides": [{"employeeId": str(newcomer), "key": "revenue", "target": 600_000}],
        },
        as_user="sales-north.lead",
    )
    result = data["assignScorecardItems"]
    assert result["errors"] == []
    # then every representative has a plan, the lead (another position) has none
    cards = {c["employeeId"]: c for c in result["scorecards"]}
    assert len(cards) == 4
    assert str(lead) not in cards
    targets = {eid: c["items"][0]["target"] for eid, c in cards.items()}
    assert targets.pop(str(newcomer)) == 600_000
    assert set(targets.values()) == {1_000_000}
    # an override for someone not assigned is refused, nothing written
    bad = await gql.ok(
        ASSIGN,
        {"cycle": str(cycle), "unit": unit, "items": ITEMS,
         "overrides": [{"employeeId": "999999", "key": "revenue", "target": 1}]},
        as_user="sales-north.lead",
    )  # fmt: skip
    assert bad["assignScorecardItems"]["errors"][0]["path"] == ["overrides", "0", "employee"]


async def test_manual_actual_progress_and_checkins(
    gql: GraphQLClient, session: AsyncSession, new_cycle: NewCycle
) -> None:
    # given a plan in a cycle half over (45 days in, 45 to go)
    cycle, emp = await new_cycle(), await employee_id(session, "employee")
    card = (await _plan(gql, cycle, emp))["scorecard"]
    revenue, _, renewal, crm = card["items"]
    # revenue comes from the CRM dataset: typed in, it would be overwritten by a refresh
    typed = await gql.ok(ENTER, {"item": revenue["id"], "value": 9e9}, as_user="employee")
    assert typed["enterActual"]["errors"][0]["detail"] == "computed-source"
    own = await gql.ok(
        ENTER, {"item": revenue["id"], "value": 9e9, "override": True}, as_user="employee"
    )
    assert own["enterActual"]["errors"][0]["code"] == "FORBIDDEN"
    # when the manager overrides it (with a reason) and actuals are entered by hand
    entered = await gql.ok(
        ENTER, {"item": revenue["id"], "value": 200_000, "override": True},
        as_user="sales-north.lead",
    )  # fmt: skip
    assert entered["enterActual"]["actual"]["source"] == "override"
    assert entered["enterActual"]["actual"]["enteredById"] is not None
    await gql.ok(ENTER, {"item": renewal["id"], "value": 90}, as_user="sales-north.lead")
    own = await gql.ok(ENTER, {"item": crm["id"], "value": 96}, as_user="employee")
    assert own["enterActual"]["errors"] == []
    # then reading the plan back gives completion, expected progress and the behind flag
    data = await gql.ok(READ, {"employee": str(emp), "cycle": str(cycle)}, as_user="employee")
    items = {i["key"]: i for i in data["scorecard"]["items"]}
    assert items["revenue"]["completion"] == 0.2
    assert 0.45 < items["revenue"]["expectedProgress"] < 0.55
    assert items["revenue"]["behind"] is True  # 20% done, about half the quarter gone
    assert items["renewal_rate"]["behind"] is False  # a rate above target
    assert items["new_customers"]["actual"] is None
    assert items["new_customers"]["behind"]
    assert data["scorecard"]["behindCount"] == 2
    # check-ins record progress, a note and a confidence
    done = await gql.ok(CHECK_IN, {"card": card["id"], "item": revenue["id"]}, as_user="employee")
    assert done["checkIn"]["checkin"]["confidence"] == 0.7
    notes = await gql.ok(CHECKINS, {"card": card["id"]}, as_user="sales-north.lead")
    assert notes["checkins"]["edges"][0]["node"]["note"] == "pipeline is thin"
    # a check-in without a note, or with a progress or confidence off the 0-1 scale, is
    # refused at its field
    for values, path in (
        ({"note": "  "}, ["note"]),
        ({"progress": 1.5}, ["progress"]),
        ({"confidence": -0.1}, ["confidence"]),
    ):
        bad = await gql.ok(BAD_CHECK_IN, {"card": card["id"], **values}, as_user="employee")
        assert [(e["code"], e["path"]) for e in bad["checkIn"]["errors"]] == [("INVALID", path)]
    bad = await gql.ok(
        BAD_CHECK_IN, {"card": card["id"], "note": "", "progress": -1, "confidence": 2},
        as_user="employee",
    )  # fmt: skip
    assert [e["path"] for e in bad["checkIn"]["errors"]] == [["progress"], ["confidence"], ["note"]]
    again = await gql.ok(CHECKINS, {"card": card["id"]}, as_user="employee")
    assert len(again["checkins"]["edges"]) == 1
    # the audit log keeps who overrode the actual, and why
    events = (
        await session.execute(
            select(AuditEvent.action, AuditEvent.note).where(
                AuditEvent.object_id == str(revenue["id"])
            )
        )
    ).all()
    assert ("actual.override", "from the CRM export") in {(a, n) for a, n in events}
