"""One cached Casbin enforcer per tenant, rebuilt when the tenant's policy
version changes in the database (so several workers stay consistent).

The model (``model.conf``) is RBAC with domains asked *per role*: the enforcer
holds only the tenant's policy lines (``p, role, tenant, resource, action,
scope``), never a line per person, so building it costs the same at 100 people
as at 100,000. Casbin answers the coarse question "may ROLE perform
``resource.action`` at SCOPE here?", memoised per (role, permission) for the
enforcer's life. Which roles a user holds is not Casbin's business: the caller's
roles are read from ``role_assignments`` for that one user in the statement
that authenticates each request (``services.core.caller.resolve_caller``), so a
role granted or withdrawn counts on the user's next request in every worker,
and a policy change reaches every worker through ``tenants.policy_version``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import casbin

from perfloop.authz.policies import Permission, Scope

MODEL_PATH = Path(__file__).resolve().parent / "model.conf"


@dataclass(frozen=True)
class TenantPolicy:
    """Everything Casbin needs for one tenant, as loaded from the database:
    its policy lines, whose number does not grow with its headcount."""

    tenant: str
    version: int
    rules: tuple[tuple[str, ...], ...]  # p lines: role, tenant, resource, action, scope


class TenantEnforcer:
    def __init__(self, policy: TenantPolicy) -> None:
        self.tenant = policy.tenant
        self.version = policy.version
        self._enforcer = casbin.Enforcer(str(MODEL_PATH))
        # Answers are memoised: an enforcer is immutable once built (a policy
        # change bumps the tenant's version and builds a new one), and pycasbin
        # evaluates every rule on each enforce(). The key space is roles x
        # permissions, bounded whatever the headcount.
        self._scopes: dict[tuple[str, Permission], Scope | None] = {}
        if policy.rules:
            self._enforcer.add_policies([list(r) for r in policy.rules])

    @property
    def size(self) -> int:
        """How many policy lines the enforcer holds (no user is one of them)."""
        return len(self._enforcer.get_policy())

    def scope_of(self, roles: Iterable[str], permission: Permission) -> Scope | None:
        """The widest scope at which any of ``roles`` holds ``permission``, or None."""
        best: Scope | None = None
        for role in roles:
            scope = self.scope_of_role(role, permission)
            if scope is not None and (best is None or scope.covers(best)):
                best = scope
        return best

    def scope_of_role(self, role: str, permission: Permission) -> Scope | None:
        """The widest scope at which ``role`` holds ``permission``, or None."""
        key = (role, permission)
        if key not in self._scopes:
            self._scopes[key] = self._decide(role, permission)
        return self._scopes[key]

    def _decide(self, role: str, permission: Permission) -> Scope | None:
        for scope in Scope:
            if self._enforcer.enforce(
                role, self.tenant, permission.resource, permission.action, scope.value
            ):
                return scope
        return None


class EnforcerCache:
    """Per-process cache: ``get`` returns the cached enforcer while its version
    matches the database's, and rebuilds it otherwise."""

    def __init__(self) -> None:
        self._by_tenant: dict[str, TenantEnforcer] = {}
        self._lock = threading.Lock()

    def cached(self, tenant: str, version: int) -> TenantEnforcer | None:
        hit = self._by_tenant.get(tenant)
        return hit if hit is not None and hit.version == version else None

    def build(self, policy: TenantPolicy) -> TenantEnforcer:
        enforcer = TenantEnforcer(policy)
        with self._lock:
            self._by_tenant[policy.tenant] = enforcer
        return enforcer
