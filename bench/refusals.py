"""How fast each kind of hostile or wrong request is refused, against a plain
valid small query in the same run.

    .venv/bin/python bench/refusals.py [--requests 200] [--database-url URL]

The app runs in-process under httpx's ASGI transport (one event loop, one
worker, no network) on a fresh database with one tenant and its HR account.
Each kind is checked once to be refused with its status and code (a kind that
is not refused stops the run), then all kinds are timed in alternating rounds
so that they share the machine's state. Prints the median and p95 latency per
kind and the ratio of its median to the valid query's; the target is a
refusal well under 50 ms, about as cheap as or cheaper than a valid query.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from _stats import pct

from perfloop.api.app import create_app
from perfloop.api.core.auth import issue_token
from perfloop.authz import Role
from perfloop.services.identity.tenants import assign_roles, create_tenant
from perfloop.services.templates import sync_builtin_templates
from perfloop.settings import Settings, normalize_database_url
from perfloop.store import make_engine, make_sessionmaker, upgrade
from perfloop.store.identity import UserAccount
from perfloop.store.org import OrgUnit
from perfloop.templates import load_builtin_templates

ME = "{ me { user { email } } }"
PUBLISH = """
mutation($document: JSON!) { publishTemplate(document: $document) { errors { code path } } }"""


@dataclass(frozen=True)
class Kind:
    name: str
    body: bytes
    token: bool  # send the HR token
    status: int  # the HTTP status of the refusal
    code: str  # extensions.code (or a payload error's code); "" for the valid query


async def seed(settings: Settings) -> tuple[str, int]:
    """A tenant with an HR account and one org unit; the unit's id."""
    engine = make_engine(settings.database_url)
    await upgrade(engine)
    async with make_sessionmaker(engine)() as session:
        await sync_builtin_templates(session)
        tenant = await create_tenant(session, "bench", "Bench Co")
        unit = OrgUnit(tenant_id=tenant.id, kind="company", code="co", name="Co", path="")
        session.add(unit)
        await session.flush()
        unit.path = f"/{unit.id}/"
        account = UserAccount(tenant_id=tenant.id, email="hr@bench.test", display_name="HR")
        session.add(account)
        await session.flush()
        await assign_roles(session, tenant.id, account.id, [Role.HR])
        await session.commit()
        unit_id = unit.id
    await engine.dispose()
    return "hr@bench.test", unit_id


def body(query: str, variables: dict[str, Any] | None = None) -> bytes:
    return json.dumps({"query": query, "variables": variables or {}}, ensure_ascii=False).encode()


def large_template(size: int) -> dict[str, Any]:
    """A valid dataset template of about ``size`` bytes of JSON."""
    document = copy.deepcopy(dict(load_builtin_templates().resolve("sales-orders", 1) or {}))
    document["key"] = "bench-large"
    title = {"zh-CN": "字段" * 900, "en": "Field " + "x" * 1990}
    for i in range(size // 7_400 + 1):
        document["records"]["properties"][f"extra_{i}"] = {"type": "string", "x-title": title}
    return document


def kinds(settings: Settings, unit_id: int) -> list[Kind]:
    deep_query = "{ orgUnit(id: %d) { %s id %s } }" % (  # noqa: UP031 (braces are GraphQL's)
        unit_id,
        "parent { " * (settings.max_query_depth + 2),
        "}" * (settings.max_query_depth + 2),
    )
    aliases = " ".join(f"a{i}: me {{ roles }}" for i in range(settings.max_query_aliases + 1))
    depth = 100_000
    deep_json = b'{"query": "%s", "variables": {"x": %s1%s}}' % (
        ME.encode(),
        b"[" * depth,
        b"]" * depth,
    )
    return [
        Kind("valid small query", body(ME), True, 200, ""),
        Kind(
            "too-large body",
            body(ME, {"pad": "x" * settings.max_request_bytes}),
            False,
            413,
            "TOO_LARGE",
        ),
        Kind(
            "too-long document",
            body(ME + " " * settings.max_query_length),
            True,
            413,
            "TOO_LARGE",
        ),
        Kind("deep JSON", deep_json, True, 400, "BAD_REQUEST"),
        Kind(
            "NaN in variables",
            b'{"query": "%s", "variables": {"x": NaN}}' % ME.encode(),
            True,
            400,
            "BAD_REQUEST",
        ),
        Kind("bad token", body(ME), False, 200, "UNAUTHENTICATED"),
        Kind(
            "too many aliases",
            body("{ %s }" % aliases),  # noqa: UP031
            True,
            200,
            "GRAPHQL_VALIDATION_FAILED",
        ),
        Kind("too deep query", body(deep_query), True, 200, "GRAPHQL_VALIDATION_FAILED"),
        Kind(
            "oversized template",
            body(PUBLISH, {"document": large_template(settings.max_document_bytes + 50_000)}),
            True,
            200,
            "TOO_LARGE",
        ),
        Kind(
            "malformed cursor",
            body('{ employees(after: "WyJcdTAwMDAiLCAxXQ==") { totalCount } }'),
            True,
            200,
            "INVALID",
        ),
    ]


def refused_as(response: httpx.Response) -> tuple[int, str]:
    """The status and the first error's code (a payload error's for a mutation)."""
    payload = response.json()
    errors = payload.get("errors") or []
    if errors:
        return response.status_code, (errors[0].get("extensions") or {}).get("code", "")
    for value in (payload.get("data") or {}).values():
        if isinstance(value, dict) and value.get("errors"):
            return response.status_code, value["errors"][0]["code"]
    return response.status_code, ""


async def main(requests: int, url: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = normalize_database_url(url or f"sqlite:///{Path(tmp) / 'bench.db'}")
        settings = Settings(env="test", database_url=url)
        email, unit_id = await seed(settings)
        headers = {
            "content-type": "application/json",
            "Authorization": f"Bearer {issue_token(settings, 'bench', email)}",
        }
        anonymous = {"content-type": "application/json", "Authorization": "Bearer not.a.token"}
        app = create_app(settings)
        every = kinds(settings, unit_id)
        times: dict[str, list[float]] = {k.name: [] for k in every}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://b") as client:

            async def send(kind: Kind) -> httpx.Response:
                return await client.post(
                    "/graphql", content=kind.body, headers=headers if kind.token else anonymous
                )

            for kind in every:  # each is refused as it should be (and warms up)
                got, expected = refused_as(await send(kind)), (kind.status, kind.code)
                if got != expected:
                    raise SystemExit(f"{kind.name}: expected {expected}, got {got}")
            for _ in range(requests):
                for kind in every:
                    start = time.perf_counter()
                    await send(kind)
                    times[kind.name].append((time.perf_counter() - start) * 1000)
    backend = url.split(":", 1)[0]
    print(f"refusals, {requests} requests per kind, {backend}, in-process ASGI (httpx)")
    base = statistics.median(times["valid small query"])
    for kind in every:
        ms = times[kind.name]
        median = statistics.median(ms)
        size = f"{len(kind.body):>10,} B"
        print(
            f"  {kind.name:<20} {size}  p50 {median:7.2f} ms   p95 {pct(ms, 95):7.2f} ms"
            f"   x{median / base:5.2f} of the valid query"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument(
        "--database-url",
        default=None,
        help="default: a temporary SQLite file; a PostgreSQL database must be empty",
    )
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.database_url))
