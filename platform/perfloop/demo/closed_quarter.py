"""The demo company's previous quarter, closed end to end with the same app, so a
newcomer sees every step of the loop with real numbers beside the current quarter.

Each step is one function, run in order by ``close_previous_quarter``, and each goes
through the services the API calls, as the people themselves would:

1. ``plans`` — HR opens ``quarterly-review`` for the quarter before the current one
   and assigns every team its playbook (no goals, no action tasks); everyone signs
   with their manager; the cycle moves to execution.
2. ``actuals`` — the whole quarter's sales orders, tickets and projects arrive, every
   manual figure is entered and ``refreshActuals`` computes the rest. People did as
   ``PAST_FACTORS`` says: a few well over plan (capped by the template), a few under
   the scoring threshold (their quantity items score 0).
3. ``self_reviews`` — the self-review stage: assignments from the template, everyone
   submits.
4. ``reviews_360`` — the 360° stage: manager and subordinate assignments from the
   template; managers choose each person's three peers (one team proposes its own and
   the lead approves); the sales lead invites customers by single-use links and each
   customer opens the form and submits it through the link alone; raters submit.
5. ``scoring`` — the calibration stage starts (every review is in, every actual
   entered) and HR's scoring run (the ``score-results`` job) scores every signed plan;
   the loader waits for it as a worker would run it.
6. ``calibration`` — HR moves one rating with a reason: the department with the
   largest share at the top band has its lowest-scored member there moved down one
   band (the built-in scoring template sets no target distribution, so the guideline
   is the committee's).
7. ``publish`` — the results stage starts (calibration complete) and HR publishes;
   publishing opens the improvement plans the app's rule names.
8. ``appeal`` — the appeal stage: one appeal adjusted into version 2, one upheld, a
   feedback meeting (``demo.follow_up``).
9. ``improvement`` — the improvement stage: one plan filled in and checked in on.
10. ``payout_list`` — base amounts, budgets, the list generated and approved.
11. ``awards`` — the star of the quarter announced in every department.
12. ``close`` — the cycle is closed (every appeal is decided).

Then, once the current quarter is planned (so its cycle keeps the id after the
closed quarter's), ``monthly_stars`` plays each month of the closed quarter as a
``monthly-review`` cycle of the same app: plans at a third of the quarter's
quantities signed, the month's actuals, self-reviews, the scoring run, publication
and the star of the month in every department; the last month's improvement plans
are handed over to the quarter's.

Everything is repeatable: the same ``today`` gives the same records, ratings and
results.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from perfloop.demo import follow_up
from perfloop.demo.activity import enterer, ingest, plan_item_rows
from perfloop.demo.answers import answers
from perfloop.demo.company import DEPARTMENTS
from perfloop.demo.goal_tree import GoalTree
from perfloop.demo.plans import CYCLE, assign_plans, org_units, sign_plans
from perfloop.demo.targets import manual_actual
from perfloop.services import cycles, jobs, plans, results, reviews
from perfloop.services import improvement as improvement_plans
from perfloop.services.cycles import sub_periods
from perfloop.store.cycles import Cycle
from perfloop.store.improvement import ImprovementPlan
from perfloop.store.jobs import Job
from perfloop.store.plans import Actual, Scorecard, ScorecardItem
from perfloop.store.reviews import ReviewAssignment

if TYPE_CHECKING:
    from perfloop.demo.context import Demo
    from perfloop.demo.targets import Person

#: How people did last quarter, by employee number (cycled): 1.0 is on plan.
PAST_FACTORS: Final = (1.0, 0.95, 1.22, 0.55, 0.92, 0.86, 1.08, 0.78, 0.98, 1.35, 0.66, 0.9, 0.84)
SELF_STAGE: Final = "self-review"
REVIEW_STAGE: Final = "review-360"
PEERS: Final = 3
#: the team whose members propose their own peers (the lead approves)
PROPOSING_TEAM: Final = "rnd-platform"
SUBORDINATE_SHARE: Final = 0.4  # upward reviews are optional: some are answered
#: whom customers review (an email's local part, or a team code: its first staff member)
#: and the customers, invited by the subject's manager
CUSTOMERS: Final = (
    ("employee", (
        ("华瑞贸易 采购部 王经理", "wang.buyer@huarui.example.com"),
        ("远航物流 刘总", "liu@yuanhang.example.com"),
        ("新丰食品 李主管", "li.purchasing@xinfeng.example.com"),
    )),
    ("sales-key", (
        ("恒通集团 信息部 赵总监", "zhao.it@hengtong.example.com"),
        ("明德教育 陈校长", "chen@mingde.example.com"),
    )),
)  # fmt: skip
GUIDELINE: Final = 0.2  # the committee's share of a department at the top band
WAIT_SECONDS: Final = 120.0
MONTHLY_CYCLE: Final = "monthly-review"
NOTHING_TO_RATE: Final = (
    "本月没有可计算的数据（如无到期项目），按目标值计。 / Nothing to rate this month "
    "(no project due): taken as on target."
)
HANDED_OVER: Final = "由季度考核的改进计划接续。 / Followed up by the quarter's improvement plan."

Step = Callable[["Demo"], Awaitable[None]]


def previous_quarter(demo: Demo) -> cycles.Period:
    return cycles.period_containing("quarter", demo.quarter.starts_on - dt.timedelta(days=1))


async def close_previous_quarter(demo: Demo, app_id: int) -> Demo:
    """Play the quarter before ``demo``'s through to its closing, step by step."""
    past = demo.for_quarter(
        previous_quarter(demo), [replace(p, factors=PAST_FACTORS) for p in demo.people],
        tasks=False,
    )  # fmt: skip
    opened = await cycles.open_cycle(
        past.session, await past.hr(), app_id, CYCLE, past.quarter.label
    )
    past.cycle_id = opened.cycle.id
    for step in STEPS:
        await step(past)
    return past


