"""Appeals (申诉): a person appeals their published result; the reviewer the cycle
template's rule assigns upholds it or adjusts the result, with a reason and a trail.

Rules:

- **Filing.** ``file_appeal`` (``appeal.file``, the person themself) appeals the
  person's latest **published** result of the cycle, within the window of the cycle's
  template (``rules.py``: while the cycle is at its appeal stage, or ``windowDays``
  after publication; outside it ``INVALID`` at ``cycle``, detail ``appeal.window``).
  The answers are the appeal form template's (which item or part, the explanation,
  the change asked for, evidence as links), validated by the reviews' validation
  (``reviews.answer_errors``: each problem an ``INVALID`` at ``["answers", …]`` whose
  message starts with the JSON pointer). One open appeal per person and cycle: a
  second is ``CONFLICT`` (detail ``appeal.open``).
- **Assignment.** At filing, by the template's ``reviewer`` rule: the appellant's
  manager's manager (with an active account), else HR; or HR. HR (``appeal.decide``
  at the tenant) may decide any appeal; a manager or head (``appeal.decide`` at
  ``self``) only those assigned to them.
- **Deciding.** ``decide_appeal`` upholds the result (nothing changes) or adjusts it —
  items' actuals and/or the rating band — with a required reason. An adjustment is a
  new published version scored by the result's own template
  (``results.adjust``: the same scoring path as a run); earlier versions stay
  readable. The decision records the numbers before and after, who and when.
- **The plan follows.** Corrected actuals are also recorded on the plan's items, in
  the same transaction (``plans.correct_actuals``: an override of a computed item, a
  manual actual otherwise, with the appeal's reason, audited), by the decider whatever
  their ``actual.enter`` scope and the cycle's stage: a later refresh keeps them and a
  later scoring run gives the adjusted version's numbers, so the version stands.
- **Concurrency.** The appeal's row is locked and its ``revision`` compared with the
  caller's ``expectedRevision``: of two decisions at once one wins, the other is
  ``CONFLICT`` (a decided appeal is ``CONFLICT``, detail ``appeal.decided``). The
  result's rows are locked after the appeal's, always in that order, then the plan's
  actual rows in item order (as a refresh writes them).
- **Audit.** ``appeal.file`` and ``appeal.decide`` (before/after), and
  ``result.adjust`` for the new version.
- **The guard.** ``appeals-resolved`` counts the cycle's open appeals
  (``open_appeal_count``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from perfloop.authz import Permission
from perfloop.services import plans, results, reviews
from perfloop.services.appeals.reads import AppealView, decidable, get_appeal
from perfloop.services.appeals.rules import check_window, cycle_rules, reviewer_for
from perfloop.services.core import audit
from perfloop.services.core.documents import DEFAULT_MAX_DOCUMENT_BYTES, check_document_size
from perfloop.services.core.errors import ErrorCode, ServiceError, race_conflict
from perfloop.store.appeals import Appeal
from perfloop.store.core import lock_rows, utcnow
from perfloop.store.cycles import Cycle
from perfloop.store.org import Employee
from perfloop.store.results import Result

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller

OPEN, DECIDED = "open", "decided"
UPHELD, ADJUSTED = "upheld", "adjusted"
DECISIONS = (UPHELD, ADJUSTED)
MAX_REASON = 2000


@dataclass(frozen=True)
class DecideInput:
    appeal_id: int
    decision: str  # upheld | adjusted
    reason: str
    expected_revision: int
    #: an adjustment: items' actuals by item key (None clears one) and/or the band
    actuals: Mapping[str, float | None] | None = None
    rating: str | None = None


def _published(cycle: Cycle, employee_id: int) -> Any:
    return select(Result).where(
        Result.cycle_id == cycle.id,
        Result.employee_id == employee_id,
        Result.status == results.PUBLISHED,
    )


async def file_appeal(
    session: AsyncSession,
    caller: Caller,
    cycle_id: int,
    answers: Mapping[str, Any],
    *,
    today: dt.date | None = None,
) -> AppealView:
    """File the caller's appeal against their published result of the cycle (see the
    module); returns it as the caller reads it. Commits."""
    caller.require(Permission.APPEAL_FILE)
    if caller.employee_id is None:
        raise plans.invalid(
            "only an employee appeals their own result",
            ("cycle",),
            zh="只有员工本人才能对自己的结果提出申诉",
        )
    cycle = await plans.get_cycle(session, caller, cycle_id)
    check_document_size(answers, ("answers",), DEFAULT_MAX_DOCUMENT_BYTES)
    rules = await cycle_rules(session, cycle)
    # the person's rows locked: two filings at once take turns (one open appeal)
    await lock_rows(
        session, Result, Result.cycle_id == cycle.id, Result.employee_id == caller.employee_id
    )
    published = (await session.execute(_published(cycle, caller.employee_id))).scalars().all()
    if not published:
        await session.rollback()
        raise plans.not_found("published result", ("cycle",), zh="未找到已发布的结果，或无权查看")
    last = max(published, key=lambda r: r.version)
    try:
        check_window(cycle, rules, last.published_at, today or utcnow().date())
        assert rules.form is not None  # check_window refuses a template without a form
        form = (await plans.template_bodies(session, cycle.tenant_id, [rules.form], "form")).get(
            rules.form
        )
        if form is None:
            raise plans.invalid(
                f"the appeal form {rules.form} is not available",
                ("cycle",),
                zh=f"申诉表单 {rules.form} 不可用",
            )
        problem = reviews.answer_errors(form, answers, draft=False)
        if problem is not None:
            raise problem
        if await _open_appeal(session, cycle, caller.employee_id):
            raise ServiceError.one(
                ErrorCode.CONFLICT, "you have an open appeal in this cycle already",
                ("cycle",), detail="appeal.open", zh="你在本周期已有一项未处理的申诉")  # fmt: skip
    except ServiceError:
        await session.rollback()
        raise
    employee = await session.get(Employee, caller.employee_id)
    assert employee is not None
    reviewer = await reviewer_for(session, employee, rules.reviewer)
    row = Appeal(
        tenant_id=cycle.tenant_id, cycle_id=cycle.id, employee_id=employee.id,
        result_version=last.version, form_ref=rules.form, answers=dict(answers),
        status=OPEN, reviewer_rule=rules.reviewer, reviewer_id=reviewer,
        filed_by_id=caller.user_id, filed_at=utcnow(), revision=1,
    )  # fmt: skip
    session.add(row)
    await session.flush()
    audit.record(
        session, caller, "appeal.file", "appeal", row.id,
        after={"cycle": cycle.id, "employee": employee.id, "resultVersion": last.version,
               "reviewer": reviewer, "rule": rules.reviewer, "answers": dict(answers)},
    )  # fmt: skip
    await session.commit()
    found = await get_appeal(session, caller, row.id)
    assert found is not None  # the person reads their own appeal
    return found


async def _open_appeal(session: AsyncSession, cycle: Cycle, employee_id: int) -> bool:
    found = await session.execute(
        select(Appeal.id).where(
            Appeal.cycle_id == cycle.id, Appeal.employee_id == employee_id, Appeal.status == OPEN
        )
    )
    return found.first() is not None


def _conflict(
    message: str, path: str, detail: str | None = None, *, zh: str | None = None
) -> ServiceError:
    return ServiceError.one(ErrorCode.CONFLICT, message, (path,), detail, zh=zh)


async def decide_appeal(session: AsyncSession, caller: Caller, decision: DecideInput) -> AppealView:
    """Uphold or adjust (see the module); returns the appeal as the caller reads it.
    Commits."""
    scope = caller.require(Permission.APPEAL_DECIDE)
    reason = decision.reason.strip()
    if not reason:
        raise plans.invalid("a decision needs a reason", ("reason",), zh="处理申诉须填写原因")
    if len(reason) > MAX_REASON:
        raise plans.invalid(
            f"the reason is longer than {MAX_REASON} characters",
            ("reason",),
            zh=f"原因不能超过 {MAX_REASON} 个字符",
        )
    if decision.decision not in DECISIONS:
        raise plans.invalid(
            f"a decision is {' or '.join(DECISIONS)}",
            ("decision",),
            zh=f"处理结果须是 {' 或 '.join(DECISIONS)}",
        )
    changes = bool(decision.actuals) or decision.rating is not None
    if decision.decision == UPHELD and changes:
        raise plans.invalid(
            "an upheld result changes nothing: no actuals or rating",
            ("decision",),
            zh="维持原结果不做任何修改：不能填写实际值或评级",
        )
    if decision.decision == ADJUSTED and not changes:
        raise plans.invalid(
            "an adjustment changes an item's actual or the rating",
            ("actuals",),
            zh="调整须修改某项指标的实际值或评级",
        )
    try:
        rows = await lock_rows(
            session, Appeal, Appeal.id == decision.appeal_id,
            Appeal.tenant_id == caller.tenant_id, decidable(caller, scope),
        )  # fmt: skip
        if not rows:
            raise plans.not_found("appeal", ("appeal",))
        row = rows[0]
        if caller.employee_id is not None and row.employee_id == caller.employee_id:
            # nobody decides their own appeal, HR included (it would also override
            # the actuals of their own plan): another HR person or the reviewer decides
            raise ServiceError.one(
                ErrorCode.FORBIDDEN,
                "you cannot decide your own appeal",
                ("appeal",),
                "appeal.own",
                zh="不能处理你自己的申诉",
            )
        if row.status != OPEN:
            raise _conflict(
                "this appeal was decided already", "appeal", "appeal.decided", zh="此申诉已处理"
            )
        if row.revision != decision.expected_revision:
            raise _conflict(
                f"the appeal changed since you read it (revision {row.revision}, not "
                f"{decision.expected_revision})",
                "expectedRevision",
                zh=f"申诉在你读取后已被修改（当前版本 {row.revision}，"
                f"而不是 {decision.expected_revision}），请重新加载后重试",
            )
        cycle = await session.get(Cycle, row.cycle_id)
        assert cycle is not None
        last = await results.latest_published(session, cycle, row.employee_id, lock=True)
        if last is None:
            raise plans.not_found("published result", ("appeal",))
        before = results.shown(last)
        if decision.decision == ADJUSTED:
            change = results.Adjustment(
                reason=reason, actuals=decision.actuals, rating=decision.rating,
                appeal_id=row.id,
            )  # fmt: skip
            new = await results.adjust(session, caller, cycle, last, change)
            after, row.new_version = results.shown(new), new.version
            if decision.actuals and last.scorecard_id is not None:
                # the plan says what the new version says: a later refresh keeps it and
                # a later run scores it (the version stands)
                await plans.correct_actuals(
                    session, caller, last.scorecard_id, decision.actuals,
                    note=f"on appeal {row.id}: {reason}",
                )  # fmt: skip
        else:
            after = before
        row.status, row.decision, row.reason = DECIDED, decision.decision, reason
        row.decided_by_id, row.decided_by_name = caller.user_id, caller.display_name
        row.decided_at, row.before, row.after = utcnow(), before, after
        row.revision += 1
        audit.record(
            session, caller, "appeal.decide", "appeal", row.id,
            before={"status": OPEN, "result": before},
            after={"status": DECIDED, "decision": row.decision, "result": after},
            note=reason,
        )  # fmt: skip
        await session.commit()
    except DBAPIError as exc:
        await session.rollback()
        raced = race_conflict(exc)
        if raced is None:
            raise
        raise raced from exc
    except ServiceError:
        await session.rollback()
        raise
    found = await get_appeal(session, caller, decision.appeal_id)
    assert found is not None  # the decider reads what they decide
    return found


async def open_appeal_count(session: AsyncSession, cycle: Cycle) -> int:
    """The cycle's open appeals: what the ``appeals-resolved`` guard counts."""
    count = await session.execute(
        select(func.count()).where(Appeal.cycle_id == cycle.id, Appeal.status == OPEN)
    )
    return int(count.scalar_one())


__all__ = [
    "ADJUSTED", "DECIDED", "DECISIONS", "OPEN", "UPHELD", "DecideInput",
    "decide_appeal", "file_appeal", "open_appeal_count",
]  # fmt: skip
