"""Opening cycles and moving them through their stages."""

from __future__ import annotations

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.inputs import as_id
from perfloop.api.core.payloads import mutation
from perfloop.api.cycles.types import (
    AdvanceCyclePayload,
    Cycle,
    CyclePayload,
    GuardFailure,
    GuardOverrideInput,
)
from perfloop.authz import Permission
from perfloop.services import cycles


@strawberry.type
class CyclesMutations:
    @mutation(
        description=(
            "Open a cycle of an installed app for a period (2026-11, 2026-Q4, 2026-H2, 2026). "
            "cycle is key@version or a key the app bundles. A year of a quarterly template "
            "with an annual summary opens the summary cycle, linked to its quarters."
        ),
        permission=Permission.CYCLE_MANAGE,
    )
    async def open_cycle(
        self, info: Info, app: strawberry.ID, cycle: str, period: str
    ) -> CyclePayload:
        view = await cycles.open_cycle(
            info.context.session, info.context.caller, as_id(app) or -1, cycle, period
        )
        return CyclePayload(cycle=Cycle.from_view(view))

    @mutation(
        description=(
            "Move a cycle to its next stage. The next stage's guards must hold; with "
            "override, failing guards that allow it are overridden by an HR user with a "
            "reason (audited)."
        ),
        permission=Permission.CYCLE_MANAGE,
    )
    async def advance_cycle(
        self, info: Info, id: strawberry.ID, override: GuardOverrideInput | None = None
    ) -> AdvanceCyclePayload:
        result = await cycles.advance_cycle(
            info.context.session,
            info.context.caller,
            as_id(id) or -1,
            None if override is None else override.reason,
        )
        return AdvanceCyclePayload(
            cycle=Cycle.from_view(result.view),
            overridden=[GuardFailure.from_failure(f) for f in result.overridden],
        )
