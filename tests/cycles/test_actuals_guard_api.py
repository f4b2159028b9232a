"""The "actuals complete" guard counts the cycle's plan items without an actual for the
cycle's period: calibration cannot start while one is missing, unless HR overrides."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from perfloop.store.core import AuditEvent

if TYPE_CHECKING:
    from support.company import Company

INSTALL = """
mutation { installApp(app: "standard-performance@1") { installedApp { id } errors { message } } }
"""
OPEN = """
mutation($app: ID!, $period: String!) {
  openCycle(app: $app, cycle: "quarterly-review", period: $period) {
    cycle { id } errors { message }
  }
}"""
ADVANCE = """
mutation($id: ID!, $override: GuardOverrideInput) {
  advanceCycle(id: $id, override: $override) {
    cycle { stage }
    blockedBy { key check reasons }
    overridden { key reasons }
    errors { code path detail }
  }
}"""
SET_ITEMS = """
mutation($cycle: ID!, $employee: ID!, $items: [ScorecardItemInput!]!) {
  setScorecardItems(cycle: $cycle, employee: $employee, items: $items) {
    scorecard { id revision items { id key } } errors { message }
  }
}"""
SIGN = """
mutation($id: ID!, $as: SignerRole!, $revision: Int!) {
  signScorecard(scorecard: $id, signer: $as, expectedRevision: $revision) {
    scorecard { status } errors { message }
  }
}"""
ENTER = """
mutation($item: ID!, $value: Float, $start: Date, $end: Date) {
  enterActual(item: $item, value: $value, periodStart: $start, periodEnd: $end) {
    errors { message }
  }
}"""
ITEMS = [
    {"key": "visits", "title": "Customer visits", "target": 40, "weight": 40},
    {"key": "quotes", "title": "Quotes sent", "target": 30, "weight": 30},
    {"key": "demos", "title": "Product demos", "target": 10, "weight": 30},
]


async def _open(company: Company, app: str, period: str) -> str:
    data = await company.ok(OPEN, {"app": app, "period": period}, as_user="hr")
    assert data["openCycle"]["errors"] == []
    return str(data["openCycle"]["cycle"]["id"])


async def _signed_plan(company: Company, cycle: str) -> dict[str, str]:
    """emp's plan, signed by emp and lead; item ids by key."""
    data = await company.ok(
        SET_ITEMS,
        {"cycle": cycle, "employee": str(company.people["emp"]), "items": ITEMS},
        as_user="lead",
    )
    card = data["setScorecardItems"]["scorecard"]
    seen = {"id": card["id"], "revision": card["revision"]}
    await company.ok(SIGN, {**seen, "as": "EMPLOYEE"}, as_user="emp")
    signed = await company.ok(SIGN, {**seen, "as": "MANAGER"}, as_user="lead")
    assert signed["signScorecard"]["scorecard"]["status"] == "signed"
    return {i["key"]: i["id"] for i in card["items"]}


async def _advance(company: Company, cycle: str, reason: str | None = None) -> dict[str, Any]:
    variables: dict[str, Any] = {"id": cycle}
    if reason is not None:
        variables["override"] = {"reason": reason}
    payload: dict[str, Any] = (await company.ok(ADVANCE, variables, as_user="hr"))["advanceCycle"]
    return payload


async def _to_review_360(company: Company, cycle: str) -> None:
    for expected in ("sign-off", "execution", "self-review", "review-360"):
        moved = await _advance(company, cycle)
        assert moved["errors"] == [], moved
        assert moved["cycle"]["stage"] == expected


async def _enter(company: Company, item: str, value: float | None, **period: str) -> None:
    data = await company.ok(ENTER, {"item": item, "value": value, **period}, as_user="lead")
    assert data["enterActual"]["errors"] == []


async def test_calibration_waits_for_every_actual(company: Company) -> None:
    # given a signed plan of three items in a quarter that reached the 360° review
    app = (await company.ok(INSTALL, as_user="hr"))["installApp"]["installedApp"]["id"]
    cycle = await _open(company, app, "2026-Q2")
    items = await _signed_plan(company, cycle)
    # and another quarter's plan with no actual at all, which must not count here
    other = await _open(company, app, "2026-Q3")
    await _signed_plan(company, other)
    await _to_review_360(company, cycle)
    # and actuals so far: one for the quarter, one for a single month, one left empty
    await _enter(company, items["visits"], 38)
    await _enter(company, items["quotes"], 12, start="2026-04-01", end="2026-04-30")
    await _enter(company, items["demos"], None)
    # when HR moves on to calibration
    blocked = await _advance(company, cycle)
    # then the two items without a value for the quarter block it
    assert blocked["cycle"] is None
    assert {(e["code"], e["detail"]) for e in blocked["errors"]} == {("CONFLICT", "guard-failed")}
    assert ["guards", "actuals-complete"] in [e["path"] for e in blocked["errors"]]
    assert blocked["blockedBy"] == [
        {
            "key": "actuals-complete",
            "check": "actuals-complete",
            "reasons": ["2 item(s) without an actual"],
        }
    ]
    # when one more arrives, one is still missing
    await _enter(company, items["quotes"], 27)
    again = await _advance(company, cycle)
    assert again["blockedBy"][0]["reasons"] == ["1 item(s) without an actual"]
    # when the last one arrives, calibration starts
    await _enter(company, items["demos"], 9)
    moved = await _advance(company, cycle)
    assert moved["errors"] == []
    assert moved["cycle"]["stage"] == "calibration"


async def test_hr_overrides_missing_actuals_with_a_reason(
    company: Company, session: AsyncSession
) -> None:
    # given a quarter at the 360° review whose plan has no actual yet
    app = (await company.ok(INSTALL, as_user="hr"))["installApp"]["installedApp"]["id"]
    cycle = await _open(company, app, "2026-Q4")
    await _signed_plan(company, cycle)
    await _to_review_360(company, cycle)
    # when HR overrides without a reason, it is refused
    refused = await _advance(company, cycle, reason=" ")
    assert refused["cycle"] is None
    # when HR overrides with a reason
    moved = await _advance(company, cycle, reason="CRM export arrives after calibration")
    # then calibration starts and the override names what was missing
    assert moved["cycle"]["stage"] == "calibration"
    assert moved["overridden"] == [
        {"key": "actuals-complete", "reasons": ["3 item(s) without an actual"]}
    ]
    notes = await session.execute(
        select(AuditEvent.note).where(
            AuditEvent.action == "cycle.guard-override", AuditEvent.object_id == cycle
        )
    )
    assert notes.scalars().all() == ["CRM export arrives after calibration"]
