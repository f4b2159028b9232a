"""One cached Casbin enforcer per tenant, rebuilt when the tenant's policy
version changes in the database (so several workers stay consistent)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import casbin

from perfloop.authz.policies import Permission, Scope

MODEL_PATH = Path(__file__).resolve().parent / "model.conf"


def _subject(user_id: int) -> str:
    return f"user:{user_id}"


@dataclass(frozen=True)
class TenantPolicy:
    """Everything Casbin needs for one tenant, as loaded from the database."""

    tenant: str
    version: int
    rules: tuple[tuple[str, ...], ...]  # p lines: role, tenant, resource, action, scope
    assignments: tuple[tuple[int, str], ...]  # (user id, role)


class TenantEnforcer:
    def __init__(self, policy: TenantPolicy) -> None:
        self.tenant = policy.tenant
        self.version = policy.version
        self._enforcer = casbin.Enforcer(str(MODEL_PATH))
        # Answers are memoised: an enforcer is immutable once built (a policy
        # change bumps the tenant's version and builds a new one), and pycasbin
        # evaluates every rule on each enforce().
        self._scopes: dict[tuple[int, Permission], Scope | None] = {}
        if policy.rules:
            self._enforcer.add_policies([list(r) for r in policy.rules])
        if policy.assignments:
            self._enforcer.add_grouping_policies(
                [[_subject(uid), role, policy.tenant] for uid, role in policy.assignments]
            )

    def scope_of(self, user_id: int, permission: Permission) -> Scope | None:
        """The widest scope at which the user holds ``permission``, or None."""
        key = (user_id, permission)
        if key not in self._scopes:
            self._scopes[key] = self._decide(user_id, permission)
        return self._scopes[key]

    def _decide(self, user_id: int, permission: Permission) -> Scope | None:
        sub = _subject(user_id)
        for scope in Scope:
            if self._enforcer.enforce(
                sub, self.tenant, permission.resource, permission.action, scope.value
            ):
                return scope
        return None

    def roles_of(self, user_id: int) -> list[str]:
        return sorted(self._enforcer.get_roles_for_user_in_domain(_subject(user_id), self.tenant))


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
