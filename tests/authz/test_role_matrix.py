"""Every default role against every operation, with the scope it reaches."""

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

T, SUB, TEAM, SELF = Scope.TENANT, Scope.SUBTREE, Scope.TEAM, Scope.SELF
ROLES = (Role.ADMIN, Role.HR, Role.EXECUTIVE, Role.HEAD, Role.MANAGER, Role.EMPLOYEE)


def row(*scopes: Scope | None) -> dict[Role, Scope | None]:
    """Expected scopes in ROLES order: admin, hr, executive, head, manager, employee."""
    assert len(scopes) == len(ROLES)
    return dict(zip(ROLES, scopes, strict=True))


P = Permission
# fmt: off
EXPECTED: dict[Permission, dict[Role, Scope | None]] = {
    #                          admin hr    exec  head  manager employee
    P.ME_READ:            row(T, SELF, SELF, SELF, SELF, SELF),
    P.TEMPLATE_READ:      row(T, T, T, T, T, T),
    P.TEMPLATE_VALIDATE:  row(T, T, None, None, T, None),
    P.TEMPLATE_PUBLISH:   row(T, T, None, None, None, None),
    P.FORMULA_EVALUATE:   row(T, T, T, T, T, T),
    P.ORG_READ:           row(T, T, T, SUB, TEAM, SELF),
    P.ORG_MANAGE:         row(T, T, None, None, None, None),
    P.AUDIT_READ:         row(T, T, None, None, None, None),
    P.USER_MANAGE:        row(T, T, None, None, None, None),
    P.APP_READ:           row(T, T, T, T, T, T),
    P.APP_INSTALL:        row(T, T, None, None, None, None),
    P.CYCLE_READ:         row(T, T, T, T, T, T),
    P.CYCLE_MANAGE:       row(T, T, None, None, None, None),
    P.CYCLE_OVERRIDE:     row(T, T, None, None, None, None),
    P.DATASET_READ:       row(T, T, T, SUB, TEAM, SELF),
    P.DATASET_INGEST:     row(T, T, None, None, None, None),
    P.GOAL_READ:          row(T, T, T, SUB, TEAM, SELF),
    P.GOAL_MANAGE:        row(T, T, None, SUB, TEAM, None),
    P.GOAL_PROPOSE:       row(T, None, None, SUB, TEAM, SELF),
    P.SCORECARD_READ:     row(T, T, T, SUB, TEAM, SELF),
    P.SCORECARD_MANAGE:   row(T, T, None, SUB, TEAM, None),
    P.SCORECARD_SIGN:     row(T, None, None, SUB, TEAM, SELF),
    P.CHECKIN_WRITE:      row(T, None, None, None, TEAM, SELF),
    P.ACTUAL_ENTER:       row(T, T, None, None, TEAM, SELF),
    P.REPORT_READ:        row(T, T, T, SUB, TEAM, SELF),
}
# fmt: on


def _enforcer(tenant: str = "acme") -> TenantEnforcer:
    rules = tuple(tuple(line) for line in default_policy_lines(tenant))
    assignments = tuple((i, role.value) for i, role in enumerate(ROLES, start=1))
    return TenantEnforcer(TenantPolicy(tenant, 1, rules, assignments))


def test_matrix_names_every_permission_and_role() -> None:
    assert set(EXPECTED) == set(Permission)
    assert set(ROLES) == set(Role)


@pytest.mark.parametrize("permission", list(Permission))
@pytest.mark.parametrize("role", list(Role))
def test_role_has_expected_scope(role: Role, permission: Permission) -> None:
    enforcer = _enforcer()
    user_id = ROLES.index(role) + 1
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
