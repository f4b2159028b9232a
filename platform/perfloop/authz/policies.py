"""Default roles and the policy every new tenant starts with.

A permission is ``"resource.action"`` (``template.publish``); each grant says at
which :class:`Scope` a role holds it. Scopes nest: a grant at ``tenant`` also
covers ``subtree``, ``team`` and ``self``.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    HR = "hr"
    EXECUTIVE = "executive"
    MANAGER = "manager"
    EMPLOYEE = "employee"


class Scope(StrEnum):
    """How far a grant reaches, widest first."""

    TENANT = "tenant"
    SUBTREE = "subtree"  # the user's org unit and everything below it
    TEAM = "team"  # the user's direct and indirect reports
    SELF = "self"

    @property
    def rank(self) -> int:
        return list(Scope).index(self)

    def covers(self, other: Scope) -> bool:
        return self.rank <= other.rank


class Permission(StrEnum):
    """Every operation perfloop authorizes, as ``resource.action``."""

    ME_READ = "me.read"
    TEMPLATE_READ = "template.read"
    TEMPLATE_VALIDATE = "template.validate"
    TEMPLATE_PUBLISH = "template.publish"
    FORMULA_EVALUATE = "formula.evaluate"
    ORG_READ = "org.read"
    AUDIT_READ = "audit.read"

    @property
    def resource(self) -> str:
        return self.value.split(".", 1)[0]

    @property
    def action(self) -> str:
        return self.value.split(".", 1)[1]


_EVERYONE = (Role.ADMIN, Role.HR, Role.EXECUTIVE, Role.MANAGER, Role.EMPLOYEE)

# (role, resource, action, scope); "*" is a wildcard for resource or action.
DEFAULT_GRANTS: tuple[tuple[Role, str, str, Scope], ...] = (
    (Role.ADMIN, "*", "*", Scope.TENANT),
    *((role, "me", "read", Scope.SELF) for role in _EVERYONE),
    *((role, "template", "read", Scope.TENANT) for role in _EVERYONE),
    *((role, "formula", "evaluate", Scope.TENANT) for role in _EVERYONE),
    (Role.HR, "template", "validate", Scope.TENANT),
    (Role.HR, "template", "publish", Scope.TENANT),
    (Role.MANAGER, "template", "validate", Scope.TENANT),
    (Role.HR, "org", "read", Scope.TENANT),
    (Role.EXECUTIVE, "org", "read", Scope.TENANT),
    (Role.MANAGER, "org", "read", Scope.TEAM),
    (Role.EMPLOYEE, "org", "read", Scope.SELF),
    (Role.HR, "audit", "read", Scope.TENANT),
)


def default_policy_lines(tenant: str) -> list[list[str]]:
    """The ``p`` lines a new tenant gets, with the tenant as Casbin domain."""
    return [[role.value, tenant, res, act, scope.value] for role, res, act, scope in DEFAULT_GRANTS]
