"""User accounts: who may see which.

Accounts are listed (``users``) by ``org.read`` scope: the tenant, or the
caller's own account and those of the employees they reach.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from perfloop.authz import Permission
from perfloop.services.core.pagination import Page, keyset_page
from perfloop.services.core.scopes import readable
from perfloop.store.identity import UserAccount

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller


async def list_users(
    session: AsyncSession, caller: Caller, *, first: int | None, after: str | None, page_cap: int
) -> Page[UserAccount]:
    """Accounts the caller may see (``org.read`` scope), by email."""
    caller.require(Permission.ORG_READ)
    return await keyset_page(
        session,
        UserAccount,
        [readable(caller, UserAccount)],
        (UserAccount.email, UserAccount.id),
        first=first,
        after=after,
        cap=page_cap,
        what="user",
    )
