"""Answers over GraphQL: drafts, validation per field (JSON pointers, the extraErrors shape
of a form renderer), one submission with its rating, HR's reopening with a reason, and
submit against reopen on the same form at once."""

from __future__ import annotations

import asyncio
import dataclasses

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from perfloop.store.core import AuditEvent
from support import GraphQLClient
from support.company import Company
from support.reviews import (
    DRAFT,
    ONE,
    REOPEN,
    SELF_ANSWERS,
    SUBMIT,
    create,
    find,
    open_quarter,
    submit,
)

ROUNDS = 4


async def _self_form(company: Company) -> tuple[str, str]:
    """A quarter with its self reviews; emp's self-review assignment."""
    cycle = await open_quarter(company)
    await create(company, cycle, "self-review")
    return cycle, (await find(company, cycle, "self", "emp"))["id"]


async def test_a_draft_is_saved_then_submitted_once_with_its_rating(company: Company) -> None:
    # given emp's self review
    _, form = await _self_form(company)
    # when emp saves a draft without the required achievements
    draft = (
        await company.ok(
            DRAFT, {"assignment": form, "answers": {"overall_rating": 3}}, as_user="emp"
        )
    )["saveReviewDraft"]
    # then it is kept as a draft, without a rating
    assert draft["errors"] == []
    assert draft["assignment"]["status"] == "draft"
    assert draft["assignment"]["answers"] == {"overall_rating": 3}
    assert draft["assignment"]["score"] is None
    revision = draft["assignment"]["revision"]
    # when emp submits with a stale revision, it is a conflict
    stale = (
        await company.ok(
            SUBMIT, {"assignment": form, "answers": SELF_ANSWERS, "revision": revision - 1},
            as_user="emp",
        )
    )["submitReview"]  # fmt: skip
    assert [(e["code"], e["path"]) for e in stale["errors"]] == [("CONFLICT", ["expectedRevision"])]
    # when emp submits the complete answers
    done = (
        await company.ok(
            SUBMIT, {"assignment": form, "answers": SELF_ANSWERS, "revision": revision},
            as_user="emp",
        )
    )["submitReview"]  # fmt: skip
    # then the form is submitted and rated by its score rule (4 of 1..5 = 75)
    assert done["errors"] == []
    assert done["assignment"]["status"] == "submitted"
    assert done["assignment"]["score"] == 75
    assert done["assignment"]["submittedAt"]
    # when emp submits again, or saves a draft over it, it is refused
    again = await submit(company, form, SELF_ANSWERS, as_user="emp")
    assert [(e["code"], e["detail"]) for e in again["errors"]] == [("CONFLICT", "review.submitted")]
    redraft = (await company.ok(DRAFT, {"assignment": form, "answers": {}}, as_user="emp"))[
        "saveReviewDraft"
    ]
    assert redraft["errors"][0]["code"] == "CONFLICT"


async def test_answers_are_checked_per_field(company: Company) -> None:
    # given emp's self review
    _, form = await _self_form(company)
    # when emp submits a rating out of the scale, no achievements and a field the form lacks
    answers = {"overall_rating": 9, "mood": "great"}
    refused = await submit(company, form, answers, as_user="emp")
    # then each problem names its field, as a path and as a JSON pointer
    assert {
        (e["code"], tuple(e["path"]), e["message"].split(":")[0]) for e in refused["errors"]
    } == {
        ("INVALID", ("answers", "overall_rating"), "/overall_rating"),
        ("INVALID", ("answers", "achievements"), "/achievements"),
        ("INVALID", ("answers", "mood"), "/mood"),
    }
    # and in the shape a form renderer shows next to each field
    assert set(refused["formErrors"]) == {"overall_rating", "achievements", "mood"}
    assert refused["formErrors"]["achievements"] == {"__errors": ["is required"]}
    assert refused["assignment"] is None
    # and nothing was saved
    kept = await company.ok(ONE, {"id": form}, as_user="emp")
    assert kept["reviewAssignment"]["status"] == "pending"
    assert kept["reviewAssignment"]["answers"] is None
    # when a draft has the bad rating, it is refused too (only required fields may be missing)
    draft = (await company.ok(DRAFT, {"assignment": form, "answers": answers}, as_user="emp"))[
        "saveReviewDraft"
    ]
    assert {tuple(e["path"]) for e in draft["errors"]} == {
        ("answers", "overall_rating"),
        ("answers", "mood"),
    }


