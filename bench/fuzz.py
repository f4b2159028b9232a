"""A GraphQL fuzz run: operations generated from the committed schema.graphql
(hypothesis-graphql; valid ones and ones with one schema violation, some
arguments left out or sent as variables; tests/support/fuzz.py), sent with
a valid token of each role against the demo company, counted by outcome.

    .venv/bin/python bench/fuzz.py [--operations 1000] [--database-url URL] [--seed N]

The app runs in-process under httpx's ASGI transport. Without
``--database-url`` the run uses a fresh SQLite file; with a PostgreSQL URL it
**drops and recreates that database's ``public`` schema** (as the tests do),
so point it at a database meant for tests. Mutations are sent too, so the
demo data is changed by the run. The same ``--seed`` (default 0) sends the
same operations.

``FUZZ_TRACE=1`` prints each operation to stderr before it is sent (to find
one that does not return). Prints, per role: operations, outcomes (``ok``, a
top-level error code, or ``payload CODE`` for a mutation's expected failure),
INTERNAL and HTTP 5xx;
then up to ``--show`` broken answers (5xx, INTERNAL, an error without a code)
with their documents. Done-when for the API: 0 INTERNAL and 0 5xx.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

import httpx
from hypothesis import HealthCheck, Phase, given, seed, settings
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from perfloop.api.app import create_app
from perfloop.api.core.auth import issue_token
from perfloop.demo import DEMO_DOMAIN, load_demo
from perfloop.services.templates import sync_builtin_templates
from perfloop.settings import Settings, normalize_database_url
from perfloop.store import make_engine, make_sessionmaker, upgrade

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from support.fuzz import ROLE_USERS, Operation, Tally, any_operation, read_answer


async def prepare(engine: AsyncEngine) -> None:
    if engine.dialect.name == "postgresql":
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    await upgrade(engine)
    async with make_sessionmaker(engine)() as session:
        await sync_builtin_templates(session)
        await load_demo(session)


def run_role(
    role: str,
    count: int,
    client: httpx.AsyncClient,
    token: str,
    loop: asyncio.AbstractEventLoop,
    tally: Tally,
    chosen_seed: int,
) -> None:
    headers = {"Authorization": f"Bearer {token}"}

    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(any_operation())
    def one(operation: Operation) -> None:
        document, variables = operation
        if os.environ.get("FUZZ_TRACE"):
            print(role, document.replace("\n", " "), variables, file=sys.stderr, flush=True)
        body = {"query": document, "variables": variables}
        response = loop.run_until_complete(client.post("/graphql", json=body, headers=headers))
        shown = f"{document}\nvariables: {variables!r:.2000}" if variables else document
        tally.add(role, shown, read_answer(response.status_code, response.text))

    seed(chosen_seed)(one)()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--operations", type=int, default=1000, help="per role")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--seed", type=int, default=0, help="role n uses seed + n")
    parser.add_argument("--show", type=int, default=5, help="broken answers to print")
    args = parser.parse_args()

    loop = asyncio.new_event_loop()
    with tempfile.TemporaryDirectory() as tmp:
        url = normalize_database_url(args.database_url or f"sqlite:///{Path(tmp) / 'fuzz.db'}")
        settings_ = Settings(env="test", database_url=url)
        engine = make_engine(url)
        loop.run_until_complete(prepare(engine))
        app = create_app(settings_, engine=engine)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://f")
        tally = Tally()
        start = time.perf_counter()
        for n, (role, handle) in enumerate(ROLE_USERS.items()):
            token = issue_token(settings_, "demo", f"{handle}@{DEMO_DOMAIN}")
            run_role(role, args.operations, client, token, loop, tally, args.seed + n)
        elapsed = time.perf_counter() - start
        loop.run_until_complete(client.aclose())
        loop.run_until_complete(engine.dispose())
    loop.close()

    total = sum(tally.operations.values())
    print(f"{engine.dialect.name}: {total} operations in {elapsed:.0f} s")
    print(tally.report())
    internal = sum(tally.internal(r) for r in tally.operations)
    server = sum(tally.server_errors(r) for r in tally.operations)
    print(f"total: INTERNAL {internal}, HTTP 5xx {server}, broken {len(tally.broken)}")
    seen: set[tuple[str, ...]] = set()
    for role, document, answer in tally.broken:
        key = answer.messages[:1]
        if key in seen or len(seen) >= args.show:
            continue
        seen.add(key)
        print(f"\n--- {role}: {answer.outcome} {answer.messages}\n{document}")


if __name__ == "__main__":
    main()