# ---------------------------------------------------------------- the stages


async def advance(demo: Demo, wanted: str) -> None:
    """HR advances the cycle to the ``wanted`` stage; a guard that does not hold is a
    mistake of the demo's (raised, not overridden)."""
    hr = await demo.hr()
    while True:
        stage = (
            await demo.session.execute(select(Cycle.stage_key).where(Cycle.id == demo.cycle_id))
        ).scalar_one()
        if stage == wanted:
            return
        await cycles.advance_cycle(demo.session, hr, demo.cycle_id)


# ---------------------------------------------------------------- 1. plans


async def plans_signed(demo: Demo) -> None:
    cards = await assign_plans(demo, GoalTree(), await org_units(demo))
    await advance(demo, "sign-off")
    await sign_plans(demo, cards)
    await advance(demo, "execution")


# ---------------------------------------------------------------- 2. actuals


async def actuals(demo: Demo) -> None:
    await ingest(demo)
    await enter_and_refresh(demo)


async def enter_and_refresh(demo: Demo) -> None:
    """Every manual figure of the cycle is entered (by whoever the library names, as
    people did: ``Person.factor``), then ``refreshActuals`` computes the rest from the
    records of the cycle's dates."""
    label = demo.quarter.label
    for item in await plan_item_rows(demo):
        if (item.source or {}).get("type") != "manual" or item.target is None:
            continue
        person = demo.person(item.employee_id)
        rng = random.Random(f"{label}|manual|{person.email}|{item.indicator_key}")  # noqa: S311
        value = manual_actual(
            item.target, item.direction, item.aggregation in ("sum", "count"),
            person.factor, 1.0, rng.uniform(0.97, 1.03),
        )  # fmt: skip
        caller = await enterer(demo, person, item.source)
        await plans.enter_actual(demo.session, caller, item.id, value)
    await plans.refresh_actuals(demo.session, await demo.hr(), demo.cycle_id, today=demo.today)


# ---------------------------------------------------------------- 3-4. reviews


