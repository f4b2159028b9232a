"""Identity: who the caller is (`me`), tenants and role assignments.

Other domains use these names only; the modules behind them are this
domain's own.
"""

from __future__ import annotations

from perfloop.services.identity.accounts import list_users
from perfloop.services.identity.me import WhoAmI, me
from perfloop.services.identity.tenants import assign_roles, create_tenant

__all__ = [
    "WhoAmI",
    "assign_roles",
    "create_tenant",
    "list_users",
    "me",
]
