"""The GraphQL schema, assembled from each domain's queries and mutations."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import strawberry
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

from perfloop.api.core.errors import ErrorPolicy
from perfloop.api.cycles.mutations import CyclesMutations
from perfloop.api.cycles.queries import CyclesQueries
from perfloop.api.datasets.mutations import DatasetsMutations
from perfloop.api.datasets.queries import DatasetsQueries
from perfloop.api.formulas.queries import FormulaQueries
from perfloop.api.identity.queries import IdentityQueries
from perfloop.api.plans.mutations import PlansMutations
from perfloop.api.plans.queries import PlansQueries
from perfloop.api.templates.mutations import TemplateMutations
from perfloop.api.templates.queries import TemplateQueries
from perfloop.settings import Settings


@strawberry.type
class Query(
    IdentityQueries, TemplateQueries, FormulaQueries, CyclesQueries, DatasetsQueries, PlansQueries
):
    pass


@strawberry.type
class Mutation(TemplateMutations, CyclesMutations, DatasetsMutations, PlansMutations):
    pass


class CloseSession(SchemaExtension):
    """Close the request's database session when the operation ends."""

    async def on_operation(self) -> AsyncIterator[None]:
        yield
        context = self.execution_context.context
        session = getattr(context, "session", None)
        if session is not None:
            await session.close()


def build_schema(settings: Settings) -> strawberry.Schema:
    extensions: list[Any] = [
        lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),
        lambda: MaxTokensLimiter(max_token_count=settings.max_query_tokens),
        lambda: MaxAliasesLimiter(max_alias_count=settings.max_query_aliases),
        ErrorPolicy,
        CloseSession,
    ]
    if not settings.introspection:
        extensions.append(DisableIntrospection)
    return strawberry.Schema(query=Query, mutation=Mutation, extensions=extensions)


def print_schema() -> str:
    """The SDL committed as schema.graphql (limits do not change the SDL)."""
    return build_schema(Settings()).as_str() + "\n"
