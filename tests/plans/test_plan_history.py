"""Nothing is lost silently: a plan's items replaced by key keep their history, removed
ones leave it in the audit trail; a computed actual is overridden only explicitly and
refreshes respect it; one failing source does not stop a refresh; signing edge cases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from perfloop.store.core import AuditEvent
from perfloop.store.plans import Actual, ScorecardItem
from support import nodes
from support.actuals import ingest as _ingest
from support.actuals import last_quarter as _last_quarter
from support.actuals import library_item as _library
from support.actuals import open_cycle as _cycle
from support.actuals import order as _order
from support.company import Company

SET_ITEMS = """
mutation($cycle: ID!, $employee: ID!, $items: [ScorecardItemInput!]!, $reason: String) {
  setScorecardItems(cycle: $cycle, employee: $employee, items: $items, reason: $reason) {
    scorecard { id revision status items { id key target tasks { id title status } } }
    removedItems errors { code message path detail }
  }
}"""
SIGN = """
mutation($id: ID!, $as: SignerRole!, $revision: Int!) {
  signScorecard(scorecard: $id, signer: $as, expectedRevision: $revision) {
    scorecard { status } errors { code message path detail }
  }
}"""
ENTER = """
mutation($item: ID!, $value: Float, $override: Boolean! = false, $note: String) {
  enterActual(item: $item, value: $value, override: $override, note: $note) {
    actual { value source error } errors { code message path detail }
  }
}"""
CHECK_IN = """
mutation($card: ID!, $item: ID) {
  checkIn(scorecard: $card, item: $item, confidence: 0.5, note: "on it") { errors { code } }
}"""
TASK = """
mutation($task: ID!) { updateActionTask(task: $task, status: "doing") { errors { code } } }"""
CHECKINS = """
query($card: ID!) { checkins(scorecard: $card, first: 50) { edges { node { note } } } }"""
REFRESH = """
mutation($cycle: ID!) {
  refreshActuals(cycle: $cycle) {
    updated overridden failed { key message } errors { code message }
  }
}"""
READ = """
query($employee: ID!, $cycle: ID!) {
  scorecard(employee: $employee, cycle: $cycle) { items { key actual actualSource } }
}"""

FAILED_READ = """
query($employee: ID!, $cycle: ID!) {
  scorecard(employee: $employee, cycle: $cycle) { items { key actual actualError } }
}"""

ITEMS: list[dict[str, Any]] = [
    {"key": "visits", "title": "Customer visits", "target": 40, "weight": 40,
     "tasks": [{"title": "Plan the route"}]},
    {"key": "quotes", "title": "Quotes sent", "target": 30, "weight": 30},
    {"key": "demos", "title": "Product demos", "target": 10, "weight": 30},
]  # fmt: skip


async def _set(company: Company, cycle: str, items: list[dict[str, Any]], **extra: Any) -> Any:
    variables = {"cycle": cycle, "employee": str(company.people["emp"]), "items": items, **extra}
    return (await company.ok(SET_ITEMS, variables, as_user="lead"))["setScorecardItems"]


async def test_items_sent_again_keep_their_history(company: Company, session: AsyncSession) -> None:
    period, _, _ = _last_quarter()
    cycle = await _cycle(company, period)
    card = (await _set(company, cycle, ITEMS))["scorecard"]
    ids = {i["key"]: i["id"] for i in card["items"]}
    task = card["items"][0]["tasks"][0]["id"]
    # given an actual, a check-in and a task in progress on the plan's items
    entered = await company.ok(ENTER, {"item": ids["visits"], "value": 12}, as_user="lead")
    assert entered["enterActual"]["errors"] == []
    await company.ok(ENTER, {"item": ids["demos"], "value": 3}, as_user="lead")
    await company.ok(CHECK_IN, {"card": card["id"], "item": ids["visits"]}, as_user="emp")
    await company.ok(CHECK_IN, {"card": card["id"], "item": ids["demos"]}, as_user="emp")
    assert (await company.ok(TASK, {"task": task}, as_user="emp"))["updateActionTask"][
        "errors"
    ] == []
    # when the same items are sent again with a new target, and demos replaced by calls
    changed = [dict(ITEMS[0], target=45), ITEMS[1], {"key": "calls", "title": "Calls",
                                                     "target": 100, "weight": 30}]  # fmt: skip
    result = await _set(company, cycle, changed)
    # then kept items are the same rows, with their actual, check-in and task status
    assert result["errors"] == []
    assert result["removedItems"] == ["demos"]
    after = {i["key"]: i for i in result["scorecard"]["items"]}
    assert after["visits"]["id"] == ids["visits"]
    assert after["visits"]["target"] == 45
    assert after["visits"]["tasks"] == [{"id": task, "title": "Plan the route", "status": "doing"}]
    value = await session.execute(select(Actual.value).where(Actual.item_id == int(ids["visits"])))
    assert value.scalar_one() == 12
    notes = await company.ok(CHECKINS, {"card": card["id"]}, as_user="emp")
    assert len(nodes(notes["checkins"])) == 1  # the one on the kept item; demos' went with it
    # and what the removed item carried is in the audit trail
    removed = (
        await session.execute(
            select(AuditEvent.before).where(
                AuditEvent.action == "scorecard.item.remove", AuditEvent.object_id == card["id"]
            )
        )
    ).scalar_one()
    assert removed is not None
    assert removed["key"] == "demos"
    assert [a["value"] for a in removed["actuals"]] == [3]
    assert [c["note"] for c in removed["checkins"]] == ["on it"]


async def test_signing_edge_cases(
    company: Company, sessions: async_sessionmaker[AsyncSession]
) -> None:
    period, _, _ = _last_quarter()
    cycle = await _cycle(company, period)
    # an empty plan cannot be signed (the weight rules refuse setting no items, so its
    # items are taken away in the database, as a scheme without a sum rule would allow)
    empty = (await _set(company, cycle, ITEMS))["scorecard"]
    async with sessions() as session:
        await session.execute(
            delete(ScorecardItem).where(ScorecardItem.scorecard_id == int(empty["id"]))
        )
        await session.commit()
    seen = {"id": empty["id"], "revision": empty["revision"]}
    refused = await company.ok(SIGN, {**seen, "as": "EMPLOYEE"}, as_user="emp")
    assert [(e["code"], e["path"]) for e in refused["signScorecard"]["errors"]] == [
        ("INVALID", ["scorecard"])
    ]
    # an unknown signing role is not a GraphQL enum value: refused before anything runs
    body = await company.raw(SIGN, {**seen, "as": "CEO"}, as_user="emp")
    assert "errors" in body
    assert body.get("data") is None
    # a signed plan is not unlocked by a reason made of spaces
    card = (await _set(company, cycle, ITEMS))["scorecard"]
    seen = {"id": card["id"], "revision": card["revision"]}
    for who, role in (("emp", "EMPLOYEE"), ("lead", "MANAGER")):
        signed = await company.ok(SIGN, {**seen, "as": role}, as_user=who)
        assert signed["signScorecard"]["errors"] == []
    assert signed["signScorecard"]["scorecard"]["status"] == "signed"
    blank = await _set(company, cycle, ITEMS, reason="   \t")
    assert [(e["code"], e["path"]) for e in blank["errors"]] == [("CONFLICT", ["reason"])]
    # and the employee cannot sign their plan a second time at an old revision after a change
    changed = await _set(company, cycle, ITEMS, reason="new territory")
    assert changed["scorecard"]["status"] == "draft"
    stale = await company.ok(SIGN, {**seen, "as": "EMPLOYEE"}, as_user="emp")
    assert [(e["code"], e["path"]) for e in stale["signScorecard"]["errors"]] == [
        ("CONFLICT", ["expectedRevision"])
    ]


async def test_an_override_is_explicit_and_refreshes_leave_it(
    company: Company, session: AsyncSession
) -> None:
    period, start, _ = _last_quarter()
    cycle = await _cycle(company, period)
    items = [_library("revenue", 100, 40), _library("paid_orders", 1, 30),
             _library("renewal_rate", 85, 30)]  # fmt: skip
    data = await company.ok(SET_ITEMS, {"cycle": cycle, "employee": str(company.people["emp"]),
                                        "items": items}, as_user="hr")  # fmt: skip
    ids = {i["key"]: i["id"] for i in data["setScorecardItems"]["scorecard"]["items"]}
    await _ingest(company, "sales-orders", [_order(company.email("emp"), start, 10)])
    # the employee cannot type their own revenue, not even as an "override"
    typed = await company.ok(ENTER, {"item": ids["revenue"], "value": 1e6}, as_user="emp")
    assert typed["enterActual"]["errors"][0]["detail"] == "computed-source"
    forced = await company.ok(
        ENTER, {"item": ids["revenue"], "value": 1e6, "override": True, "note": "trust me"},
        as_user="emp",
    )  # fmt: skip
    assert forced["enterActual"]["errors"][0]["code"] == "FORBIDDEN"
    # the manager overrides it only with a reason
    silent = await company.ok(
        ENTER, {"item": ids["revenue"], "value": 50, "override": True}, as_user="lead"
    )
    assert [e["path"] for e in silent["enterActual"]["errors"]] == [["note"]]
    done = await company.ok(
        ENTER, {"item": ids["revenue"], "value": 50, "override": True,
                "note": "orders booked in the old CRM"}, as_user="lead",
    )  # fmt: skip
    assert done["enterActual"]["actual"]["source"] == "override"
    # a refresh computes the other items and leaves the override as it is
    refreshed = (await company.ok(REFRESH, {"cycle": cycle}, as_user="hr"))["refreshActuals"]
    assert (refreshed["updated"], refreshed["overridden"], refreshed["failed"]) == (1, 1, [])
    read = await company.ok(READ, {"employee": str(company.people["emp"]), "cycle": cycle},
                            as_user="emp")  # fmt: skip
    got = {i["key"]: (i["actual"], i["actualSource"]) for i in read["scorecard"]["items"]}
    assert got["revenue"] == (50, "override")
    assert got["paid_orders"] == (1, "dataset")
    # an override is for computed items only
    manual = await company.ok(
        ENTER, {"item": ids["renewal_rate"], "value": 80, "override": True, "note": "x"},
        as_user="lead",
    )  # fmt: skip
    assert [e["path"] for e in manual["enterActual"]["errors"]] == [["override"]]


async def test_one_failing_source_does_not_stop_the_refresh(
    company: Company, sessions: async_sessionmaker[AsyncSession]
) -> None:
    period, start, _ = _last_quarter()
    cycle = await _cycle(company, period)
    items = [_library("revenue", 100, 30), _library("paid_orders", 1, 20),
             _library("average_deal_size", 10, 20), _library("renewal_rate", 85, 30)]  # fmt: skip
    data = await company.ok(SET_ITEMS, {"cycle": cycle, "employee": str(company.people["emp"]),
                                        "items": items}, as_user="hr")  # fmt: skip
    ids = {i["key"]: int(i["id"]) for i in data["setScorecardItems"]["scorecard"]["items"]}
    await _ingest(company, "sales-orders", [_order(company.email("emp"), start, 10)])
    # given a plan whose revenue now reads a dataset that is gone, and whose average deal
    # size a formula that does not compile (as copied from libraries since changed)
    broken = {
        "revenue": {"type": "dataset", "dataset": "gone-orders@1", "op": "sum"},
        "average_deal_size": {"type": "formula", "formula": "revenue / (paid_orders"},
    }
    async with sessions() as session:
        for key, source in broken.items():
            await session.execute(
                update(ScorecardItem).where(ScorecardItem.id == ids[key]).values(source=source)
            )
        await session.commit()
    # when HR refreshes, those two fail, each with its reason, and paid orders refresh
    refreshed = (await company.ok(REFRESH, {"cycle": cycle}, as_user="hr"))["refreshActuals"]
    assert refreshed["errors"] == []
    failed = {f["key"]: f["message"] for f in refreshed["failed"]}
    assert set(failed) == {"revenue", "average_deal_size"}
    assert "gone-orders@1" in failed["revenue"]
    assert "does not compile" in failed["average_deal_size"]
    assert refreshed["updated"] == 3
    async with sessions() as session:
        rows = {
            r.item_id: r
            for r in (
                await session.execute(select(Actual).where(Actual.item_id.in_(ids.values())))
            ).scalars()
        }
    assert rows[ids["paid_orders"]].value == 1
    assert rows[ids["paid_orders"]].error is None
    assert rows[ids["revenue"]].value is None
    assert rows[ids["revenue"]].error == failed["revenue"]
    # and the plan read back says why revenue has no actual
    read = await company.ok(FAILED_READ, {"employee": str(company.people["emp"]),
                                          "cycle": cycle}, as_user="emp")  # fmt: skip
    errors = {i["key"]: i["actualError"] for i in read["scorecard"]["items"]}
    assert errors["revenue"] == failed["revenue"]
    assert errors["paid_orders"] is None
