"""Who reviews whom: assignments created from the cycle template's stage forms.

Rules:

- ``create_assignments(cycle, stage)`` (HR, ``review.manage``) creates, for every
  active employee the cycle's app covers (the install's org unit subtree, or the
  tenant), one assignment per form of the stage: ``self`` (the subject rates
  themself), ``manager`` (the subject's manager, from the org chart) and
  ``subordinate`` (each active direct report). It is idempotent: a repeated call
  creates only what is missing (a new hire, a new manager) and changes nothing
  else; rows are keyed by (cycle, stage, form, relation, subject, rater).
- Peers are not derived from the org chart: the subject's manager (or HR, or a
  head above; ``review.assign`` at their scope) chooses them with
  ``choose_peers``, or the employee proposes them (``review.propose``, for
  themself) and the manager approves or rejects each proposal
  (``decide_proposal``). A proposal waits as ``proposed``; an approved or
  chosen peer is ``pending`` like any other assignment. The stage form's
  ``minResponses`` (else the app's ``min_peer_reviewers``) is the number of peers
  the stage needs; the ``forms-submitted`` guard counts the shortfall.
- Customers and other external raters are invited (``external.py``).

Every change is audited and committed once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from perfloop.authz import Permission
from perfloop.services.core import audit
from perfloop.services.core.errors import ErrorCode, ServiceError
from perfloop.services.core.scopes import employees_in_scope
from perfloop.services.reviews.common import (
    FormSpec,
    app_parameters,
    assignment_in_scope,
    get_cycle,
    invalid,
    minimum,
    not_found,
    review_forms,
    spec_for,
)
from perfloop.store.apps import InstalledApp
from perfloop.store.core import insert_or_ignore, lock_rows
from perfloop.store.org import Employee, OrgUnit
from perfloop.store.reviews import ReviewAssignment

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller
    from perfloop.store.cycles import Cycle

ACTIVE = "active"
#: The columns that identify an assignment (the unique constraint).
KEY = ("cycle_id", "stage_key", "form_ref", "relation", "subject_id", "rater_key")


@dataclass(frozen=True)
class CreateResult:
    created: int
    total: int  #: assignments of the stage after the call


@dataclass(frozen=True)
class PeersResult:
    assignments: list[ReviewAssignment]
    minimum: int


def rater_key(employee_id: int) -> str:
    return f"employee:{employee_id}"


async def _covered(session: AsyncSession, cycle: Cycle) -> list[Employee]:
    """The active employees the cycle's app covers."""
    query = select(Employee).where(Employee.tenant_id == cycle.tenant_id, Employee.status == ACTIVE)
    install = await session.get(InstalledApp, cycle.installed_app_id)
    if install is not None and install.org_unit_id is not None:
        top = select(OrgUnit.path).where(OrgUnit.id == install.org_unit_id).scalar_subquery()
        units = select(OrgUnit.id).where(
            OrgUnit.tenant_id == cycle.tenant_id, OrgUnit.path.startswith(top, autoescape=False)
        )
        query = query.where(Employee.org_unit_id.in_(units))
    return list((await session.execute(query.order_by(Employee.id))).scalars())


def _row(
    caller: Caller, cycle: Cycle, spec: FormSpec, subject: int, rater: int, status: str = "pending"
) -> dict[str, object]:
    return {
        "tenant_id": cycle.tenant_id,
        "cycle_id": cycle.id,
        "stage_key": spec.stage,
        "form_ref": spec.form,
        "relation": spec.relation,
        "required": spec.required,
        "subject_id": subject,
        "rater_id": rater,
        "rater_key": rater_key(rater),
        "status": status,
        "revision": 1,
        "created_by_id": caller.user_id,
    }


async def _stage_count(session: AsyncSession, cycle: Cycle, stage: str) -> int:
    return int(
        (
            await session.execute(
                select(func.count()).where(
                    ReviewAssignment.cycle_id == cycle.id, ReviewAssignment.stage_key == stage
                )
            )
        ).scalar_one()
    )


async def create_assignments(
    session: AsyncSession, caller: Caller, cycle_id: int, stage: str
) -> CreateResult:
    """Create the stage's self, manager and subordinate assignments that are missing."""
    caller.require(Permission.REVIEW_MANAGE)
    cycle = await get_cycle(session, caller, cycle_id)
    specs, _ = await review_forms(session, cycle, stage)
    people = await _covered(session, cycle)
    active = {e.id for e in people}
    reports: dict[int, list[int]] = {}
    for e in people:
        if e.manager_id is not None:
            reports.setdefault(e.manager_id, []).append(e.id)
    rows = []
    for spec in specs:
        for e in people:
            if spec.relation == "self":
                rows.append(_row(caller, cycle, spec, e.id, e.id))
            elif spec.relation == "manager" and e.manager_id in active:
                rows.append(_row(caller, cycle, spec, e.id, e.manager_id))
            elif spec.relation == "subordinate":
                rows += [_row(caller, cycle, spec, e.id, r) for r in reports.get(e.id, [])]
    before = await _stage_count(session, cycle, stage)
    await insert_or_ignore(session, ReviewAssignment, rows, KEY)
    total = await _stage_count(session, cycle, stage)
    audit.record(
        session, caller, "review.assignments.create", "cycle", cycle.id,
        after={"stage": stage, "created": total - before, "total": total},
    )  # fmt: skip
    await session.commit()
    return CreateResult(created=total - before, total=total)


