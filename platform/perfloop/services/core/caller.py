"""Who is calling: the actor, their tenant, and what they may do there."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select

from perfloop.authz import EnforcerCache, Permission, Scope, TenantEnforcer, TenantPolicy
from perfloop.services.core.errors import Forbidden, NotAuthenticated
from perfloop.store.identity import PolicyRule, RoleAssignment, Tenant, UserAccount
from perfloop.store.org import Employee

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

#: The employee status that ends the account's access (services.org's statuses).
LEFT = "left"


@dataclass
class Caller:
    """An authenticated user acting in one tenant."""

    user_id: int
    email: str
    display_name: str
    tenant_id: int
    tenant_slug: str
    employee_id: int | None
    enforcer: TenantEnforcer
    #: the caller's roles in their tenant, read with the account on this request
    role_names: tuple[str, ...] = ()
    _scopes: dict[Permission, Scope | None] = field(default_factory=dict)

    @property
    def roles(self) -> list[str]:
        return sorted(self.role_names)

    def scope(self, permission: Permission) -> Scope | None:
        if permission not in self._scopes:
            self._scopes[permission] = self.enforcer.scope_of(self.role_names, permission)
        return self._scopes[permission]

    def require(self, permission: Permission) -> Scope:
        """The caller's scope for ``permission``; Forbidden when they have none."""
        scope = self.scope(permission)
        if scope is None:
            raise Forbidden(
                f"you may not {permission.action} {permission.resource} here",
                zh=f"无权执行此操作：需要权限 {permission.value}",
            )
        return scope


async def load_enforcer(
    session: AsyncSession, cache: EnforcerCache, tenant: Tenant
) -> TenantEnforcer:
    hit = cache.cached(tenant.slug, tenant.policy_version)
    if hit is not None:
        return hit
    # Only the tenant's policy lines: their number does not grow with headcount.
    rules = (
        await session.execute(
            select(PolicyRule.v0, PolicyRule.v1, PolicyRule.v2, PolicyRule.v3, PolicyRule.v4)
            .where(PolicyRule.tenant_id == tenant.id, PolicyRule.ptype == "p")
            .order_by(PolicyRule.id)
        )
    ).all()
    policy = TenantPolicy(
        tenant=tenant.slug,
        version=tenant.policy_version,
        rules=tuple(tuple(r) for r in rules),
    )
    return cache.build(policy)


async def resolve_caller(
    session: AsyncSession, cache: EnforcerCache, tenant_slug: str, email: str
) -> Caller:
    """Map verified token claims to a Caller, or raise NotAuthenticated.

    One statement reads the account, its tenant, its employee's status and the
    account's roles (one row per role), on every request: a deactivated
    account, or one whose employee has left, is refused at once in every
    worker, whatever the token's age, and a role granted or withdrawn counts
    on the user's next request (the enforcer cache is consulted for neither).
    The tenant's policy rules are read again only when its policy version has
    changed; they hold no user, so that costs the same whatever the headcount.
    """
    rows = (
        await session.execute(
            select(UserAccount, Tenant, Employee.status, RoleAssignment.role)
            .join(Tenant, Tenant.id == UserAccount.tenant_id)
            .outerjoin(Employee, Employee.id == UserAccount.employee_id)
            .outerjoin(
                RoleAssignment,
                (RoleAssignment.user_id == UserAccount.id)
                & (RoleAssignment.tenant_id == UserAccount.tenant_id),
            )
            .where(Tenant.slug == tenant_slug, UserAccount.email == email.lower())
            .order_by(RoleAssignment.role)
        )
    ).all()
    if not rows:
        raise NotAuthenticated("the token's user is unknown in its tenant")
    user, tenant, employee_status, _ = rows[0]
    roles = tuple(role for *_, role in rows if role is not None)
    if not user.is_active:
        raise NotAuthenticated(
            "this account has been deactivated; ask HR to reactivate it",
            zh="此账号已停用，请联系 HR 重新启用",
        )
    if employee_status == LEFT:
        raise NotAuthenticated(
            "this account's employee has left the organisation", zh="此账号对应的员工已离职"
        )
    enforcer = await load_enforcer(session, cache, tenant)
    return Caller(
        user_id=user.id,
        email=user.email,
        display_name=user.display_name,
        tenant_id=tenant.id,
        tenant_slug=tenant.slug,
        employee_id=user.employee_id,
        enforcer=enforcer,
        role_names=roles,
    )


__all__ = ["LEFT", "Caller", "Forbidden", "load_enforcer", "resolve_caller"]
