"""Helpers for dataset tests: demo callers, sample orders."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from perfloop.authz import EnforcerCache
from perfloop.demo import DEMO_DOMAIN
from perfloop.services.core.caller import Caller, resolve_caller

NORTH_LEAD = f"sales-north.lead@{DEMO_DOMAIN}"
EMPLOYEE = f"employee@{DEMO_DOMAIN}"
HR = f"hr@{DEMO_DOMAIN}"


async def caller_for(session: AsyncSession, who: str) -> Caller:
    email = who if "@" in who else f"{who}@{DEMO_DOMAIN}"
    return await resolve_caller(session, EnforcerCache(), "demo", email)


def order(n: int, owner: str, day: str, amount: float, **extra: Any) -> dict[str, Any]:
    return {
        "order_id": f"SO-{n:06d}",
        "owner_email": owner,
        "customer_id": f"C{n % 7}",
        "order_date": day,
        "amount": amount,
        "status": "paid",
        "deal_type": "new",
        **extra,
    }
