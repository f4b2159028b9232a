"""Per-request dataloaders: one per key type, results in key order.

Every loader applies the caller's read scope for its object type —
``perfloop.services.core.scopes.readable``, the same condition the root query
of that type uses — so a nested field (``employee { manager }``, ``orgUnit
{ parent }``, ``template { createdBy }``) never reaches an object the caller
could not read through the root query: an out-of-scope id loads as None, and
so does an id of another tenant.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import select
from strawberry.dataloader import DataLoader

from perfloop.services import templates
from perfloop.services.core.scopes import readable
from perfloop.store.identity import UserAccount
from perfloop.store.org import Employee, OrgUnit

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller

M = TypeVar("M", Employee, OrgUnit, UserAccount)


class Loaders:
    def __init__(self, session: AsyncSession, caller: Caller | None) -> None:
        self._session = session
        self._caller = caller
        self._tenant_id = caller.tenant_id if caller is not None else -1
        self.employee = DataLoader[int, Employee | None](self._loader(Employee))
        self.org_unit = DataLoader[int, OrgUnit | None](self._loader(OrgUnit))
        self.user = DataLoader[int, UserAccount | None](self._loader(UserAccount))
        #: template documents by template id, read only when a client asks for them
        self.template_body = DataLoader[int, dict[str, Any] | None](self._template_bodies)

    async def _template_bodies(self, ids: Sequence[int]) -> list[dict[str, Any] | None]:
        found = await templates.template_bodies(self._session, self._tenant_id, ids)
        return [found.get(i) for i in ids]

    def _loader(self, model: type[M]) -> Any:
        async def load(ids: Sequence[int]) -> list[M | None]:
            if self._caller is None:  # an anonymous request reads nothing
                return [None] * len(ids)
            rows = await self._session.execute(
                select(model).where(model.id.in_(ids), readable(self._caller, model))
            )
            by_id = {row.id: row for row in rows.scalars()}
            return [by_id.get(i) for i in ids]

        return load
