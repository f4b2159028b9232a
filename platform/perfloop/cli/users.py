"""``perfloop users deactivate|reactivate EMAIL``: offboarding from the command line.

The operator acts without a caller (the audit event has no actor); the rules
are the service's (``perfloop.services.identity``): a deactivated account's
requests are refused from the next one on, and an account whose employee has
left is not reactivated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from perfloop.cli.common import console, err_console, with_session

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.store.identity import UserAccount

__all__ = ["users_app"]

users_app = typer.Typer(help="User accounts: deactivate and reactivate.", no_args_is_help=True)

EmailArgument = Annotated[str, typer.Argument(metavar="EMAIL", help="The account's email.")]
TenantOption = Annotated[str, typer.Option(help="The tenant slug.")]


def _set_active(email: str, tenant: str, active: bool, reason: str | None) -> UserAccount:
    from perfloop.services import identity
    from perfloop.services.core.errors import ServiceError

    async def work(session: AsyncSession) -> UserAccount:
        return await identity.set_user_active_by_email(session, tenant, email, active, reason)

    try:
        return with_session(work)
    except ServiceError as exc:
        for error in exc.errors:
            err_console.print(f"[red]error:[/] {escape(error.message)}")
        raise typer.Exit(1) from None


@users_app.command("deactivate")
def deactivate(
    email: EmailArgument,
    tenant: TenantOption = "demo",
    reason: Annotated[str | None, typer.Option(help="Why (kept in the audit log).")] = None,
) -> None:
    """Deactivate an account: its requests, and its tokens, are refused from now on."""
    user = _set_active(email, tenant, False, reason)
    console.print(f"{escape(user.email)} is deactivated in tenant {escape(tenant)}")


@users_app.command("reactivate")
def reactivate(email: EmailArgument, tenant: TenantOption = "demo") -> None:
    """Let a deactivated account sign in again (not while its employee has left)."""
    user = _set_active(email, tenant, True, None)
    console.print(f"{escape(user.email)} is active in tenant {escape(tenant)}")
