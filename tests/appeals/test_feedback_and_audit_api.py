"""Feedback meetings recorded against a result (the person reads them, a colleague
does not), and the audit log read per object and per person by HR."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from support import nodes
from support.appeals import decide, decision, filed, published_cycle
from support.results import ERRORS

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from support.company import Company

RECORD = f"""
mutation($cycle: ID!, $employee: ID!, $heldOn: Date!, $notes: String!,
         $actions: [AgreedActionInput!]) {{
  recordFeedbackMeeting(cycle: $cycle, employee: $employee, heldOn: $heldOn, notes: $notes,
                        actions: $actions) {{
    meeting {{ id employeeId resultVersion heldOn notes recordedBy
               actions {{ title owner due }} }} {ERRORS}
  }}
}}"""
MEETINGS = """
query($cycle: ID!, $employee: ID) {
  feedbackMeetings(cycle: $cycle, employee: $employee) {
    totalCount edges { node { id employeeId notes actions { title owner due } } }
  }
}"""
AUDIT = """
query($type: String, $id: String, $person: ID, $action: String, $first: Int, $after: String) {
  auditLog(objectType: $type, objectId: $id, person: $person, action: $action,
           first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { action objectType objectId actorName before after note at } }
  }
}"""
ACTIONS = [
    {"title": "Pair with a senior on the order book", "owner": "lead", "due": "2026-11-30"},
    {"title": "Weekly check-in on item a", "owner": None, "due": None},
]


def _meeting(company: Company, cycle: str, who: str, **extra: Any) -> dict[str, Any]:
    return {"cycle": cycle, "employee": str(company.people[who]), "heldOn": "2026-10-20",
            "notes": "Went through the result item by item.", "actions": ACTIONS,
            **extra}  # fmt: skip


async def test_a_manager_records_a_feedback_meeting_the_person_reads_it(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    cycle = await published_cycle(company, engine, sessions)
    # when lead, emp's manager, records a one-to-one about emp's result
    done = (await company.ok(RECORD, _meeting(company, cycle, "emp"), as_user="lead"))[
        "recordFeedbackMeeting"
    ]
    # then it is stored against emp's published version with the agreed actions
    assert done["errors"] == [], done["errors"]
    meeting = done["meeting"]
    assert (meeting["resultVersion"], meeting["heldOn"]) == (1, "2026-10-20")
    assert meeting["actions"] == ACTIONS
    # and emp, lead and HR read it; other (a colleague) does not
    for who in ("emp", "lead", "head", "hr"):
        listed = await company.ok(MEETINGS, {"cycle": cycle}, as_user=who)
        assert [n["id"] for n in nodes(listed["feedbackMeetings"])] == [meeting["id"]], who
    other = await company.raw(MEETINGS, {"cycle": cycle}, as_user="other")
    assert nodes(other["data"]["feedbackMeetings"]) == []


async def test_a_meeting_needs_notes_a_titled_action_a_published_result_and_the_scope(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    cycle = await published_cycle(company, engine, sessions)

    async def errors(as_user: str, **variables: Any) -> list[tuple[str, tuple[str, ...]]]:
        who = variables.pop("who", "emp")
        body = await company.raw(
            RECORD, _meeting(company, cycle, who, **variables), as_user=as_user
        )
        if body.get("errors"):
            return [(e["extensions"]["code"], ()) for e in body["errors"]]
        return [
            (e["code"], tuple(e["path"])) for e in body["data"]["recordFeedbackMeeting"]["errors"]
        ]

    assert await errors("lead", notes="  ") == [("INVALID", ("notes",))]
    assert await errors("lead", actions=[{"title": " "}]) == [
        ("INVALID", ("actions", "0", "title"))
    ]
    assert await errors("lead", who="other") == [("NOT_FOUND", ("employee",))]
    assert await errors("hr", who="other") == [("NOT_FOUND", ("employee",))]  # no result
    # a person does not record meetings about themself (feedback.write is their managers')
    assert (await errors("emp"))[0][0] == "FORBIDDEN"
    listed = await company.ok(MEETINGS, {"cycle": cycle}, as_user="hr")
    assert listed["feedbackMeetings"]["totalCount"] == 0


async def test_hr_reads_the_audit_trail_per_object_and_per_person(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given emp's appeal, decided by head
    cycle = await published_cycle(company, engine, sessions)
    appeal = await filed(company, cycle, "emp")
    decided = await decide(
        company, decision(appeal["id"], "ADJUSTED", "band moved", rating="fair"), as_user="head"
    )
    assert decided["errors"] == []
    # when HR reads the appeal's events
    events = nodes(
        (await company.ok(AUDIT, {"type": "appeal", "id": appeal["id"]}, as_user="hr"))["auditLog"]
    )
    # then newest first: decided (by head, before/after, the reason), filed (by emp)
    assert [e["action"] for e in events] == ["appeal.decide", "appeal.file"]
    decide_event, file_event = events
    assert decide_event["note"] == "band moved"
    assert decide_event["before"]["result"]["rating"] == "great"
    assert decide_event["after"]["result"]["rating"] == "fair"
    assert decide_event["actorName"] != file_event["actorName"]
    # and what head did, page by page
    first = (
        await company.ok(AUDIT, {"person": str(company.people["head"]), "first": 1}, as_user="hr")
    )["auditLog"]
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["totalCount"] == 2  # result.adjust and appeal.decide
    rest = (
        await company.ok(
            AUDIT,
            {"person": str(company.people["head"]), "first": 1,
             "after": first["pageInfo"]["endCursor"]},
            as_user="hr",
        )
    )["auditLog"]  # fmt: skip
    actions = [e["action"] for e in nodes(first) + nodes(rest)]
    assert actions == ["appeal.decide", "result.adjust"]


async def test_only_hr_reads_the_audit_log_and_a_bad_cursor_is_a_clear_error(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    for who in ("lead", "head", "emp", "exec"):
        body = await company.raw(AUDIT, {}, as_user=who)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", who
    body = await company.raw(AUDIT, {"after": "not-a-cursor"}, as_user="hr")
    assert body["errors"][0]["extensions"]["code"] == "INVALID"
