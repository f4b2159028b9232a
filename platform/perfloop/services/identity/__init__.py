"""Identity: who the caller is (`me`, with their permissions), tenants, role
assignments and the identities a demo sign-in offers.

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
from perfloop.services.identity.sign_in import SignInIdentity, check_sign_in, sign_in_identities
from perfloop.services.identity.tenants import assign_roles, create_tenant

__all__ = [
    "SignInIdentity",
    "WhoAmI",
    "assign_roles",
    "check_sign_in",
    "create_tenant",
    "deactivate_user",
    "list_users",
    "me",
    "reactivate_user",
    "set_user_active_by_email",
    "sign_in_identities",
]
