"""Authorization: Casbin RBAC with domains (tenants) and scopes."""

from __future__ import annotations

from perfloop.authz.enforcer import EnforcerCache, TenantEnforcer, TenantPolicy
from perfloop.authz.policies import DEFAULT_GRANTS, Permission, Role, Scope, default_policy_lines

__all__ = [
    "DEFAULT_GRANTS",
    "EnforcerCache",
    "Permission",
    "Role",
    "Scope",
    "TenantEnforcer",
    "TenantPolicy",
    "default_policy_lines",
]
