"""The cycle's forms-submitted guard counts the review forms a stage still waits for:
required assignments not submitted, and peers missing to reach the stage's minimum."""

from __future__ import annotations

from typing import Any

from support.company import PEOPLE, Company
from support.reviews import (
    CHOOSE,
    MANAGER_ANSWERS,
    SELF_ANSWERS,
    create,
    find,
    open_quarter,
    submit,
)

ADVANCE = """
mutation($id: ID!, $override: GuardOverrideInput) {
  advanceCycle(id: $id, override: $override) {
    cycle { stage }
    blockedBy { key check reasons }
    errors { code path detail }
  }
}"""


async def _advance(company: Company, cycle: str, reason: str | None = None) -> Any:
    variables: dict[str, Any] = {"id": cycle}
    if reason is not None:
        variables["override"] = {"reason": reason}
    return (await company.ok(ADVANCE, variables, as_user="hr"))["advanceCycle"]


async def test_the_360_review_waits_for_every_self_review(company: Company) -> None:
    # given a quarter at its self reviews, with their assignments
    cycle = await open_quarter(company)
    for stage in ("sign-off", "execution", "self-review"):
        assert (await _advance(company, cycle))["cycle"]["stage"] == stage
    await create(company, cycle, "self-review")
    # and everyone but two submitted theirs
    handles = [handle for handle, *_ in PEOPLE]
    for handle in handles[2:]:
        form = await find(company, cycle, "self", handle)
        assert (await submit(company, form["id"], SELF_ANSWERS, as_user=handle))["errors"] == []
    # when HR moves on to the 360° review
    blocked = await _advance(company, cycle)
    # then the guard counts the two missing forms
    assert blocked["cycle"] is None
    assert blocked["blockedBy"] == [
        {
            "key": "self-reviews-in",
            "check": "forms-submitted",
            "reasons": ["2 required form(s) of stage self-review not submitted"],
        }
    ]
    # when one more is submitted, one is missing; when the last one is, the stage starts
    for handle, missing in zip(handles[:2], (1, 0), strict=True):
        form = await find(company, cycle, "self", handle)
        await submit(company, form["id"], SELF_ANSWERS, as_user=handle)
        moved = await _advance(company, cycle)
        if missing:
            assert moved["blockedBy"][0]["reasons"] == [
                f"{missing} required form(s) of stage self-review not submitted"
            ]
    assert moved["cycle"]["stage"] == "review-360"


async def test_calibration_waits_for_manager_reviews_and_enough_peers(company: Company) -> None:
    # given a quarter at its 360° review with its assignments (HR overrode the self reviews)
    cycle = await open_quarter(company)
    for _ in ("sign-off", "execution", "self-review"):
        await _advance(company, cycle)
    await create(company, cycle, "self-review")
    assert (await _advance(company, cycle, reason="self reviews are optional this time"))["cycle"][
        "stage"
    ] == "review-360"
    created = await create(company, cycle, "review-360")
    # when HR moves on to calibration
    blocked = await _advance(company, cycle)
    # then four manager reviews are missing, and three peers for each of the five
    # people the stage reviews (subordinate forms are not required)
    [forms] = [b for b in blocked["blockedBy"] if b["check"] == "forms-submitted"]
    assert created["total"] == 8
    assert forms["reasons"] == [f"{4 + 5 * 3} required form(s) of stage review-360 not submitted"]
    # when lead reviews emp and chooses three peers for emp (who have not answered)
    p = company.people
    review = await find(company, cycle, "manager", "emp", "lead")
    await submit(company, review["id"], MANAGER_ANSWERS, as_user="lead")
    await company.ok(
        CHOOSE,
        {"cycle": cycle, "stage": "review-360", "subject": p["emp"],
         "peers": [p["hr"], p["exec"], p["other"]]},
        as_user="lead",
    )  # fmt: skip
    # then one manager review fewer is missing; the peers are still owed, now as forms
    blocked = await _advance(company, cycle)
    [forms] = [b for b in blocked["blockedBy"] if b["check"] == "forms-submitted"]
    assert forms["reasons"] == [f"{3 + 5 * 3} required form(s) of stage review-360 not submitted"]
