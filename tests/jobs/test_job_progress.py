"""The jobProgress subscription, over a real WebSocket (graphql-transport-ws) to the
app served by uvicorn: the person who started a job follows it to its end; someone
else gets null, and a client without a token an error."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from websockets.asyncio.client import connect

from perfloop.api.app import create_app
from perfloop.authz import EnforcerCache, Permission
from perfloop.services import jobs
from perfloop.services.core.caller import Caller, resolve_caller
from perfloop.settings import Settings
from support.company import Company

PROGRESS = """
subscription($id: ID!) {
  jobProgress(id: $id) { status done total result parts { index status } }
}"""


async def _parts(session: AsyncSession, caller: Caller, parameters: Any) -> list[int]:
    return [0, 1, 2]


async def _slow_part(
    session: AsyncSession, caller: Caller, parameters: Any, part: int
) -> dict[str, Any]:
    await asyncio.sleep(0.6)  # longer than the subscription's half second between reads
    return {"parts": [part]}


def _merge(total: dict[str, Any], part: dict[str, Any]) -> dict[str, Any]:
    return {"parts": total.get("parts", []) + part["parts"]}


SLOW = jobs.register(jobs.JobKind("test-slow", Permission.ACTUAL_ENTER, _parts, _slow_part, _merge))


@contextlib.asynccontextmanager
async def _served(settings: Settings, engine: AsyncEngine) -> AsyncIterator[str]:
    """The app on a free port of 127.0.0.1, in this event loop; its WebSocket URL."""
    config = uvicorn.Config(
        create_app(settings, engine=engine), host="127.0.0.1", port=0, lifespan="off",
        log_level="warning", ws="websockets-sansio",
    )  # fmt: skip
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn offers no event to wait on)
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"ws://127.0.0.1:{port}/graphql"
    finally:
        server.should_exit = True
        await task


async def _subscribe(url: str, job_id: int, token: str | None) -> list[dict[str, Any]]:
    """Follow job ``job_id``: the messages up to `complete` or `error`."""
    messages: list[dict[str, Any]] = []
    async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        payload = {"Authorization": f"Bearer {token}"} if token else {}
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({
            "id": "1", "type": "subscribe",
            "payload": {"query": PROGRESS, "variables": {"id": str(job_id)}},
        }))  # fmt: skip
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), timeout=60))
            messages.append(message)
            if message["type"] in ("complete", "error"):
                return messages


async def test_the_starter_follows_a_job_to_its_end_and_others_cannot(
    company: Company,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
) -> None:
    # given HR's job of three slow parts, and (PostgreSQL) a worker running the queue
    async with sessions() as session:
        hr = await resolve_caller(session, EnforcerCache(), company.slug, company.email("hr"))
        job, _ = await jobs.create_job(session, hr, SLOW.name, "progress", {})
    worker = None
    if engine.dialect.name == "postgresql":
        worker = asyncio.create_task(jobs.run_worker(engine, concurrency=1, signals=False))
    try:
        async with _served(settings, engine) as url:
            token = company.gql.token(company.email("hr"), tenant=company.slug)
            following = asyncio.create_task(_subscribe(url, job.id, token))
            await asyncio.sleep(0.2)  # subscribed while the job is queued
            async with sessions() as session:
                await jobs.dispatch(session, job.id)
            # when HR follows it over a WebSocket
            messages = await following
            # and an employee of the company, and a client without a token, try to
            employee = company.gql.token(company.email("emp"), tenant=company.slug)
            refused = await _subscribe(url, job.id, employee)
            anonymous = await _subscribe(url, job.id, None)
    finally:
        if worker is not None:
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)
        await jobs.wait_in_process()
    # then HR saw it queued, running part by part, and succeeded, then the end
    assert messages[-1] == {"id": "1", "type": "complete"}
    states = [m["payload"]["data"]["jobProgress"] for m in messages[:-1]]
    assert states[0]["status"] == "QUEUED"
    assert states[-1] == {
        "status": "SUCCEEDED", "done": 3, "total": 3, "result": {"parts": [0, 1, 2]},
        "parts": [{"index": i, "status": "SUCCEEDED"} for i in range(3)],
    }  # fmt: skip
    assert "RUNNING" in [s["status"] for s in states]
    dones = [s["done"] for s in states]
    assert dones == sorted(dones)
    assert len(set(dones)) >= 3  # progress as it came, not only the end
    # and the employee got null, as for a job that does not exist
    assert [m["type"] for m in refused] == ["next", "complete"]
    assert refused[0]["payload"] == {"data": {"jobProgress": None}}
    # and the anonymous client an error, no data
    assert len(anonymous) == 1
    assert anonymous[0]["type"] == "error"
    assert [e["extensions"]["code"] for e in anonymous[0]["payload"]] == ["UNAUTHENTICATED"]