async def _peer_spec(session: AsyncSession, cycle: Cycle, stage: str) -> tuple[FormSpec, int]:
    specs, _ = await review_forms(session, cycle, stage)
    spec = spec_for(specs, "peer", "peers")
    return spec, minimum(spec, await app_parameters(session, cycle))


async def _peers(
    session: AsyncSession, caller: Caller, subject: int, peer_ids: Sequence[int]
) -> list[int]:
    """The distinct peer ids, each an active employee of the tenant other than the subject."""
    wanted = list(dict.fromkeys(peer_ids))
    if subject in wanted:
        raise invalid("nobody is their own peer", ("peers",), zh="不能把自己选为同事评估人")
    found = set(
        (
            await session.execute(
                select(Employee.id).where(
                    Employee.tenant_id == caller.tenant_id,
                    Employee.status == ACTIVE,
                    Employee.id.in_(wanted),
                )
            )
        ).scalars()
    )
    for i, peer in enumerate(wanted):
        if peer not in found:
            raise not_found("employee", ("peers", str(i)))
    return wanted


async def _set_peers(
    session: AsyncSession,
    caller: Caller,
    cycle: Cycle,
    spec: FormSpec,
    subject: int,
    peers: list[int],
    status: str,
) -> list[ReviewAssignment]:
    """Peer assignments of ``subject`` for ``peers``, created with ``status`` when new; an
    existing proposal or rejection becomes ``status`` when that is ``pending`` (chosen).

    New rows are inserted with ``ON CONFLICT DO NOTHING`` and then every row is read
    locked, so two people choosing the same peer at once make one assignment."""
    rows = [_row(caller, cycle, spec, subject, peer, status) for peer in peers]
    await insert_or_ignore(session, ReviewAssignment, rows, KEY)
    found = {
        row.rater_id: row
        for row in await lock_rows(
            session,
            ReviewAssignment,
            ReviewAssignment.cycle_id == cycle.id,
            ReviewAssignment.stage_key == spec.stage,
            ReviewAssignment.form_ref == spec.form,
            ReviewAssignment.relation == "peer",
            ReviewAssignment.subject_id == subject,
            ReviewAssignment.rater_id.in_(peers),
        )
    }
    for row in found.values():
        if status == "pending" and row.status in ("proposed", "rejected"):
            row.status = status
            row.revision += 1
    return [found[peer] for peer in peers]


async def choose_peers(
    session: AsyncSession,
    caller: Caller,
    cycle_id: int,
    stage: str,
    subject_id: int,
    peer_ids: Sequence[int],
) -> PeersResult:
    """The subject's manager (``review.assign`` reaching the subject) names peers; each
    becomes a pending assignment (a proposal among them is approved)."""
    scope = caller.require(Permission.REVIEW_ASSIGN)
    cycle = await get_cycle(session, caller, cycle_id)
    reachable = (
        await session.execute(
            select(Employee.id).where(
                Employee.id == subject_id,
                Employee.tenant_id == caller.tenant_id,
                employees_in_scope(caller, scope, Employee.id),
            )
        )
    ).scalar_one_or_none()
    if reachable is None or subject_id == caller.employee_id:
        raise not_found("employee", ("subject",))
    spec, least = await _peer_spec(session, cycle, stage)
    peers = await _peers(session, caller, subject_id, peer_ids)
    rows = await _set_peers(session, caller, cycle, spec, subject_id, peers, "pending")
    audit.record(
        session, caller, "review.peers.choose", "employee", subject_id,
        after={"cycle": cycle.id, "stage": stage, "peers": peers},
    )  # fmt: skip
    await session.commit()
    return PeersResult(rows, least)


async def propose_peers(
    session: AsyncSession, caller: Caller, cycle_id: int, stage: str, peer_ids: Sequence[int]
) -> PeersResult:
    """The employee proposes their own peers; each waits for the manager's decision."""
    caller.require(Permission.REVIEW_PROPOSE)
    if caller.employee_id is None:
        raise not_found("employee", ("subject",))
    cycle = await get_cycle(session, caller, cycle_id)
    spec, least = await _peer_spec(session, cycle, stage)
    peers = await _peers(session, caller, caller.employee_id, peer_ids)
    rows = await _set_peers(session, caller, cycle, spec, caller.employee_id, peers, "proposed")
    audit.record(
        session, caller, "review.peers.propose", "employee", caller.employee_id,
        after={"cycle": cycle.id, "stage": stage, "peers": peers},
    )  # fmt: skip
    await session.commit()
    return PeersResult(rows, least)


async def decide_proposal(
    session: AsyncSession, caller: Caller, assignment_id: int, approve: bool
) -> ReviewAssignment:
    """Approve (pending) or reject a proposed peer; the subject cannot decide their own."""
    row = await assignment_in_scope(session, caller, Permission.REVIEW_ASSIGN, assignment_id)
    if row.subject_id == caller.employee_id:
        raise not_found("review", ("assignment",))
    [row] = await lock_rows(session, ReviewAssignment, ReviewAssignment.id == row.id)
    if row.status != "proposed":
        raise ServiceError.one(
            ErrorCode.CONFLICT,
            f"this peer is {row.status}, not proposed",
            ("assignment",),
            zh=f"此同事评估人的状态为 {row.status}，不是待审批",
        )
    row.status = "pending" if approve else "rejected"
    row.revision += 1
    audit.record(
        session, caller, "review.peers.decide", "review", row.id,
        before={"status": "proposed"}, after={"status": row.status},
    )  # fmt: skip
    await session.commit()
    return row
