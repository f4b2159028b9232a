"""Row filters for a caller's scope, in SQL (never one enforce() per row).

``employees_in_scope`` returns a condition on ``Employee.id`` (or any column
holding an employee id) that keeps exactly the employees a caller may reach at
a scope: everyone in the tenant, their org unit's subtree, their direct and
indirect reports (plus themselves), or only themselves. Always combine it with
the tenant condition of the table being filtered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import BindParameter, ColumnElement, false, select, true

from perfloop.authz import Permission, Scope
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


__all__ = ["employees_in_scope", "scope_condition", "scoped"]
