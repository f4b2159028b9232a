"""Scorecards (performance plans): items, bulk assignment, signing.

A plan's items are set as a whole, so the weights are checked against the
cycle's scoring template in one go (errors name the items). Employee and
manager both sign; a signed plan is locked: changing it needs a reason,
clears both signatures (the plan goes back to signing) and is audited.
Reading plans back lives in ``scorecard_reads``.
Items are resolved, checked and written by ``items.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import and_, func, select

from perfloop.authz import Permission
from perfloop.services.core import audit
from perfloop.services.core.errors import ErrorCode, ServiceError, UserError
from perfloop.services.core.scopes import employees_in_scope
from perfloop.services.plans.carry import carried_items
from perfloop.services.plans.common import (
    employee_in_scope,
    get_cycle,
    invalid,
    not_found,
    position_name,
    rules_for_employees,
    rules_for_units,
)
from perfloop.services.plans.items import (
    TASK_STATUSES,
    ItemInput,
    PlanEdit,
    TargetOverride,
    cards_for,
    check_revision,
    check_rules,
    describe,
    reopen,
    replace_items,
    resolve_items,
    revision_error,
    snapshot,
    weight_errors,
)
from perfloop.services.plans.relative import missing_bases, resolve_relative_targets
from perfloop.store.core import chunked, lock_rows, refresh_statistics, utcnow
from perfloop.store.org import Employee, OrgUnit
from perfloop.store.plans import ActionTask, Scorecard, ScorecardItem

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller
    from perfloop.store.cycles import Cycle


def _not_own(caller: Caller, employee_id: int) -> None:
    """Nobody sets their own targets: the next level up (or HR) does."""
    if caller.employee_id == employee_id:
        raise ServiceError.one(
            ErrorCode.FORBIDDEN,
            "your own plan is set by the next level up (or HR), not by you",
            ("employee",),
            detail="own-plan",
            zh="你自己的计划由上级（或 HR）制定，不能由你本人设置",
        )


@dataclass(frozen=True)
class ItemsResult:
    scorecard: Scorecard
    #: keys of the items the change removed (their history is in the audit trail)
    removed: list[str]


async def set_items(
    session: AsyncSession,
    caller: Caller,
    cycle_id: int,
    employee_id: int,
    items: Sequence[ItemInput],
    *,
    reason: str | None = None,
    expected_revision: int | None = None,
) -> ItemsResult:
    """Replace one employee's plan items (creating the plan when needed), by key: items
    whose key remains keep their actuals, check-ins and tasks. The plan is locked while
    it changes; with ``expected_revision`` a plan changed since the client read it is a
    CONFLICT instead of being overwritten."""
    employee = await employee_in_scope(session, caller, Permission.SCORECARD_MANAGE, employee_id)
    _not_own(caller, employee.id)
    cycle = await get_cycle(session, caller, cycle_id)
    resolved = await resolve_items(session, caller, cycle, items)
    rules = await rules_for_employees(session, cycle, [employee])
    await check_rules(session, caller, rules, resolved)
    card = (await cards_for(session, caller, cycle, rules))[employee.id]
    check_revision(card, expected_revision)
    relative = await resolve_relative_targets(session, cycle, resolved, [employee.id])
    reopen(session, caller, card, reason)
    edit = PlanEdit(card, rules[employee.id].scheme, relative=relative.get(employee.id))
    removed = await replace_items(session, caller, [edit], resolved)
    card.updated_at = utcnow()
    audit.record(
        session, caller, "scorecard.items.set", "scorecard", card.id,
        after={
            "employee": employee.id, "cycle": cycle.id, "revision": card.revision,
            "items": describe(resolved), "removed": removed[card.id],
        },
        note=reason,
    )  # fmt: skip
    await session.commit()
    return ItemsResult(card, removed[card.id])


@dataclass(frozen=True)
class BulkResult:
    scorecards: list[Scorecard]
    reopened: int
    #: keys of removed items per plan id (only plans that lost items)
    removed: dict[int, list[str]]


@dataclass(frozen=True)
class _Reach:
    """Whom a bulk assignment reaches: the cycle, the position as employees hold it,
    and the condition on ``Employee`` (active, in the caller's scope, not the caller,
    in the org unit's subtree and/or of the position)."""

    cycle: Cycle
    position: str | None
    where: ColumnElement[bool]


async def _reach(
    session: AsyncSession,
    caller: Caller,
    cycle_id: int,
    org_unit_id: int | None,
    position: str | None,
) -> _Reach:
    scope = caller.require(Permission.SCORECARD_MANAGE)
    if org_unit_id is None and not position:
        raise invalid("name an org unit, a position or both", ("orgUnit",))
    cycle = await get_cycle(session, caller, cycle_id)
    if position:  # by catalogue code or name, as employees hold it
        held = await position_name(session, caller.tenant_id, position)
        if held is None:
            raise not_found(f"position {position!r}", ("position",))
        position = held
    where = and_(
        Employee.tenant_id == caller.tenant_id,
        Employee.status == "active",
        employees_in_scope(caller, scope, Employee.id),
        Employee.id != (caller.employee_id or 0),  # your own plan is set by the next level up
    )
    if org_unit_id is not None:
        path = (
            await session.execute(
                select(OrgUnit.path).where(
                    OrgUnit.id == org_unit_id, OrgUnit.tenant_id == caller.tenant_id
                )
            )
        ).scalar_one_or_none()
        if path is None:
            raise not_found("org unit", ("orgUnit",))
        units = select(OrgUnit.id).where(
            OrgUnit.tenant_id == caller.tenant_id, OrgUnit.path.startswith(path)
        )
        where = and_(where, Employee.org_unit_id.in_(units))
    if position:
        where = and_(where, Employee.position == position)
    return _Reach(cycle, position, where)


def _nobody(org_unit_id: int | None) -> ServiceError:
    return not_found("active employees to assign", ("orgUnit",) if org_unit_id else ("position",))


def _override_error(n: int, what: str, message: str) -> UserError:
    return UserError(ErrorCode.INVALID, message, ("overrides", str(n), what))


async def assign_items(
    session: AsyncSession,
    caller: Caller,
    cycle_id: int,
    items: Sequence[ItemInput],
    *,
    org_unit_id: int | None = None,
    position: str | None = None,
    overrides: Sequence[TargetOverride] = (),
    reason: str | None = None,
    org_unit_ids: Collection[int] | None = None,
) -> BulkResult:
    """Give every active employee of a position and/or org unit subtree (within the
    caller's scope) the same items, with per-person target overrides.

    ``org_unit_ids`` narrows the assignment to the people placed in those units (the
    company-wide assignment job runs it one department at a time, after
    :func:`check_assignment` checked the whole request): a part with nobody in it
    assigns nothing, and an override naming someone outside it is left to that
    person's part."""
    reach = await _reach(session, caller, cycle_id, org_unit_id, position)
    cycle, position = reach.cycle, reach.position
    narrowed = org_unit_ids is not None
    query = select(Employee).where(reach.where)
    if org_unit_ids is not None:
        query = query.where(Employee.org_unit_id.in_(org_unit_ids))
    employees = list((await session.execute(query.order_by(Employee.id))).scalars())
    if not employees:
        if narrowed:
            return BulkResult([], 0, {})
        raise _nobody(org_unit_id)
    employee_ids = [e.id for e in employees]
    resolved = await resolve_items(session, caller, cycle, items)
    rules = await rules_for_employees(session, cycle, employees)
    await check_rules(session, caller, rules, resolved)
    keys = {i["key"] for i in resolved}
    chosen = set(employee_ids)
    per_person: dict[int, dict[str, float]] = {}
    applied: list[TargetOverride] = []
    errors = []
    for n, o in enumerate(overrides):
        if o.employee_id not in chosen:
            if not narrowed:
                message = f"employee {o.employee_id} is not among those assigned"
                errors.append(_override_error(n, "employee", message))
        elif o.key not in keys:
            errors.append(_override_error(n, "key", f"no item {o.key!r} to override"))
        else:
            per_person.setdefault(o.employee_id, {})[o.key] = o.target
            applied.append(o)
    if errors:
        raise ServiceError(errors)
    # targets relative to an earlier period, per person (one statement per chunk)
    relative = await resolve_relative_targets(session, cycle, resolved, employee_ids, per_person)
    cards = await cards_for(session, caller, cycle, rules)
    reopened = sum(1 for c in cards.values() if c.status != "draft")
    now = utcnow()
    for card in cards.values():
        reopen(session, caller, card, reason)
        card.updated_at = now  # with the revision: one UPDATE of each plan, not two
    edits = [
        PlanEdit(cards[e], rules[e].scheme, per_person.get(e), relative.get(e))
        for e in employee_ids
    ]
    # open improvement plans of an earlier cycle add their items (services/plans/carry.py)
    carried = await carried_items(
        session,
        cycle,
        employee_ids,
        resolved,
        lambda e, items: not weight_errors(rules[e].scheme, items),
    )
    removed = await replace_items(
        session, caller, [e for e in edits if e.card.employee_id not in carried], resolved
    )
    for edit in (e for e in edits if e.card.employee_id in carried):
        removed.update(await replace_items(session, caller, [edit], carried[edit.card.employee_id]))
    # one event per assignment (per part of a job): its size, never the list of people,
    # so the row stays small at company scale (each plan's reopening has its own event)
    audit.record(
        session, caller, "scorecard.items.assign", "cycle", cycle.id,
        after={
            "orgUnit": org_unit_id, "position": position, "employees": len(employee_ids),
            **({"orgUnits": len(org_unit_ids)} if org_unit_ids is not None else {}),
            "items": describe(resolved),
            "overrides": [{"employee": o.employee_id, "key": o.key, "target": o.target}
                          for o in applied],
        },
        note=reason,
    )  # fmt: skip
    await session.commit()
    # a large assignment: the planner learns of the plans and items written
    written = len(employee_ids) * (1 + len(resolved))
    await refresh_statistics(session, written, Scorecard, ScorecardItem, ActionTask)
    return BulkResult(
        [cards[e] for e in employee_ids], reopened, {k: v for k, v in removed.items() if v}
    )


@dataclass(frozen=True)
class AssignmentCheck:
    """A bulk assignment checked as a whole before it runs as a job."""

    cycle_id: int
    #: the position as employees hold it (a catalogue code given is resolved to it)
    position: str | None
    #: how many people it reaches now
    people: int


async def check_assignment(
    session: AsyncSession,
    caller: Caller,
    cycle_id: int,
    items: Sequence[ItemInput],
    *,
    org_unit_id: int | None = None,
    position: str | None = None,
    overrides: Sequence[TargetOverride] = (),
    reason: str | None = None,
) -> AssignmentCheck:
    """Every check :func:`assign_items` makes, for the whole request, without reading
    the people one by one or writing anything: the cycle, org unit and position exist,
    someone is reached, the items resolve, their weights hold under the rules of every
    org unit reached, each override names someone reached and an item key, and a
    signed plan among those reached comes with a reason. Each statement's size
    follows the org units or the overrides, never the people."""
    reach = await _reach(session, caller, cycle_id, org_unit_id, position)
    cycle = reach.cycle
    counted = await session.execute(
        select(Employee.org_unit_id, func.count()).where(reach.where).group_by(Employee.org_unit_id)
    )
    per_unit: dict[int, int] = dict(counted.all())
    if not per_unit:
        raise _nobody(org_unit_id)
    resolved = await resolve_items(session, caller, cycle, items)
    rules = await rules_for_units(session, cycle, per_unit)
    await check_rules(session, caller, rules, resolved, people=per_unit)
    keys = {i["key"] for i in resolved}
    reached: set[int] = set()
    for chunk in chunked(sorted({o.employee_id for o in overrides})):
        found = await session.execute(
            select(Employee.id).where(reach.where, Employee.id.in_(chunk))
        )
        reached.update(found.scalars())
    errors = []
    for n, o in enumerate(overrides):
        if o.employee_id not in reached:
            message = f"employee {o.employee_id} is not among those assigned"
            errors.append(_override_error(n, "employee", message))
        elif o.key not in keys:
            errors.append(_override_error(n, "key", f"no item {o.key!r} to override"))
    if errors:
        raise ServiceError(errors)
    overridden: dict[int, list[str]] = {}
    for o in overrides:
        overridden.setdefault(o.employee_id, []).append(o.key)
    await missing_bases(session, cycle, resolved, reach.where, overridden)
    if not (reason and reason.strip()):
        signed = await session.execute(
            select(Scorecard.id)
            .where(
                Scorecard.cycle_id == cycle.id,
                Scorecard.status == "signed",
                Scorecard.employee_id.in_(select(Employee.id).where(reach.where)),
            )
            .limit(1)
        )
        if signed.first() is not None:
            raise ServiceError.one(
                ErrorCode.CONFLICT,
                "some of these plans are signed and locked; give a reason to change them"
                " (signing starts again)",
                ("reason",),
                zh="其中部分计划已签署并锁定；修改需填写原因（修改后须重新签署）",
            )
    return AssignmentCheck(cycle.id, reach.position, sum(per_unit.values()))


SIGNERS = ("employee", "manager")


@dataclass(frozen=True)
class Signature:
    """One plan to sign, at the revision the signer read."""

    scorecard_id: int
    expected_revision: int


#: Where an error about the n-th signature points, given the argument it is about
#: (``scorecard``, ``expectedRevision`` or ``as``).
Where = Callable[[int, str], tuple[str, ...]]


def _single(_n: int, argument: str) -> tuple[str, ...]:
    return (argument,)


def _listed(n: int, argument: str) -> tuple[str, ...]:
    # a list signs as manager: a plan one may not sign that way is named by its scorecard
    return ("signatures", str(n), "scorecard" if argument == "as" else argument)


async def sign(
    session: AsyncSession,
    caller: Caller,
    scorecard_id: int,
    as_role: str,
    *,
    expected_revision: int,
) -> Scorecard:
    """Sign a plan as the ``employee`` (your own) or as their ``manager`` (someone in
    scope), at the revision the signer read: a plan changed since is a CONFLICT. The plan
    is locked while it is signed, so two signatures at once end "signed", not "signing"."""
    (card,) = await _sign(
        session, caller, as_role, [Signature(scorecard_id, expected_revision)], _single
    )
    return card


async def sign_many(
    session: AsyncSession, caller: Caller, signatures: Sequence[Signature]
) -> list[Scorecard]:
    """Sign many plans as their manager in one action, with the rules of :func:`sign`
    for each (in scope, not your own, not empty, at the revision read). All or nothing:
    when any plan is refused, nothing is signed and every refusal is reported, its path
    naming the signature's index (``["signatures", "3", "expectedRevision"]``). The plans
    are locked in id order. Returns the signed plans in the order given."""
    if not signatures:
        raise invalid(
            "name at least one plan to sign", ("signatures",), zh="请至少选择一份要签署的计划"
        )
    return await _sign(session, caller, "manager", signatures, _listed)


async def _sign(
    session: AsyncSession,
    caller: Caller,
    as_role: str,
    signatures: Sequence[Signature],
    where: Where,
) -> list[Scorecard]:
    """The rules of signing, for one plan or many (errors collected, then all or nothing)."""
    if as_role not in SIGNERS:
        raise invalid("sign as employee or manager", where(0, "as"), zh="请以员工或经理身份签署")
    scope = caller.require(Permission.SCORECARD_SIGN)
    errors: list[tuple[int, UserError]] = []  # by the index of the signature
    first: dict[int, int] = {}  # plan id -> index of its first signature
    for n, s in enumerate(signatures):
        if s.scorecard_id < 1:  # a malformed id matches nothing (each one is its own miss)
            errors.append((n, not_found("scorecard", where(n, "scorecard")).errors[0]))
        elif s.scorecard_id in first:
            again = f"this plan is signed by signature {first[s.scorecard_id]} already"
            zh = f"此计划已由第 {first[s.scorecard_id]} 个签署项签署"
            errors.append(
                (n, UserError(ErrorCode.INVALID, again, where(n, "scorecard"), message_zh=zh))
            )
        else:
            first[s.scorecard_id] = n
    # in scope, and the employee signs their own plan, a manager someone else's
    found: dict[int, int] = {}  # plan id -> employee id
    for chunk in chunked(sorted(first)):
        rows = await session.execute(
            select(Scorecard.id, Scorecard.employee_id).where(
                Scorecard.id.in_(chunk),
                Scorecard.tenant_id == caller.tenant_id,
                employees_in_scope(caller, scope, Scorecard.employee_id),
            )
        )
        for card_id, employee_id in rows:
            found[card_id] = employee_id
    signable: dict[int, int] = {}  # plan id -> index
    for card_id, n in first.items():
        if card_id not in found:
            errors.append((n, not_found("scorecard", where(n, "scorecard")).errors[0]))
            continue
        own = caller.employee_id == found[card_id]
        if as_role == "employee" and not own:
            only = "only the employee signs as employee"
            zh = "只有员工本人能以员工身份签署"
            errors.append((n, UserError(ErrorCode.FORBIDDEN, only, where(n, "as"), message_zh=zh)))
        elif as_role == "manager" and own:
            own_plan = "you cannot sign your own plan as manager"
            zh = "不能以经理身份签署你自己的计划"
            refusal = UserError(
                ErrorCode.FORBIDDEN, own_plan, where(n, "as"), detail="own-plan", message_zh=zh
            )
            errors.append((n, refusal))
        else:
            signable[card_id] = n
    if errors:
        raise ServiceError([e for _, e in sorted(errors, key=lambda e: e[0])])
    # locked in id order (across chunks), read afresh; then the revision and the items
    cards: dict[int, Scorecard] = {}
    item_counts: dict[int, int] = {}
    for chunk in chunked(sorted(signable)):
        for card in await lock_rows(session, Scorecard, Scorecard.id.in_(chunk)):
            cards[card.id] = card
        counts = await session.execute(
            select(ScorecardItem.scorecard_id, func.count())
            .where(ScorecardItem.scorecard_id.in_(chunk))
            .group_by(ScorecardItem.scorecard_id)
        )
        for card_id, count in counts:
            item_counts[card_id] = count
    for card_id, n in signable.items():
        card = cards[card_id]
        stale = revision_error(card, signatures[n].expected_revision, where(n, "expectedRevision"))
        if stale is not None:
            errors.append((n, stale))
        elif not item_counts.get(card_id):
            empty = "an empty plan cannot be signed"
            zh = "空计划不能签署"
            errors.append(
                (n, UserError(ErrorCode.INVALID, empty, where(n, "scorecard"), message_zh=zh))
            )
    if errors:
        raise ServiceError([e for _, e in sorted(errors, key=lambda e: e[0])])
    now = utcnow()
    for card_id in signable:
        card = cards[card_id]
        before = snapshot(card)
        if as_role == "employee":
            card.employee_signed_at, card.employee_signed_by_id = now, caller.user_id
        else:
            card.manager_signed_at, card.manager_signed_by_id = now, caller.user_id
        both = card.employee_signed_at is not None and card.manager_signed_at is not None
        card.status = "signed" if both else "signing"
        audit.record(
            session, caller, f"scorecard.sign.{as_role}", "scorecard", card.id,
            before=before, after=snapshot(card),
        )  # fmt: skip
    await session.commit()
    return [cards[card_id] for card_id in signable]


async def update_task(
    session: AsyncSession, caller: Caller, task_id: int, status: str
) -> ActionTask:
    """Move an action-plan task (progress on a plan does not reopen signing). The task is
    locked while it moves; one removed with its item meanwhile is not found."""
    scope = caller.require(Permission.CHECKIN_WRITE)
    if status not in TASK_STATUSES:
        raise invalid(f"status must be one of {', '.join(TASK_STATUSES)}", ("status",))
    task = (
        await session.execute(
            select(ActionTask)
            .join(ScorecardItem, ScorecardItem.id == ActionTask.item_id)
            .join(Scorecard, Scorecard.id == ScorecardItem.scorecard_id)
            .where(
                ActionTask.id == task_id,
                ActionTask.tenant_id == caller.tenant_id,
                employees_in_scope(caller, scope, Scorecard.employee_id),
            )
        )
    ).scalar_one_or_none()
    # locked and read afresh: an edit removing the task's item (and the task with it)
    # meanwhile leaves nothing to update
    locked = await lock_rows(session, ActionTask, ActionTask.id == task.id) if task else []
    if not locked:
        raise not_found("task", ("task",))
    (task,) = locked
    before = task.status
    task.status = status
    audit.record(
        session, caller, "scorecard.task.update", "action_task", task.id,
        before={"status": before}, after={"status": status},
    )  # fmt: skip
    await session.commit()
    return task


async def unsigned_plan_count(session: AsyncSession, cycle_id: int) -> int:
    """Plans of a cycle not signed by both sides (the cycles' "plans signed" guard)."""
    return int(
        (
            await session.execute(
                select(func.count())
                .select_from(Scorecard)
                .where(Scorecard.cycle_id == cycle_id, Scorecard.status != "signed")
            )
        ).scalar_one()
    )
