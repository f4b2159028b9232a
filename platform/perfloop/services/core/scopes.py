"""Row filters for a caller's scope, in SQL (never one enforce() per row).

``employees_in_scope`` returns a condition on ``Employee.id`` (or any column
holding an employee id) that keeps exactly the employees a caller may reach at
a scope: everyone in the tenant, their org unit's subtree, their direct and
indirect reports (plus themselves), or only themselves. Always combine it with
the tenant condition of the table being filtered.

``readable(caller, Model)`` is the one answer to "which rows of this table may
the caller read": the tenant condition and the scope of the permission that
guards the table, exactly as the root query of that object applies it. Root
queries and the API's dataloaders (``employee { manager }``, ``orgUnit
{ parent }``, ``cycle { openedBy }``) both call it, so every path to an object
applies the same scope:

    Employee       org.read: tenant, subtree, team or self
    OrgUnit        org.read: tenant; the caller's unit subtree; the units of
                   the employees the caller reaches (team, self)
    UserAccount    org.read: tenant; otherwise the caller's own account and the
                   accounts of the employees they reach
    InstalledApp   app.read (tenant-wide for whoever holds it)
    Cycle          cycle.read (tenant-wide for whoever holds it)

Without the permission the condition is false (an account's own row is
still readable: ``me { user }``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import BindParameter, ColumnElement, and_, false, or_, select, true

from perfloop.authz import Permission, Scope
from perfloop.store.apps import InstalledApp
from perfloop.store.cycles import Cycle
from perfloop.store.identity import UserAccount
from perfloop.store.org import Employee, OrgUnit

if TYPE_CHECKING:
    from sqlalchemy.orm import InstrumentedAttribute

    from perfloop.services.core.caller import Caller


def employees_in_scope(
    caller: Caller, scope: Scope, employee_id: InstrumentedAttribute[int] | ColumnElement[int]
) -> ColumnElement[bool]:
    if scope is not Scope.TENANT and caller.employee_id is None:
        return false()  # an account without an employee record reaches nobody below tenant scope
    return scope_condition(
        scope, employee_id, me=caller.employee_id or 0, tenant_id=caller.tenant_id
    )


def scope_condition(
    scope: Scope,
    employee_id: InstrumentedAttribute[int] | ColumnElement[int],
    *,
    me: int | BindParameter[int],
    tenant_id: int | BindParameter[int],
) -> ColumnElement[bool]:
    """The condition of ``employees_in_scope`` for employee ``me`` of ``tenant_id``.

    ``me`` and ``tenant_id`` may be bound parameters, so a statement built once
    (see ``scorecard_reads``) serves every caller with the same scope.
    """
    if scope is Scope.TENANT:
        return true()
    if scope is Scope.SELF:
        return employee_id == me
    if scope is Scope.TEAM:
        # the caller and everyone below them in the manager chain (recursive CTE)
        chain = (
            select(Employee.id.label("id"))
            .where(Employee.id == me)
            .cte("team_chain", recursive=True)
        )
        chain = chain.union_all(
            select(Employee.id).where(
                Employee.manager_id == chain.c.id, Employee.tenant_id == tenant_id
            )
        )
        return employee_id.in_(select(chain.c.id))
    # subtree: employees whose org unit path starts with the caller's unit path
    mine = (
        select(OrgUnit.path)
        .join(Employee, Employee.org_unit_id == OrgUnit.id)
        .where(Employee.id == me)
        .scalar_subquery()
    )
    units = select(OrgUnit.id).where(
        OrgUnit.tenant_id == tenant_id, OrgUnit.path.startswith(mine, autoescape=False)
    )
    return employee_id.in_(
        select(Employee.id).where(Employee.tenant_id == tenant_id, Employee.org_unit_id.in_(units))
    )


def scoped(
    caller: Caller,
    permission: Permission,
    employee_id: InstrumentedAttribute[int] | ColumnElement[int],
) -> ColumnElement[bool]:
    """``employees_in_scope`` at the caller's widest scope for ``permission``
    (raises Forbidden when they have none)."""
    return employees_in_scope(caller, caller.require(permission), employee_id)


def units_in_scope(caller: Caller, scope: Scope) -> ColumnElement[bool]:
    """Org units of the caller's tenant reached at ``scope``: all of them, the
    caller's unit subtree, or the units of the employees they reach."""
    if scope is Scope.TENANT:
        return OrgUnit.tenant_id == caller.tenant_id
    if scope is Scope.SUBTREE and caller.employee_id is not None:
        mine = (
            select(OrgUnit.path)
            .join(Employee, Employee.org_unit_id == OrgUnit.id)
            .where(Employee.id == caller.employee_id)
            .scalar_subquery()
        )
        return and_(
            OrgUnit.tenant_id == caller.tenant_id, OrgUnit.path.startswith(mine, autoescape=False)
        )
    reached = select(Employee.org_unit_id).where(
        Employee.tenant_id == caller.tenant_id, employees_in_scope(caller, scope, Employee.id)
    )
    return and_(OrgUnit.tenant_id == caller.tenant_id, OrgUnit.id.in_(reached))


def users_in_scope(caller: Caller, scope: Scope | None) -> ColumnElement[bool]:
    """User accounts of the caller's tenant reached at ``scope``: all of them,
    or the caller's own and those of the employees they reach (None: only
    their own)."""
    tenant = UserAccount.tenant_id == caller.tenant_id
    if scope is Scope.TENANT:
        return tenant
    own = UserAccount.id == caller.user_id
    if scope is None:
        return and_(tenant, own)
    reached = select(Employee.id).where(
        Employee.tenant_id == caller.tenant_id, employees_in_scope(caller, scope, Employee.id)
    )
    return and_(tenant, or_(own, UserAccount.employee_id.in_(reached)))


def readable(
    caller: Caller, model: type[Employee | OrgUnit | UserAccount | InstalledApp | Cycle]
) -> ColumnElement[bool]:
    """The rows of ``model`` the caller may read, as its root query filters them
    (see the table in this module's docstring); false without the permission."""
    if model is UserAccount:
        return users_in_scope(caller, caller.scope(Permission.ORG_READ))
    if model is Employee or model is OrgUnit:
        scope = caller.scope(Permission.ORG_READ)
        if scope is None:
            return false()
        if model is OrgUnit:
            return units_in_scope(caller, scope)
        return and_(
            Employee.tenant_id == caller.tenant_id, employees_in_scope(caller, scope, Employee.id)
        )
    if model is InstalledApp:
        held = caller.scope(Permission.APP_READ)
        return InstalledApp.tenant_id == caller.tenant_id if held else false()
    if model is Cycle:
        held = caller.scope(Permission.CYCLE_READ)
        return Cycle.tenant_id == caller.tenant_id if held else false()
    raise TypeError(f"no read scope is defined for {model.__name__}")


__all__ = [
    "employees_in_scope",
    "readable",
    "scope_condition",
    "scoped",
    "units_in_scope",
    "users_in_scope",
]
