"""Identity: who the caller is (`me`), tenants and role assignments.

Other domains use these names only; the modules behind them are this
domain's own.
"""

from __future__ import annotations

from perfloop.services.identity.accounts import (
    deactivate_user,
    list_users,
    reactivate_user,
    set_user_active_by_email,
)
from perfloop.services.identity.me import WhoAmI, me
from perfloop.services.identity.tenants import assign_roles, create_tenant

__all__ = [
    "WhoAmI",
    "assign_roles",
    "create_tenant",
    "deactivate_user",
    "list_users",
    "me",
    "reactivate_user",
    "set_user_active_by_email",
]