async def _submit_all(demo: Demo, stage: str) -> None:
    """Each rater with an account submits their forms of the stage (some optional
    upward reviews stay unanswered)."""
    rows = await demo.session.execute(
        select(
            ReviewAssignment.id, ReviewAssignment.form_ref, ReviewAssignment.relation,
            ReviewAssignment.subject_id, ReviewAssignment.rater_id, ReviewAssignment.required,
        )
        .where(
            ReviewAssignment.cycle_id == demo.cycle_id,
            ReviewAssignment.stage_key == stage,
            ReviewAssignment.status == "pending",
            ReviewAssignment.rater_id.is_not(None),
        )
        .order_by(ReviewAssignment.id)
    )  # fmt: skip
    label = demo.quarter.label
    for row in rows.all():
        subject, rater = demo.person(row.subject_id), demo.person(row.rater_id)
        rng = random.Random(f"{label}|{row.relation}|{subject.no}|{rater.no}")  # noqa: S311
        if not row.required and rng.random() >= SUBORDINATE_SHARE:
            continue
        form = row.form_ref.split("@")[0]
        await reviews.save_answers(
            demo.session, await demo.caller(rater), row.id,
            answers(form, row.relation, subject.factor, rng), submit=True,
        )  # fmt: skip


async def self_reviews(demo: Demo) -> None:
    await advance(demo, SELF_STAGE)
    await reviews.create_assignments(demo.session, await demo.hr(), demo.cycle_id, SELF_STAGE)
    await _submit_all(demo, SELF_STAGE)


def _peers(demo: Demo, subject: Person) -> list[Person]:
    """Three people of the same role: the same team first, then the department (the
    CEO's: three department heads, the executive team)."""
    role = "head" if subject.role == "ceo" else subject.role
    same = [p for p in demo.people if p.role == role and p.id != subject.id]
    same.sort(key=lambda p: (p.team != subject.team, p.dept != subject.dept, p.no))
    return same[:PEERS]


async def _choose_peers(demo: Demo) -> None:
    proposed: dict[int, list[int]] = {}  # lead -> proposals to decide
    for subject in demo.people:
        peers = [p.id for p in _peers(demo, subject)]
        if subject.manager_id is None:  # the CEO: their reports review them, so do peers
            await reviews.choose_peers(
                demo.session, await demo.hr(), demo.cycle_id, REVIEW_STAGE, subject.id, peers
            )
            continue
        if subject.team == PROPOSING_TEAM and subject.role == "staff":
            done = await reviews.propose_peers(
                demo.session, await demo.caller(subject), demo.cycle_id, REVIEW_STAGE, peers
            )
            proposed.setdefault(subject.manager_id, []).extend(r.id for r in done.assignments)
            continue
        await reviews.choose_peers(
            demo.session, await demo.caller(demo.manager(subject)), demo.cycle_id,
            REVIEW_STAGE, subject.id, peers,
        )  # fmt: skip
    for lead_id, assignment_ids in proposed.items():
        lead = await demo.caller(demo.person(lead_id))
        for assignment_id in assignment_ids:
            await reviews.decide_proposal(demo.session, lead, assignment_id, approve=True)


async def _customers(demo: Demo) -> None:
    """The subject's manager invites each customer; the customer opens the link and
    submits the form through it, without an account."""
    label = demo.quarter.label
    for who, customers in CUSTOMERS:
        subject = next(
            p for p in demo.people if p.email.split("@")[0] == who or (
                p.team == who and p.role == "staff")
        )  # fmt: skip
        manager = await demo.caller(demo.manager(subject))
        for name, email in customers:
            invitation = await reviews.invite_external(
                demo.session, manager, demo.cycle_id, REVIEW_STAGE, subject.id, name, email
            )
            link = invitation.token  # what the email to the customer carries
            form = await reviews.external_form(demo.session, link)
            rng = random.Random(f"{label}|customer|{subject.no}|{email}")  # noqa: S311
            key = str(form.form["key"])
            await reviews.submit_external(
                demo.session, link, answers(key, "customer", subject.factor, rng)
            )


async def reviews_360(demo: Demo) -> None:
    await advance(demo, REVIEW_STAGE)
    await reviews.create_assignments(demo.session, await demo.hr(), demo.cycle_id, REVIEW_STAGE)
    await _choose_peers(demo)
    await _customers(demo)
    await _submit_all(demo, REVIEW_STAGE)


# ---------------------------------------------------------------- 5. scoring


