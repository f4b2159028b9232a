"""The database session a GraphQL request's resolvers share, one I/O at a time.

graphql-core runs sibling fields concurrently, and when one of them fails on a
non-null field it *cancels* the siblings still running (``gather_with_cancel``)
to null their parent. A sibling cancelled in the middle of a query would
interrupt the request's one database connection: SQLAlchemy then terminates
it, and with several siblings doing so at once on SQLite the request never
ended (found by ``bench/fuzz.py``). ``RequestSession`` gives each database
call its turn:

- calls run one after another (an ``asyncio.Lock``), as the one connection
  would run them anyway;
- a call that has started runs to its end even when the resolver that made it
  is cancelled (``asyncio.shield``); the resolver sees the cancellation, the
  connection does not;
- ``close`` waits for the call in flight, and after it the session refuses new
  calls, so a resolver left running after the response cannot open a second
  connection the request would never give back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

__all__ = ["RequestSession", "request_sessions"]

T = TypeVar("T")


class RequestOver(RuntimeError):
    """A database call after the request's session was closed (a resolver the
    executor abandoned, still running): refused, never answered to anyone."""


class RequestSession(AsyncSession):
    """``AsyncSession`` whose calls take turns and are never cut in the middle.

    The calls perfloop makes are wrapped (``scalars`` goes through ``execute``);
    a call not wrapped here runs as ``AsyncSession`` runs it, and so do the
    statements a service runs on the connection ``connection()`` returned (the
    plan reads' Core queries): the driver still runs them one at a time, but
    they are not shielded from a cancelled resolver.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._turn = asyncio.Lock()
        self._over = False

    async def _in_turn(self, call: Callable[[], Awaitable[T]]) -> T:
        await self._turn.acquire()  # cancelled while waiting: nothing has started
        if self._over:
            self._turn.release()
            raise RequestOver("the request's database session is closed")
        try:
            running = asyncio.ensure_future(call())
        except BaseException:
            self._turn.release()
            raise
        running.add_done_callback(lambda _: self._turn.release())
        return await asyncio.shield(running)

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        return await self._in_turn(lambda: super(RequestSession, self).execute(*args, **kwargs))

    async def scalar(self, *args: Any, **kwargs: Any) -> Any:
        return await self._in_turn(lambda: super(RequestSession, self).scalar(*args, **kwargs))

    async def get(self, *args: Any, **kwargs: Any) -> Any:
        return await self._in_turn(lambda: super(RequestSession, self).get(*args, **kwargs))

    async def get_one(self, *args: Any, **kwargs: Any) -> Any:
        return await self._in_turn(lambda: super(RequestSession, self).get_one(*args, **kwargs))

    async def refresh(self, *args: Any, **kwargs: Any) -> None:
        await self._in_turn(lambda: super(RequestSession, self).refresh(*args, **kwargs))

    async def delete(self, instance: object) -> None:
        await self._in_turn(lambda: super(RequestSession, self).delete(instance))

    async def flush(self, objects: Any = None) -> None:
        await self._in_turn(lambda: super(RequestSession, self).flush(objects))

    async def commit(self) -> None:
        await self._in_turn(super().commit)

    async def rollback(self) -> None:
        await self._in_turn(super().rollback)

    async def connection(self, *args: Any, **kwargs: Any) -> Any:
        return await self._in_turn(lambda: super(RequestSession, self).connection(*args, **kwargs))

    async def close(self) -> None:
        if self._over:
            return
        async with self._turn:  # after the call in flight, if any
            self._over = True
            await asyncio.shield(super().close())


def request_sessions(engine: AsyncEngine) -> async_sessionmaker[RequestSession]:
    """The API's session factory (``expire_on_commit=False``, as ``make_sessionmaker``)."""
    return async_sessionmaker(engine, class_=RequestSession, expire_on_commit=False)
