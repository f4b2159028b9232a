"""Appeal queries: appeals in the caller's reach with their trail; feedback meetings."""

from __future__ import annotations

import strawberry

from perfloop.api.appeals.types import Appeal, AppealStatus, FeedbackMeeting
from perfloop.api.core.context import Info
from perfloop.api.core.inputs import as_id, required_id
from perfloop.api.core.pagination import Connection
from perfloop.api.core.permissions import requires
from perfloop.authz import Permission
from perfloop.services import appeals


@strawberry.type
class AppealsQueries:
    @strawberry.field(
        description=(
            "The appeals you may read, newest first, with their trail: your own, your "
            "team's (managers), your subtree's (heads), everyone's (HR), and those you "
            "decide. `assignedToMe`: the appeals waiting for you (HR: also those assigned "
            "to HR)."
        ),
        extensions=requires(Permission.APPEAL_READ),
    )
    async def appeals(
        self,
        info: Info,
        cycle: strawberry.ID | None = None,
        employee: strawberry.ID | None = None,
        status: AppealStatus | None = None,
        assigned_to_me: bool | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Appeal]:
        ctx = info.context
        page = await appeals.appeal_page(
            ctx.session, ctx.caller, cycle_id=as_id(cycle), employee_id=as_id(employee),
            status=status.value if status is not None else None,
            assigned_to_me=bool(assigned_to_me), first=first, after=after,
            page_cap=ctx.settings.max_page_size,
        )  # fmt: skip
        return Connection[Appeal].from_page(page, Appeal.from_view)

    @strawberry.field(
        description="One appeal with its trail; null when missing or out of reach.",
        extensions=requires(Permission.APPEAL_READ),
    )
    async def appeal(self, info: Info, id: strawberry.ID) -> Appeal | None:
        appeal_id = as_id(id)
        if appeal_id is None:
            return None
        view = await appeals.get_appeal(info.context.session, info.context.caller, appeal_id)
        return Appeal.from_view(view) if view is not None else None

    @strawberry.field(
        description=(
            "The cycle's feedback meetings you may read (yours, your team's, your subtree's, "
            "everyone's for HR), newest first; `employee`: that person's."
        ),
        extensions=requires(Permission.FEEDBACK_READ),
    )
    async def feedback_meetings(
        self,
        info: Info,
        cycle: strawberry.ID,
        employee: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[FeedbackMeeting]:
        ctx = info.context
        page = await appeals.meeting_page(
            ctx.session, ctx.caller, required_id(cycle), employee_id=as_id(employee),
            first=first, after=after, page_cap=ctx.settings.max_page_size,
        )  # fmt: skip
        return Connection[FeedbackMeeting].from_page(page, FeedbackMeeting.from_view)
