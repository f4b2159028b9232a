"""Every default role against every operation of the platform so far."""

from __future__ import annotations

import pytest

from perfloop.authz import (
    Permission,
    Role,
    Scope,
    TenantEnforcer,
    TenantPolicy,
    default_policy_lines,
)

T = Scope.TENANT
EXPECTED: dict[Permission, dict[Role, Scope | None]] = {
    Permission.ME_READ: {
        Role.ADMIN: T,
        Role.HR: Scope.SELF,
        Role.EXECUTIVE: Scope.SELF,
        Role.MANAGER: Scope.SELF,
        Role.EMPLOYEE: Scope.SELF,
    },
    Permission.TEMPLATE_READ: dict.fromkeys(Role, T),
    Permission.TEMPLATE_VALIDATE: {
        Role.ADMIN: T,
        Role.HR: T,
        Role.EXECUTIVE: None,
        Role.MANAGER: T,
        Role.EMPLOYEE: None,
    },
    Permission.TEMPLATE_PUBLISH: {
        Role.ADMIN: T,
        Role.HR: T,
        Role.EXECUTIVE: None,
        Role.MANAGER: None,
        Role.EMPLOYEE: None,
    },
    Permission.FORMULA_EVALUATE: dict.fromkeys(Role, T),
    Permission.ORG_READ: {
        Role.ADMIN: T,
        Role.HR: T,
        Role.EXECUTIVE: T,
        Role.MANAGER: Scope.TEAM,
        Role.EMPLOYEE: Scope.SELF,
    },
    Permission.AUDIT_READ: {
        Role.ADMIN: T,
        Role.HR: T,
        Role.EXECUTIVE: None,
        Role.MANAGER: None,
        Role.EMPLOYEE: None,
    },
}


def _enforcer(tenant: str = "acme") -> TenantEnforcer:
    rules = tuple(tuple(line) for line in default_policy_lines(tenant))
    assignments = tuple((i, role.value) for i, role in enumerate(Role, start=1))
    return TenantEnforcer(TenantPolicy(tenant, 1, rules, assignments))


def test_matrix_names_every_permission() -> None:
    assert set(EXPECTED) == set(Permission)


@pytest.mark.parametrize("permission", list(Permission))
@pytest.mark.parametrize("role", list(Role))
def test_role_has_expected_scope(role: Role, permission: Permission) -> None:
    enforcer = _enforcer()
    user_id = list(Role).index(role) + 1
    assert enforcer.scope_of(user_id, permission) == EXPECTED[permission][role]


def test_roles_do_not_cross_tenants() -> None:
    # a user who is admin in tenant "acme" holds nothing in tenant "other"
    acme = _enforcer("acme")
    other_rules = tuple(tuple(line) for line in default_policy_lines("other"))
    other = TenantEnforcer(TenantPolicy("other", 1, other_rules, ()))
    assert acme.scope_of(1, Permission.TEMPLATE_PUBLISH) == T
    assert other.scope_of(1, Permission.TEMPLATE_PUBLISH) is None
    assert other.scope_of(1, Permission.TEMPLATE_READ) is None


def test_unknown_user_has_nothing() -> None:
    enforcer = _enforcer()
    assert all(enforcer.scope_of(999, p) is None for p in Permission)


def test_scopes_nest() -> None:
    assert Scope.TENANT.covers(Scope.SELF)
    assert Scope.SUBTREE.covers(Scope.TEAM)
    assert not Scope.SELF.covers(Scope.TEAM)
