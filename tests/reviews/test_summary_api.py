"""Reading reviews over GraphQL: the review part by the scoring template's relation
weights, anonymity of peers (and subordinates, customers) towards their subject, and
what HR sees of who has not answered yet."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from support.company import Company
from support.reviews import (
    CHOOSE,
    MANAGER_ANSWERS,
    PEER_ANSWERS,
    SELF_ANSWERS,
    SUMMARY,
    add_peers,
    assignments,
    create,
    find,
    open_quarter,
    submit,
)


async def _summary(company: Company, cycle: str, subject: str, as_user: str) -> Any:
    variables = {"cycle": cycle, "subject": company.people[subject]}
    return (await company.ok(SUMMARY, variables, as_user=as_user))["reviewSummary"]


def _relations(summary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["relation"]: r for r in summary["relations"]}


@pytest.fixture
async def reviewed(company: Company, sessions: async_sessionmaker[AsyncSession]) -> str:
    """A quarter in which emp rated themself 4, lead (manager) rated emp 5, and two of
    emp's three peers rated emp 3 and 5; the third peer has not answered."""
    await add_peers(sessions, company)
    cycle = await open_quarter(company)
    await create(company, cycle, "self-review")
    await create(company, cycle, "review-360")
    p = company.people
    chosen = await company.ok(
        CHOOSE,
        {"cycle": cycle, "stage": "review-360", "subject": p["emp"],
         "peers": [p["p1"], p["p2"], p["p3"]]},
        as_user="lead",
    )  # fmt: skip
    assert chosen["choosePeers"]["errors"] == []
    forms = {
        ("self", "emp"): (SELF_ANSWERS, "emp"),
        ("manager", "lead"): (MANAGER_ANSWERS, "lead"),
        ("peer", "p1"): (PEER_ANSWERS, "p1"),
        ("peer", "p2"): ({**PEER_ANSWERS, "overall_rating": 5, "communication": 4}, "p2"),
    }
    for (relation, rater), (answers, user) in forms.items():
        form = await find(company, cycle, relation, "emp", rater)
        done = await submit(company, form["id"], answers, as_user=user)
        assert done["errors"] == [], done
    return cycle


async def test_the_manager_sees_the_review_part_by_relation_weights(
    company: Company, reviewed: str
) -> None:
    # when emp's manager reads emp's summary
    summary = await _summary(company, reviewed, "emp", as_user="lead")
    # then each relation has the scoring template's weight and its average rating,
    # and the review part redistributes the weights of relations without raters
    relations = _relations(summary)
    assert {k: (r["weight"], r["score"], r["answered"]) for k, r in relations.items()} == {
        "self": (10, 75, 1),
        "peer": (20, 75, 2),
        "manager": (50, 100, 1),
        "subordinate": (10, None, 0),
        "customer": (10, None, 0),
    }
    assert summary["score"] == pytest.approx((10 * 75 + 20 * 75 + 50 * 100) / 80)
    assert summary["hidden"] is False
    assert relations["peer"]["assigned"] == 3
    assert relations["peer"]["averages"] == {
        "collaboration": 4,
        "communication": 3,
        "overall_rating": 4,
    }


async def test_the_subject_sees_peers_only_in_aggregate_and_above_the_minimum(
    company: Company, reviewed: str
) -> None:
    # when emp reads their own summary while two of three peers answered
    summary = await _summary(company, reviewed, "emp", as_user="emp")
    # then the peers' score and averages are hidden, and so is the combined score
    peer = _relations(summary)["peer"]
    assert (peer["hidden"], peer["score"], peer["averages"], peer["minimum"]) == (
        True, None, None, 3,
    )  # fmt: skip
    assert (summary["hidden"], summary["score"]) == (True, None)
    assert _relations(summary)["manager"]["score"] == 100
    # and emp's list of assignments shows no peer form about emp, not even who they are
    mine = await assignments(company, reviewed, as_user="emp", subject=company.people["emp"])
    assert {a["relation"] for a in mine} == {"self", "manager"}
    # when the third peer answers
    last = await find(company, reviewed, "peer", "emp", "p3")
    await submit(company, last["id"], {**PEER_ANSWERS, "overall_rating": 1}, as_user="p3")
    # then emp sees the peers' aggregate and the combined score
    summary = await _summary(company, reviewed, "emp", as_user="emp")
    peer = _relations(summary)["peer"]
    assert (peer["hidden"], peer["score"], peer["answered"]) == (False, 50, 3)
    assert summary["score"] == pytest.approx((10 * 75 + 20 * 50 + 50 * 100) / 80)
    # and still no single peer's answers
    mine = await assignments(company, reviewed, as_user="emp")
    assert all(a["relation"] not in ("peer", "subordinate", "customer") or
               a["subjectId"] != str(company.people["emp"]) for a in mine)  # fmt: skip


async def test_hr_sees_who_has_not_answered_yet(company: Company, reviewed: str) -> None:
    # when HR lists the 360° stage's unanswered forms
    waiting = await assignments(company, reviewed, stage="review-360", unanswered=True)
    # then they see the peer p3 who owes emp an answer, by name
    about_emp = [a for a in waiting if a["subjectId"] == str(company.people["emp"])]
    assert [(a["relation"], a["raterName"], a["status"]) for a in about_emp] == [
        ("peer", "P3", "pending")
    ]
    # and the answers of the peers who answered, which emp cannot read
    answered = [
        a for a in await assignments(company, reviewed, stage="review-360")
        if a["relation"] == "peer" and a["status"] == "submitted"
    ]  # fmt: skip
    assert len(answered) == 2
    assert all(a["answers"] for a in answered)
    # and another employee sees no summary of emp
    assert await _summary(company, reviewed, "emp", as_user="other") is None
    # while p1 sees the forms they fill in: their own, their manager's, emp's
    own = await assignments(company, reviewed, as_user="p1", mine=True)
    assert [(a["relation"], a["status"]) for a in own] == [
        ("self", "pending"),
        ("subordinate", "pending"),
        ("peer", "submitted"),
    ]
