"""Cycles, their stages and transitions as GraphQL types.

Nested objects of this domain are read through per-request dataloaders
(``loaders(info)``), so listing many cycles does not run one query per cycle;
apps and cycles they load are filtered by ``readable``, as the root queries are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import strawberry
from sqlalchemy import select
from strawberry.dataloader import DataLoader

from perfloop.api.apps.types import InstalledApp
from perfloop.api.core.context import Info
from perfloop.api.core.errors import UserError, user_errors
from perfloop.api.core.scalars import I18nText
from perfloop.api.identity.types import User, user_by_id
from perfloop.services import cycles as cycle_service
from perfloop.services.core.errors import ServiceError
from perfloop.services.core.scopes import readable
from perfloop.store.apps import InstalledApp as InstalledAppRow
from perfloop.store.cycles import Cycle as CycleRow
from perfloop.store.cycles import CycleStage as CycleStageRow
from perfloop.store.cycles import CycleTransition as CycleTransitionRow

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller


class CycleLoaders:
    """Dataloaders of this domain, one set per request (kept on ``context.loaders``)."""

    def __init__(self, session: AsyncSession, caller: Caller) -> None:
        self._session = session
        self._caller = caller
        self._tenant_id = caller.tenant_id
        self.app = DataLoader[int, InstalledAppRow | None](self._apps)
        self.cycle = DataLoader[int, CycleRow | None](self._cycles)
        self.children = DataLoader[int, list[CycleRow]](self._children)
        self.stages = DataLoader[int, list[CycleStageRow]](self._stages)
        self.transitions = DataLoader[int, list[CycleTransitionRow]](self._transitions)

    async def _apps(self, ids: Sequence[int]) -> list[InstalledAppRow | None]:
        rows = await self._session.execute(
            select(InstalledAppRow).where(
                InstalledAppRow.id.in_(ids), readable(self._caller, InstalledAppRow)
            )
        )
        by_id = {r.id: r for r in rows.scalars()}
        return [by_id.get(i) for i in ids]

    async def _cycles(self, ids: Sequence[int]) -> list[CycleRow | None]:
        rows = await self._session.execute(
            select(CycleRow).where(CycleRow.id.in_(ids), readable(self._caller, CycleRow))
        )
        by_id = {r.id: r for r in rows.scalars()}
        return [by_id.get(i) for i in ids]

    async def _children(self, ids: Sequence[int]) -> list[list[CycleRow]]:
        rows = await self._session.execute(
            select(CycleRow)
            .where(CycleRow.parent_id.in_(ids), readable(self._caller, CycleRow))
            .order_by(CycleRow.starts_on)
        )
        out: dict[int, list[CycleRow]] = {i: [] for i in ids}
        for row in rows.scalars():
            if row.parent_id is not None:
                out[row.parent_id].append(row)
        return [out[i] for i in ids]

    async def _stages(self, ids: Sequence[int]) -> list[list[CycleStageRow]]:
        rows = await self._session.execute(
            select(CycleStageRow)
            .where(CycleStageRow.cycle_id.in_(ids), CycleStageRow.tenant_id == self._tenant_id)
            .order_by(CycleStageRow.position)
        )
        out: dict[int, list[CycleStageRow]] = {i: [] for i in ids}
        for row in rows.scalars():
            out[row.cycle_id].append(row)
        return [out[i] for i in ids]

    async def _transitions(self, ids: Sequence[int]) -> list[list[CycleTransitionRow]]:
        found = await cycle_service.transitions_of(self._session, self._tenant_id, ids)
        return [found[i] for i in ids]


def loaders(info: Info) -> CycleLoaders:
    holder: Any = info.context.loaders
    found = getattr(holder, "_cycle_loaders", None)
    if found is None:
        found = CycleLoaders(info.context.session, info.context.caller)
        holder._cycle_loaders = found
    assert isinstance(found, CycleLoaders)
    return found


@strawberry.type(description="A stage of a cycle, in template order, with its due date.")
class CycleStage:
    key: str
    position: int
    phase: str
    title: I18nText
    due_on: dt.date | None
    status: str = strawberry.field(description="pending, active or done.")
    started_at: dt.datetime | None
    completed_at: dt.datetime | None

    @classmethod
    def from_row(cls, row: CycleStageRow) -> CycleStage:
        return cls(
            key=row.key,
            position=row.position,
            phase=row.phase,
            title=I18nText.from_dict(row.title),
            due_on=row.due_on,
            status=row.status,
            started_at=row.started_at,
            completed_at=row.completed_at,
        )


@strawberry.type(description="A guard that overrode or blocked a move, and why.")
class GuardFailure:
    key: str
    check: str
    message: I18nText
    reasons: list[str]

    @classmethod
    def from_row(cls, data: dict[str, Any], message: dict[str, str] | None = None) -> GuardFailure:
        return cls(
            key=str(data.get("key", "")),
            check=str(data.get("check", "")),
            message=I18nText.from_dict(message or {}),
            reasons=[str(r) for r in data.get("reasons", [])],
        )

    @classmethod
    def from_failure(cls, failure: cycle_service.GuardFailure) -> GuardFailure:
        return cls(
            key=failure.key,
            check=failure.check,
            message=I18nText.from_dict(failure.message),
            reasons=list(failure.reasons),
        )


@strawberry.type(description="One move of a cycle between stages.")
class CycleTransition:
    from_stage: str | None
    to_stage: str
    at: dt.datetime
    override_reason: str | None
    overridden: list[GuardFailure]
    by_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: CycleTransitionRow) -> CycleTransition:
        return cls(
            from_stage=row.from_stage,
            to_stage=row.to_stage,
            at=row.at,
            override_reason=row.override_reason,
            overridden=[GuardFailure.from_row(g) for g in row.overridden or []],
            by_id=row.by_id,
        )

    @strawberry.field
    async def by(self, info: Info) -> User | None:
        return await user_by_id(info, self.by_id)


@strawberry.type(description="One review period run from a cycle template of an installed app.")
class Cycle:
    id: strawberry.ID
    template_key: str
    template_version: int
    period_kind: str = strawberry.field(description="month, quarter, half-year or year.")
    period: str = strawberry.field(description="2026-11, 2026-Q4, 2026-H2 or 2026.")
    is_summary: bool = strawberry.field(
        description="A longer period summarising its child cycles (a year of quarters)."
    )
    starts_on: dt.date
    ends_on: dt.date
    stage: str = strawberry.field(description="The key of the current stage.")
    status: str = strawberry.field(description="open or closed.")
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    row_id: strawberry.Private[int]
    installed_app_id: strawberry.Private[int]
    parent_id: strawberry.Private[int | None]
    opened_by_id: strawberry.Private[int | None]
    preloaded_stages: strawberry.Private[list[CycleStageRow] | None]

    @classmethod
    def from_row(cls, row: CycleRow, stages: list[CycleStageRow] | None = None) -> Cycle:
        return cls(
            id=strawberry.ID(str(row.id)),
            template_key=row.template_key,
            template_version=row.template_version,
            period_kind=row.period_kind,
            period=row.period,
            is_summary=row.is_summary,
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            stage=row.stage_key,
            status=row.status,
            opened_at=row.opened_at,
            closed_at=row.closed_at,
            row_id=row.id,
            installed_app_id=row.installed_app_id,
            parent_id=row.parent_id,
            opened_by_id=row.opened_by_id,
            preloaded_stages=stages,
        )

    @classmethod
    def from_view(cls, view: cycle_service.CycleView) -> Cycle:
        return cls.from_row(view.cycle, view.stages)

    @strawberry.field(description="key@version of the cycle template (pinned at open).")
    def template(self) -> str:
        return f"{self.template_key}@{self.template_version}"

    async def _stage_rows(self, info: Info) -> list[CycleStageRow]:
        if self.preloaded_stages is not None:
            return self.preloaded_stages
        return await loaders(info).stages.load(self.row_id)

    @strawberry.field(description="Every stage in order, with due dates.")
    async def stages(self, info: Info) -> list[CycleStage]:
        return [CycleStage.from_row(s) for s in await self._stage_rows(info)]

    @strawberry.field
    async def current_stage(self, info: Info) -> CycleStage | None:
        rows = await self._stage_rows(info)
        return next((CycleStage.from_row(s) for s in rows if s.key == self.stage), None)

    @strawberry.field(description="The stage log, oldest first.")
    async def transitions(self, info: Info) -> list[CycleTransition]:
        rows = await loaders(info).transitions.load(self.row_id)
        return [CycleTransition.from_row(r) for r in rows]

    @strawberry.field
    async def app(self, info: Info) -> InstalledApp | None:
        row = await loaders(info).app.load(self.installed_app_id)
        return InstalledApp.from_row(row) if row else None

    @strawberry.field(description="The summary cycle this one belongs to (its year).")
    async def parent(self, info: Info) -> Cycle | None:
        if self.parent_id is None:
            return None
        row = await loaders(info).cycle.load(self.parent_id)
        return Cycle.from_row(row) if row else None

    @strawberry.field(description="For a summary cycle: the cycles of its periods.")
    async def children(self, info: Info) -> list[Cycle]:
        return [Cycle.from_row(r) for r in await loaders(info).children.load(self.row_id)]

    @strawberry.field
    async def opened_by(self, info: Info) -> User | None:
        return await user_by_id(info, self.opened_by_id)


@strawberry.type(description="A stage past its due date that is not done.")
class OverdueStage:
    cycle: Cycle
    stage: CycleStage
    days_overdue: int

    @classmethod
    def from_item(cls, item: cycle_service.OverdueStage) -> OverdueStage:
        return cls(
            cycle=Cycle.from_row(item.cycle),
            stage=CycleStage.from_row(item.stage),
            days_overdue=item.days_overdue,
        )


@strawberry.type
class CyclePayload:
    cycle: Cycle | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class GuardOverrideInput:
    reason: str = strawberry.field(description="Why the failing guards may be ignored (audited).")


@strawberry.type
class AdvanceCyclePayload:
    cycle: Cycle | None = None
    blocked_by: list[GuardFailure] = strawberry.field(
        default_factory=list, description="Guards that failed and stopped the move."
    )
    overridden: list[GuardFailure] = strawberry.field(
        default_factory=list, description="Guards that failed and were overridden."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)

    @classmethod
    def from_service_error(cls, exc: ServiceError) -> AdvanceCyclePayload:
        """A move the guards refused names them in `blockedBy`."""
        blocked = exc.failures if isinstance(exc, cycle_service.GuardsFailed) else []
        return cls(
            blocked_by=[GuardFailure.from_failure(f) for f in blocked], errors=user_errors(exc)
        )
