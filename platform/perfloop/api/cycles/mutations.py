"""Opening cycles and moving them through their stages."""

from __future__ import annotations

import strawberry

from perfloop.api.core.context import Info
from perfloop.api.core.errors import user_errors
from perfloop.api.core.inputs import as_id
from perfloop.api.core.permissions import requires
from perfloop.api.cycles.types import (
    AdvanceCyclePayload,
    Cycle,
    CyclePayload,
    GuardFailure,
    GuardOverrideInput,
)
from perfloop.authz import Permission
from perfloop.services import cycles
from perfloop.services.core.errors import ServiceError


@strawberry.type
class CyclesMutations:
    @strawberry.mutation(
        description=(
            "Open a cycle of an installed app for a period (2026-11, 2026-Q4, 2026-H2, 2026). "
            "cycle is key@version or a key the app bundles. A year of a quarterly template "
            "with an annual summary opens the summary cycle, linked to its quarters."
        ),
        extensions=requires(Permission.CYCLE_MANAGE),
    )
    async def open_cycle(
        self, info: Info, app: strawberry.ID, cycle: str, period: str
    ) -> CyclePayload:
        try:
            view = await cycles.open_cycle(
                info.context.session, info.context.caller, as_id(app) or -1, cycle, period
            )
        except ServiceError as exc:
            return CyclePayload(errors=user_errors(exc))
        return CyclePayload(cycle=Cycle.from_view(view))

    @strawberry.mutation(
        description=(
            "Move a cycle to its next stage. The next stage's guards must hold; with "
            "override, failing guards that allow it are overridden by an HR user with a "
            "reason (audited)."
        ),
        extensions=requires(Permission.CYCLE_MANAGE),
    )
    async def advance_cycle(
        self, info: Info, id: strawberry.ID, override: GuardOverrideInput | None = None
    ) -> AdvanceCyclePayload:
        try:
            result = await cycles.advance_cycle(
                info.context.session,
                info.context.caller,
                as_id(id) or -1,
                None if override is None else override.reason,
            )
        except cycles.GuardsFailed as exc:
            return AdvanceCyclePayload(
                blocked_by=[GuardFailure.from_failure(f) for f in exc.failures],
                errors=user_errors(exc),
            )
        except ServiceError as exc:
            return AdvanceCyclePayload(errors=user_errors(exc))
        return AdvanceCyclePayload(
            cycle=Cycle.from_view(result.view),
            overridden=[GuardFailure.from_failure(f) for f in result.overridden],
        )
