"""Base amounts and budgets: HR's tables behind a payout list.

Rules:

- A **base amount** is set for a ``grade`` (职级, the employee's ``grade``), a
  ``position`` (by name, as employees hold it) or one ``employee`` (a per-person
  override). A person's base is their own, else their position's, else their grade's
  (the most specific wins); without any, their payout line says ``NO_BASE`` and has no
  amount. Amounts are decimal, at least 0, at most 4 places.
- A **budget** is set per cycle for an org unit's subtree; the company's budget is its
  root unit's. A payout list compares each unit's total with its budget and flags the
  units over it (``over``); nothing is cut.
- Setting a base or a budget is HR's (``payout.manage``), audited as
  ``payout.base`` / ``payout.budget`` with the amount before and after. Setting an
  amount again replaces it (an upsert by key: two HR setting one key at once leave one
  of the two amounts, never two rows); ``amount: null`` removes it.
- Reading them needs ``payout.read`` at tenant scope (they are pay data of everyone);
  below it the list is empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from perfloop.authz import Permission, Scope
from perfloop.services.core.audit import record
from perfloop.services.core.errors import Forbidden, race_conflict
from perfloop.services.plans import get_cycle, invalid, not_found
from perfloop.store.org import Employee, OrgUnit, Position
from perfloop.store.payouts import PayoutBase, PayoutBudget

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller

#: the kinds of base amount, most specific first
BASE_KINDS = ("employee", "position", "grade")
#: the largest amount accepted (a BIGINT of 10^-4 units holds 9.2e14)
MAX_AMOUNT = Decimal("1e12")


@dataclass(frozen=True)
class BaseAmount:
    kind: str
    key: str
    employee_id: int | None
    amount: Decimal


@dataclass(frozen=True)
class Budget:
    cycle_id: int
    org_unit_id: int
    amount: Decimal


def parse_amount(text: str | None, path: tuple[str, ...] = ("amount",)) -> Decimal | None:
    """A money amount written as text (``"12000"``, ``"8500.50"``), checked; None for
    None (remove)."""
    if text is None:
        return None
    try:
        amount = Decimal(text.strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise invalid(
            f"{text[:40]!r} is not an amount (write it as 12000 or 8500.50)", path
        ) from None
    return check_amount(amount, path)


def check_amount(amount: Decimal, path: tuple[str, ...] = ("amount",)) -> Decimal:
    """A money amount as stored: finite, ≥ 0, below MAX_AMOUNT, at most 4 places."""
    if not amount.is_finite() or amount < 0 or amount >= MAX_AMOUNT:
        raise invalid("the amount must be a number from 0 to below 1,000,000,000,000", path)
    if amount != amount.quantize(Decimal("0.0001")):
        raise invalid("the amount has more than 4 decimal places", path)
    return amount.normalize() + Decimal("0.00")  # as read back: 1E+3 → 1000.00, -0 → 0.00


def _require_tenant(caller: Caller, permission: Permission) -> None:
    if caller.require(permission) is not Scope.TENANT:
        raise Forbidden(f"you may not {permission.action} {permission.resource} here")


async def _base_key(
    session: AsyncSession, caller: Caller, kind: str, key: str
) -> tuple[str, int | None]:
    if kind not in BASE_KINDS:
        raise invalid(f"kind must be one of {', '.join(BASE_KINDS)}", ("kind",))
    key = key.strip()
    if not key or len(key) > 100:
        raise invalid("the key must be 1 to 100 characters", ("key",))
    if kind == "employee":
        found = (
            await session.execute(
                select(Employee.id).where(
                    Employee.tenant_id == caller.tenant_id, Employee.employee_no == key
                )
            )
        ).scalar_one_or_none()
        if found is None:
            raise not_found(f"employee number {key!r}", ("key",))
        return key, found
    if kind == "position":
        exists = (
            await session.execute(
                select(Position.id).where(
                    Position.tenant_id == caller.tenant_id, Position.name == key
                )
            )
        ).first() or (
            await session.execute(
                select(Employee.id)
                .where(Employee.tenant_id == caller.tenant_id, Employee.position == key)
                .limit(1)
            )
        ).first()
        if exists is None:
            raise not_found(f"position {key!r}", ("key",))
    return key, None


async def set_base_amount(
    session: AsyncSession, caller: Caller, kind: str, key: str, amount: Decimal | None
) -> BaseAmount | None:
    """Set (or with ``amount=None`` remove) the base amount of a grade, a position (by
    name) or an employee (by employee number); returns it (None when removed)."""
    _require_tenant(caller, Permission.PAYOUT_MANAGE)
    key, employee_id = await _base_key(session, caller, kind, key)
    if amount is not None:
        check_amount(amount)
    row = (
        await session.execute(
            select(PayoutBase)
            .where(
                PayoutBase.tenant_id == caller.tenant_id,
                PayoutBase.kind == kind,
                PayoutBase.key == key,
            )
            .with_for_update()
        )
    ).scalar_one_or_none()
    before = {"amount": str(row.amount)} if row is not None else None
    if amount is None:
        if row is not None:
            await session.delete(row)
    elif row is None:
        row = PayoutBase(tenant_id=caller.tenant_id, kind=kind, key=key, employee_id=employee_id,
                         amount=amount, updated_by_id=caller.user_id)  # fmt: skip
        session.add(row)
    else:
        row.amount, row.updated_by_id = amount, caller.user_id
    after = {"amount": str(amount)} if amount is not None else None
    record(
        session, caller, "payout.base", "payout_base", f"{kind}:{key}", before=before, after=after
    )
    await _commit(session)
    return BaseAmount(kind, key, employee_id, amount) if amount is not None else None


async def base_amounts(session: AsyncSession, caller: Caller) -> list[BaseAmount]:
    """Every base amount of the tenant, by kind (employee, position, grade) and key; none
    below tenant scope or without payout.read (a head reads their subtree's payouts,
    not the pay table)."""
    if caller.scope(Permission.PAYOUT_READ) is not Scope.TENANT:
        return []
    rows = (
        await session.execute(select(PayoutBase).where(PayoutBase.tenant_id == caller.tenant_id))
    ).scalars()
    out = [BaseAmount(r.kind, r.key, r.employee_id, r.amount) for r in rows]
    return sorted(out, key=lambda b: (BASE_KINDS.index(b.kind), b.key))


async def set_budget(
    session: AsyncSession, caller: Caller, cycle_id: int, org_unit_id: int, amount: Decimal | None
) -> Budget | None:
    """Set (or with ``amount=None`` remove) the budget of a cycle's payouts for an org
    unit's subtree (the root unit: the company's)."""
    _require_tenant(caller, Permission.PAYOUT_MANAGE)
    cycle = await get_cycle(session, caller, cycle_id)
    unit = (
        await session.execute(
            select(OrgUnit.id).where(
                OrgUnit.id == org_unit_id, OrgUnit.tenant_id == caller.tenant_id
            )
        )
    ).scalar_one_or_none()
    if unit is None:
        raise not_found("org unit", ("orgUnit",))
    if amount is not None:
        check_amount(amount)
    row = (
        await session.execute(
            select(PayoutBudget)
            .where(PayoutBudget.cycle_id == cycle.id, PayoutBudget.org_unit_id == org_unit_id)
            .with_for_update()
        )
    ).scalar_one_or_none()
    before = {"amount": str(row.amount)} if row is not None else None
    if amount is None:
        if row is not None:
            await session.delete(row)
    elif row is None:
        session.add(PayoutBudget(tenant_id=caller.tenant_id, cycle_id=cycle.id,
                                 org_unit_id=org_unit_id, amount=amount))  # fmt: skip
    else:
        row.amount = amount
    after = {"amount": str(amount)} if amount is not None else None
    record(session, caller, "payout.budget", "payout_budget", f"{cycle.id}:{org_unit_id}",
           before=before, after=after)  # fmt: skip
    await _commit(session)
    return Budget(cycle.id, org_unit_id, amount) if amount is not None else None


async def budgets(session: AsyncSession, tenant_id: int, cycle_id: int) -> dict[int, Decimal]:
    """The cycle's budgets by org unit id (no authorization: the callers check it)."""
    rows = await session.execute(
        select(PayoutBudget.org_unit_id, PayoutBudget.amount).where(
            PayoutBudget.tenant_id == tenant_id, PayoutBudget.cycle_id == cycle_id
        )
    )
    return dict(rows.all())


async def _commit(session: AsyncSession) -> None:
    """Commit; a lost race (two HR writing one key at once) is a CONFLICT."""
    try:
        await session.commit()
    except DBAPIError as exc:
        await session.rollback()
        conflict = race_conflict(exc)
        if conflict is None:
            raise
        raise conflict from None


__all__ = [
    "BASE_KINDS",
    "BaseAmount",
    "Budget",
    "base_amounts",
    "budgets",
    "check_amount",
    "parse_amount",
    "set_base_amount",
    "set_budget",
]
