"""The identity tables: tenants, user accounts, role assignments and the tenant's Casbin
policy rules.
"""

from __future__ import annotations

from perfloop.store.identity.models import PolicyRule, RoleAssignment, Tenant, UserAccount

__all__ = ["PolicyRule", "RoleAssignment", "Tenant", "UserAccount"]
