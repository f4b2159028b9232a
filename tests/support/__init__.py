"""Helpers for tests: a GraphQL client with demo-user tokens, sample documents."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from perfloop.api.core.auth import issue_token
from perfloop.demo import DEMO_DOMAIN
from perfloop.settings import Settings
from perfloop.templates import load_builtin_templates
from support.statements import count_statements

__all__ = [
    "OTHER_HR",
    "GraphQLClient",
    "count_statements",
    "dataset_document",
    "every_node",
    "nodes",
]

OTHER_HR = "hr@acme.test"


@dataclass
class GraphQLClient:
    http: httpx.AsyncClient
    settings: Settings

    def token(self, email: str, tenant: str = "demo") -> str:
        if "@" not in email:
            email = f"{email}@{DEMO_DOMAIN}"
        return issue_token(self.settings, tenant, email)

    async def raw(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        as_user: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        all_headers = dict(headers or {})
        if as_user is not None:
            all_headers["Authorization"] = f"Bearer {self.token(as_user)}"
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=all_headers
        )
        body: dict[str, Any] = response.json()
        return body

    async def ok(
        self, query: str, variables: dict[str, Any] | None = None, *, as_user: str | None = None
    ) -> dict[str, Any]:
        body = await self.raw(query, variables, as_user=as_user)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data


def nodes(connection: Mapping[str, Any]) -> list[Any]:
    """The nodes of a Relay connection in a response, in order."""
    return [edge["node"] for edge in connection["edges"]]


async def every_node(
    ok: Callable[[dict[str, Any]], Awaitable[Mapping[str, Any]]],
    field: str,
    variables: Mapping[str, Any] | None = None,
) -> list[Any]:
    """Every node of the connection ``field``, page after page: ``ok`` runs a
    query taking ``$after`` and selecting ``pageInfo { hasNextPage endCursor }``."""
    found: list[Any] = []
    after = None
    while True:
        connection = (await ok({**(variables or {}), "after": after}))[field]
        found += nodes(connection)
        if not connection["pageInfo"]["hasNextPage"]:
            return found
        after = connection["pageInfo"]["endCursor"]


_counter = itertools.count()


def dataset_document(key: str | None = None, title: str = "访问记录") -> dict[str, Any]:
    """A small valid dataset template, with a key unique to the test run."""
    return {
        "kind": "dataset",
        "key": key or f"test-visits-{next(_counter)}",
        "version": 1,
        "title": {"zh-CN": title, "en": "Customer visits"},
        **_dataset_body(),
    }


def _dataset_body() -> dict[str, Any]:
    builtin = next(t for t in load_builtin_templates() if t.kind == "dataset")
    return {
        k: v for k, v in builtin.document.items() if k not in {"kind", "key", "version", "title"}
    }
