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
    P.REVIEW_READ:        row(T, T, T, SUB, TEAM, SELF),
    P.REVIEW_WRITE:       row(T, SELF, SELF, SELF, SELF, SELF),
    P.REVIEW_PROPOSE:     row(T, None, None, None, None, SELF),
    P.REVIEW_ASSIGN:      row(T, T, None, SUB, TEAM, None),
    P.REVIEW_MANAGE:      row(T, T, None, None, None, None),
    P.RESULT_READ:        row(T, T, T, SUB, TEAM, SELF),
    P.RESULT_MANAGE:      row(T, T, None, None, None, None),
    P.RESULT_CALIBRATE:   row(T, T, None, None, None, None),
    P.APPEAL_FILE:        row(T, SELF, SELF, SELF, SELF, SELF),
    P.APPEAL_READ:        row(T, T, SELF, SUB, TEAM, SELF),
    P.APPEAL_DECIDE:      row(T, T, SELF, SELF, SELF, SELF),
    P.FEEDBACK_WRITE:     row(T, T, None, SUB, TEAM, None),
    P.FEEDBACK_READ:      row(T, T, None, SUB, TEAM, SELF),
    P.AWARD_READ:         row(T, T, T, T, T, T),
    P.AWARD_MANAGE:       row(T, T, None, None, None, None),
    P.PAYOUT_READ:        row(T, T, T, SUB, None, None),
    P.PAYOUT_MANAGE:      row(T, T, None, None, None, None),
    P.IMPROVEMENT_READ:   row(T, T, T, SUB, TEAM, SELF),
    P.IMPROVEMENT_WRITE:  row(T, T, None, SUB, TEAM, None),
    P.IMPROVEMENT_CHECKIN: row(T, T, None, SUB, TEAM, SELF),
    P.IMPROVEMENT_MANAGE: row(T, T, None, None, None, None),
    P.CANDIDATE_READ:     row(T, T, T, None, None, None),
    P.CANDIDATE_MANAGE:   row(T, T, None, None, None, None),
}
# fmt: on


def _enforcer(tenant: str = "acme", rules_of: str | None = None) -> TenantEnforcer:
    rules = tuple(tuple(line) for line in default_policy_lines(rules_of or tenant))
    return TenantEnforcer(TenantPolicy(tenant, 1, rules))


def test_matrix_names_every_permission_and_role() -> None:
    assert set(EXPECTED) == set(Permission)
    assert set(ROLES) == set(Role)


@pytest.mark.parametrize("permission", list(Permission))
@pytest.mark.parametrize("role", list(Role))
def test_role_has_expected_scope(role: Role, permission: Permission) -> None:
    enforcer = _enforcer()
    assert enforcer.scope_of_role(role, permission) == EXPECTED[permission][role]
    assert enforcer.scope_of([role.value], permission) == EXPECTED[permission][role]


@pytest.mark.parametrize("permission", list(Permission))
def test_several_roles_reach_the_widest_of_their_scopes(permission: Permission) -> None:
    # a manager who is also an employee (and a head, and HR) reaches what the
    # widest of those roles reaches
    enforcer = _enforcer()
    held = (Role.EMPLOYEE, Role.MANAGER, Role.HEAD, Role.HR)
    granted = [s for r in held if (s := EXPECTED[permission][r]) is not None]
    widest = min(granted, key=lambda s: s.rank) if granted else None
    assert enforcer.scope_of([r.value for r in held], permission) == widest


def test_policy_lines_of_another_tenant_grant_nothing() -> None:
    # lines whose domain is "acme" grant nothing in tenant "other"
    acme = _enforcer("acme")
    other = _enforcer("other", rules_of="acme")
    assert acme.scope_of_role("admin", Permission.TEMPLATE_PUBLISH) == T
    assert other.scope_of_role("admin", Permission.TEMPLATE_PUBLISH) is None
    assert other.scope_of_role("employee", Permission.TEMPLATE_READ) is None


def test_no_role_or_an_unknown_role_has_nothing() -> None:
    enforcer = _enforcer()
    assert all(enforcer.scope_of([], p) is None for p in Permission)
    assert all(enforcer.scope_of(["auditor"], p) is None for p in Permission)


def test_the_enforcer_holds_policy_lines_only() -> None:
    # no person is a Casbin line: the enforcer's size is the tenant's policy,
    # whatever its headcount
    enforcer = _enforcer()
    assert enforcer.size == len(default_policy_lines("acme"))


def test_scopes_nest() -> None:
    assert Scope.TENANT.covers(Scope.SELF)
    assert Scope.SUBTREE.covers(Scope.TEAM)
    assert not Scope.SELF.covers(Scope.TEAM)