async def _wait_for(demo: Demo, job_id: int) -> None:
    """Have the job run as a worker would — on procrastinate's queue (PostgreSQL: this
    process works the queue until it is empty) or in-process (SQLite) — then wait
    for its end, which another worker may be reaching."""
    bind = demo.session.bind
    engine = bind.engine if isinstance(bind, AsyncConnection) else bind
    assert engine is not None
    if engine.dialect.name == "postgresql":
        await jobs.run_worker(engine, wait=False)
    else:
        await jobs.wait_in_process()
    status = select(Job.status, Job.error, Job.result).where(Job.id == job_id)
    waited = 0.0
    while True:
        row = (await demo.session.execute(status)).one()
        await demo.session.commit()  # a fresh read each time
        if row.status not in jobs.ACTIVE:
            break
        if waited > WAIT_SECONDS:
            raise RuntimeError(f"the demo's scoring run (job {job_id}) did not end")
        await asyncio.sleep(0.2)
        waited += 0.2
    outcome = row.result or {}
    if row.status != jobs.SUCCEEDED or outcome.get("failed") or outcome.get("unsigned"):
        raise RuntimeError(f"the demo's scoring run ended {row.status}: {row.error or outcome}")


async def scoring(demo: Demo) -> None:
    await advance(demo, "calibration")
    await score(demo)


async def score(demo: Demo) -> None:
    """HR's scoring run of the cycle (the ``score-results`` job), waited for."""
    job, _ = await jobs.start_scoring_run(demo.session, await demo.hr(), demo.cycle_id)
    await _wait_for(demo, job.id)


# ---------------------------------------------------------------- 6. calibration


async def calibration(demo: Demo) -> None:
    """HR moves the lowest-scored person of the department most crowded at the top
    band down one band, with the reason."""
    hr = await demo.hr()
    view = await results.calibration(demo.session, hr, demo.cycle_id)
    assert view is not None, "HR calibrates"
    bands = list(view.groups[0].bands)
    top = next(i for i, b in enumerate(bands[:-1]) if b.people)
    dept_of = {p.id: p.dept for p in demo.people}
    rated: dict[str, int] = {}
    for row in bands:
        for person in row.people:
            rated[dept_of[person.employee_id]] = rated.get(dept_of[person.employee_id], 0) + 1
    at_top: dict[str, list[results.BandPerson]] = {}
    for person in bands[top].people:
        at_top.setdefault(dept_of[person.employee_id], []).append(person)
    dept = max(at_top, key=lambda d: (len(at_top[d]) / rated[d], d))
    moved = min(at_top[dept], key=lambda p: (p.total or 0.0, p.employee_no))
    count, share = len(at_top[dept]), len(at_top[dept]) / rated[dept]
    names = next((d.name, d.name_en) for d in DEPARTMENTS if d.code == dept)
    band, lower = bands[top].band, bands[top + 1].band
    reason = (
        f"校准会：{names[0]} {count}/{rated[dept]} 人为 {band}（{share:.0%}），"
        f"高于公司 {GUIDELINE:.0%} 的指导比例；"
        f"{moved.employee_name} 总分 {moved.total} 为其中最低，调整为 {lower}。 / "
        f"Calibration committee: {names[1]} has {count} of {rated[dept]} "
        f"people at {band} ({share:.0%}), above the company's {GUIDELINE:.0%} guideline; "
        f"{moved.employee_name}'s total {moved.total} is the lowest of them: {lower}."
    )
    await results.calibrate(
        demo.session, hr,
        results.CalibrateInput(
            demo.cycle_id, moved.employee_id, lower, reason, moved.version, moved.revision
        ),
    )  # fmt: skip


# ---------------------------------------------------------------- 7-8. publish, close


async def publish(demo: Demo) -> None:
    await advance(demo, "results")
    await results.publish(demo.session, await demo.hr(), demo.cycle_id)


async def appeal(demo: Demo) -> None:
    """The appeal stage: one appeal adjusted, one upheld, a feedback meeting
    (``demo.follow_up``)."""
    await advance(demo, "appeal")
    await follow_up.appeal_decisions(demo)


