"""External raters over GraphQL: invited by HR or the subject's manager, they reach only
their own form through a link that needs no account, expires and is spent by its one
submission."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from perfloop.store.reviews import ReviewAssignment
from support import GraphQLClient
from support.company import Company
from support.reviews import EXTERNAL_FORM, EXTERNAL_SUBMIT, INVITE, assignments, open_quarter

CUSTOMER = {"satisfaction_stars": 4, "responsiveness": 5, "would_recommend": True}


async def _invite(company: Company, cycle: str, as_user: str = "lead", **args: object) -> dict:
    variables = {
        "cycle": cycle, "subject": company.people["emp"], "name": "王女士",
        "email": "Wang@Customer.example", **args,
    }  # fmt: skip
    return (await company.ok(INVITE, variables, as_user=as_user))["inviteExternalReviewer"]  # type: ignore[no-any-return]


async def test_an_external_rater_submits_their_form_once_without_an_account(
    company: Company, gql: GraphQLClient
) -> None:
    # given a customer invited by emp's manager
    cycle = await open_quarter(company)
    invited = await _invite(company, cycle)
    assert invited["errors"] == []
    token = invited["token"]
    assert invited["assignment"]["relation"] == "customer"
    assert invited["assignment"]["external"] is True
    assert invited["assignment"]["raterName"] == "王女士"
    # when the customer opens the link, without a token of ours
    opened = await gql.ok(EXTERNAL_FORM, {"token": token})
    # then they see their one form and whom it is about
    form = opened["externalReviewForm"]
    assert form["subjectName"] == "Emp"
    assert form["form"] == "customer-feedback@1"
    assert form["template"]["answers"]["required"] == ["satisfaction_stars"]
    # when they submit answers that do not fit, they learn which field
    bad = (await gql.ok(EXTERNAL_SUBMIT, {"token": token, "answers": {"responsiveness": 0}}))[
        "submitExternalReview"
    ]
    assert not bad["submitted"]
    assert set(bad["formErrors"]) == {"satisfaction_stars", "responsiveness"}
    # when they submit their answers
    done = (await gql.ok(EXTERNAL_SUBMIT, {"token": token, "answers": CUSTOMER}))[
        "submitExternalReview"
    ]
    # then the form is submitted and rated
    assert done == {"submitted": True, "formErrors": None, "errors": []}
    [row] = [a for a in await assignments(company, cycle) if a["relation"] == "customer"]
    assert (row["status"], row["score"]) == ("submitted", 75)
    # and the link is spent: a second submission and a second look are refused
    again = (await gql.ok(EXTERNAL_SUBMIT, {"token": token, "answers": CUSTOMER}))[
        "submitExternalReview"
    ]
    assert [(e["code"], e["path"]) for e in again["errors"]] == [("NOT_FOUND", ["token"])]
    looked = await gql.raw(EXTERNAL_FORM, {"token": token})
    assert looked["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_a_link_expires_and_a_new_invitation_replaces_it(
    company: Company, gql: GraphQLClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given a customer invited for a day
    cycle = await open_quarter(company)
    first = await _invite(company, cycle, ttl=1)
    expires = dt.datetime.fromisoformat(first["expiresAt"])
    assert dt.timedelta(hours=23) < expires - dt.datetime.now(dt.UTC) <= dt.timedelta(days=1)
    # when the day has passed
    async with sessions() as session:
        await session.execute(
            update(ReviewAssignment)
            .where(ReviewAssignment.id == int(first["assignment"]["id"]))
            .values(token_expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
        await session.commit()
    # then the link opens nothing and submits nothing
    looked = await gql.raw(EXTERNAL_FORM, {"token": first["token"]})
    assert looked["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    late = (await gql.ok(EXTERNAL_SUBMIT, {"token": first["token"], "answers": CUSTOMER}))[
        "submitExternalReview"
    ]
    assert late["errors"][0]["code"] == "NOT_FOUND"
    # when HR invites the same customer again
    second = await _invite(company, cycle, as_user="hr")
    # then the same form has a new link, and only the new one works
    assert second["assignment"]["id"] == first["assignment"]["id"]
    assert second["token"] != first["token"]
    assert (await gql.ok(EXTERNAL_FORM, {"token": second["token"]}))["externalReviewForm"]
    # and the database keeps only the link's hash
    async with sessions() as session:
        stored = (
            await session.execute(
                select(ReviewAssignment.token_hash).where(
                    ReviewAssignment.id == int(second["assignment"]["id"])
                )
            )
        ).scalar_one()
    assert stored is not None
    assert second["token"] not in stored


async def test_who_may_invite_and_what_a_guess_learns(company: Company, gql: GraphQLClient) -> None:
    # given a quarter
    cycle = await open_quarter(company)
    # when emp invites a rater for themself, or a manager for someone outside the team
    body = await company.raw(
        INVITE,
        {"cycle": cycle, "subject": company.people["emp"], "name": "x", "email": "x@y.example"},
        as_user="emp",
    )
    outside = await _invite(company, cycle, subject=company.people["other"])
    no_mail = await _invite(company, cycle, email="not an address")
    # then each is refused
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert [(e["code"], e["path"]) for e in outside["errors"]] == [("NOT_FOUND", ["subject"])]
    assert [(e["code"], e["path"]) for e in no_mail["errors"]] == [("INVALID", ["email"])]
    # and a made-up link is not found, like a spent one
    for token in ("guess", "x" * 500, ""):
        looked = await gql.raw(EXTERNAL_FORM, {"token": token})
        assert looked["errors"][0]["extensions"]["code"] == "NOT_FOUND"