async def test_only_the_rater_fills_in_a_form(company: Company) -> None:
    # given emp's self review
    _, form = await _self_form(company)
    # when emp's manager, or HR, submits it
    for user in ("lead", "hr"):
        refused = await submit(company, form, SELF_ANSWERS, as_user=user)
        # then it is not found for them
        assert [e["code"] for e in refused["errors"]] == ["NOT_FOUND"]


async def test_hr_reopens_a_submitted_form_with_a_reason(
    company: Company, session: AsyncSession
) -> None:
    # given emp's submitted self review
    _, form = await _self_form(company)
    await submit(company, form, SELF_ANSWERS, as_user="emp")
    # when the manager tries to reopen it, it is refused
    body = await company.raw(REOPEN, {"assignment": form, "reason": "typo"}, as_user="lead")
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # when HR gives no reason, it is refused naming the reason
    blank = (await company.ok(REOPEN, {"assignment": form, "reason": " "}, as_user="hr"))[
        "reopenReview"
    ]
    assert [(e["code"], e["path"]) for e in blank["errors"]] == [("INVALID", ["reason"])]
    # when HR reopens it with a reason
    reason = "the employee asked to correct the achievements"
    reopened = (await company.ok(REOPEN, {"assignment": form, "reason": reason}, as_user="hr"))[
        "reopenReview"
    ]
    # then it is a draft again with its answers and without its rating, audited with the reason
    assert reopened["errors"] == []
    assert reopened["assignment"]["status"] == "draft"
    assert reopened["assignment"]["answers"] == SELF_ANSWERS
    assert reopened["assignment"]["score"] is None
    notes = await session.execute(
        select(AuditEvent.note).where(
            AuditEvent.action == "review.reopen", AuditEvent.object_id == form
        )
    )
    assert notes.scalars().all() == [reason]
    # and reopening a draft is a conflict, while emp may submit again
    again = (await company.ok(REOPEN, {"assignment": form, "reason": reason}, as_user="hr"))[
        "reopenReview"
    ]
    assert again["errors"][0]["code"] == "CONFLICT"
    resubmitted = await submit(company, form, {**SELF_ANSWERS, "overall_rating": 5}, as_user="emp")
    assert resubmitted["assignment"]["score"] == 100


async def test_submit_and_reopen_at_once_never_merge(
    company: Company, worker2: GraphQLClient
) -> None:
    # given emp's self review, submitted once, and HR on a second worker
    _, form = await _self_form(company)
    await submit(company, form, SELF_ANSWERS, as_user="emp")
    hr_worker = dataclasses.replace(company, gql=worker2)
    for _ in range(ROUNDS):
        # when HR reopens it while emp submits it again, at the same time
        reopen_call = hr_worker.ok(REOPEN, {"assignment": form, "reason": "again"}, as_user="hr")
        submit_call = company.ok(
            SUBMIT, {"assignment": form, "answers": SELF_ANSWERS}, as_user="emp"
        )
        reopened, submitted = await asyncio.gather(reopen_call, submit_call)
        # then each either happened whole or was refused with a code, never an error
        outcomes = (reopened["reopenReview"], submitted["submitReview"])
        for payload in outcomes:
            assert all(e["code"] == "CONFLICT" for e in payload["errors"]), payload
        state = (await company.ok(ONE, {"id": form}, as_user="hr"))["reviewAssignment"]
        # the form ends submitted (reopen first, then submit) or reopened (submit refused)
        if outcomes[1]["errors"]:
            assert state["status"] == "draft"
            await submit(company, form, SELF_ANSWERS, as_user="emp")
        else:
            assert outcomes[0]["errors"] == []
            assert state["status"] == "submitted"