async def improvement(demo: Demo) -> None:
    """The improvement stage: publication opened the plans the app's rule names; one
    is filled in and checked in on."""
    await advance(demo, "improvement")
    await follow_up.improvement_follow_up(demo)


async def payout_list(demo: Demo) -> None:
    await follow_up.payout_list(demo)


async def awards(demo: Demo) -> None:
    await follow_up.star_of_the_quarter(demo)


async def close(demo: Demo) -> None:
    await advance(demo, "closed")


# ---------------------------------------------------------------- the months' stars


async def monthly_stars(demo: Demo) -> None:
    """A ``monthly-review`` cycle for each month of the quarter, each with its star."""
    app_id = (
        await demo.session.execute(select(Cycle.installed_app_id).where(Cycle.id == demo.cycle_id))
    ).scalar_one()
    months = sub_periods(demo.quarter, "month")
    for period in months:
        month = demo.for_quarter(period, demo.people, tasks=False, share_of_quarter=1 / 3)
        opened = await cycles.open_cycle(
            month.session, await month.hr(), app_id, MONTHLY_CYCLE, period.label
        )
        month.cycle_id = opened.cycle.id
        await star_of_the_month(month)
    await _hand_over(demo, month)


async def star_of_the_month(month: Demo) -> None:
    """One month, the way the quarter went but with the monthly template's stages:
    plans (a third of each quantity) signed; the month's manual figures entered and
    its actuals computed from the records of its dates (the quarter's, ingested
    already); self-reviews (the manager-review stage's guard needs them; the
    template's scoring does without manager reviews); HR's scoring run at the
    results stage, publication, the star of each department; the month closed."""
    await plans_signed(month)
    await enter_and_refresh(month)
    await _nothing_to_rate(month)
    await self_reviews(month)
    await advance(month, "results")
    await score(month)
    await publish(month)
    await follow_up.star_of_the_quarter(month)  # announceAwards: per cycle, so the month's
    await advance(month, "closed")


async def _nothing_to_rate(month: Demo) -> None:
    """A rate over nothing (no project due in the month: no on-time rate) has no
    actual; the person's manager enters the target instead, with the reason, as an
    override (the ``actuals-complete`` guard of the results stage needs every actual)."""
    empty = await month.session.execute(
        select(ScorecardItem.id, ScorecardItem.target, Scorecard.employee_id)
        .join(Scorecard, Scorecard.id == ScorecardItem.scorecard_id)
        .join(Actual, Actual.item_id == ScorecardItem.id)
        .where(Scorecard.cycle_id == month.cycle_id, Actual.value.is_(None))
        .order_by(ScorecardItem.id)
    )
    for item_id, target, employee_id in empty.all():
        manager = await month.caller(month.manager(month.person(employee_id)))
        await plans.enter_actual(
            month.session, manager, item_id, target, note=NOTHING_TO_RATE, override=True
        )


async def _hand_over(quarter: Demo, last: Demo) -> None:
    """The last month's open improvement plans are closed by HR: the quarter's review
    opened its own for the same months, and those are what the current quarter carries
    (a month's plans carry into the next month; left open, the last month's would be
    carried into the current quarter by its next assignment)."""
    hr = await quarter.hr()
    rows = await quarter.session.execute(
        select(ImprovementPlan.id, ImprovementPlan.revision).where(
            ImprovementPlan.cycle_id == last.cycle_id,
            ImprovementPlan.status == "open",
            ImprovementPlan.carried_cycle_id.is_(None),
        )
    )
    for plan_id, revision in rows.all():
        await improvement_plans.close_plan(
            quarter.session, hr, plan_id, "not_met", HANDED_OVER, expected_revision=revision
        )


STEPS: Final[tuple[Step, ...]] = (
    plans_signed,
    actuals,
    self_reviews,
    reviews_360,
    scoring,
    calibration,
    publish,
    appeal,
    improvement,
    payout_list,
    awards,
    close,
)

__all__ = [
    "PAST_FACTORS", "STEPS", "advance", "close_previous_quarter", "monthly_stars",
    "previous_quarter",
]  # fmt: skip
