"""Award mutations: announcing an award's winners."""

from __future__ import annotations

import strawberry

from perfloop.api.awards.types import AnnounceAwardsPayload, Award
from perfloop.api.core.context import Info
from perfloop.api.core.inputs import required_id
from perfloop.api.core.payloads import mutation
from perfloop.authz import Permission
from perfloop.services import awards


@strawberry.type
class AwardsMutations:
    @mutation(
        description=(
            "Announce the award's winners of the cycle as computed now from the published "
            "results: each org unit without an announced winner gets one, which the company "
            "then reads; winners announced before stay as they were (later data never "
            "changes them). For HR; audited."
        ),
        permission=Permission.AWARD_MANAGE,
    )
    async def announce_awards(
        self, info: Info, cycle: strawberry.ID, award: str
    ) -> AnnounceAwardsPayload:
        ctx = info.context
        done = await awards.announce(ctx.session, ctx.caller, required_id(cycle), award)
        return AnnounceAwardsPayload(
            announced=done.announced,
            kept=done.kept,
            awards=[Award.from_view(v) for v in done.winners],
        )
