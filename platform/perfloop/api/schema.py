"""The GraphQL schema, assembled from each domain's queries and mutations."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Iterator
from functools import lru_cache
from typing import Any

import strawberry
from graphql import DocumentNode, GraphQLError, parse
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.scalars import JSON
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from perfloop.api.analytics.queries import AnalyticsQueries
from perfloop.api.appeals.mutations import AppealsMutations
from perfloop.api.appeals.queries import AppealsQueries
from perfloop.api.apps.mutations import AppsMutations
from perfloop.api.apps.queries import AppsQueries
from perfloop.api.audit.queries import AuditQueries
from perfloop.api.awards.mutations import AwardsMutations
from perfloop.api.awards.queries import AwardsQueries
from perfloop.api.core.budget import BUDGETED_JSON, DocumentBudget
from perfloop.api.core.errors import ErrorPolicy
from perfloop.api.core.executor import PlainDataExecutor
from perfloop.api.core.inputs import RefuseUnstorable
from perfloop.api.core.scalars import SCALAR_MAP
from perfloop.api.cycles.mutations import CyclesMutations
from perfloop.api.cycles.queries import CyclesQueries
from perfloop.api.datasets.mutations import DatasetsMutations
from perfloop.api.datasets.queries import DatasetsQueries
from perfloop.api.formulas.queries import FormulaQueries
from perfloop.api.goals.mutations import GoalsMutations
from perfloop.api.goals.queries import GoalsQueries
from perfloop.api.identity.mutations import IdentityMutations
from perfloop.api.identity.queries import IdentityQueries
from perfloop.api.improvement.mutations import ImprovementMutations
from perfloop.api.improvement.queries import ImprovementQueries
from perfloop.api.jobs.mutations import JobsMutations
from perfloop.api.jobs.queries import JobsQueries
from perfloop.api.jobs.subscriptions import JobsSubscriptions
from perfloop.api.org.mutations import OrgMutations
from perfloop.api.org.queries import OrgQueries
from perfloop.api.payouts.mutations import PayoutsMutations
from perfloop.api.payouts.queries import PayoutsQueries
from perfloop.api.plans.mutations import PlansMutations
from perfloop.api.plans.queries import PlansQueries
from perfloop.api.plans.reports import PlanReportQueries
from perfloop.api.plugins.queries import PluginQueries
from perfloop.api.results.mutations import ResultsMutations
from perfloop.api.results.queries import ResultsQueries
from perfloop.api.reviews.mutations import ReviewsMutations
from perfloop.api.reviews.queries import ReviewsQueries
from perfloop.api.templates.mutations import TemplateMutations
from perfloop.api.templates.queries import TemplateQueries
from perfloop.settings import Settings

log = logging.getLogger("perfloop.api")


# The order of the bases is the order of the fields in schema.graphql.
@strawberry.type
class Query(
    IdentityQueries,
    TemplateQueries,
    PluginQueries,
    FormulaQueries,
    OrgQueries,
    AppsQueries,
    CyclesQueries,
    DatasetsQueries,
    PlansQueries,
    GoalsQueries,
    PlanReportQueries,
    ReviewsQueries,
    ResultsQueries,
    AppealsQueries,
    AuditQueries,
    AwardsQueries,
    PayoutsQueries,
    ImprovementQueries,
    AnalyticsQueries,
    JobsQueries,
):
    pass


@strawberry.type
class Mutation(
    TemplateMutations,
    OrgMutations,
    IdentityMutations,
    AppsMutations,
    CyclesMutations,
    DatasetsMutations,
    PlansMutations,
    GoalsMutations,
    ReviewsMutations,
    ResultsMutations,
    AppealsMutations,
    AwardsMutations,
    PayoutsMutations,
    ImprovementMutations,
    JobsMutations,
):
    pass


@strawberry.type
class Subscription(JobsSubscriptions):
    pass


class Schema(strawberry.Schema):
    """Strawberry's schema, without its log line per error.

    Strawberry logs every error of every request at ERROR with a traceback, so
    a client's syntax error in a 1 MB document wrote 1 MB to the log. Errors a
    client caused (syntax, validation, limits, permissions, expected failures)
    are theirs to read in the response; a bug is logged once, with its
    traceback, by ``ErrorPolicy`` when it masks it as INTERNAL.
    """

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        log.debug("%d error(s) answered to the client", len(errors))


class CloseSession(SchemaExtension):
    """Close the request's database session when the operation ends."""

    async def on_operation(self) -> AsyncIterator[None]:
        try:
            yield
        finally:
            context = self.execution_context.context
            session = getattr(context, "session", None)
            if session is not None:
                await session.close()


#: Distinct query texts whose parsed document and validation result are kept (LRU).
DOCUMENT_CACHE_SIZE = 256
#: Only texts up to this length are cached, so the caches hold at most
#: DOCUMENT_CACHE_SIZE x this many characters (and their trees), whatever
#: clients send; a frontend's documents are far shorter. Longer ones (up to
#: max_query_length) are parsed and validated each time.
CACHED_DOCUMENT_LENGTH = 8_000


def _cacheable(query: str | None) -> bool:
    """Whether a query text is short enough for the parse and validation caches."""
    return query is not None and len(query) <= CACHED_DOCUMENT_LENGTH


@lru_cache(maxsize=DOCUMENT_CACHE_SIZE)
def _parse(query: str, options: tuple[tuple[str, Any], ...]) -> DocumentNode:
    return parse(query, **dict(options))


class ParsedDocuments(SchemaExtension):
    """Parse each distinct query text once (the token limit is part of the key).

    Unlike Strawberry's ParserCache, a text that does not parse is left to
    Strawberry's own parser, which reports the syntax or token-limit error as
    a GraphQL error; raised here, it would escape the operation unhandled.
    """

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query and _cacheable(context.query) and context.graphql_document is None:
            with contextlib.suppress(GraphQLError):
                options = tuple(sorted(context.parse_options.items()))
                context.graphql_document = _parse(context.query, options)
        yield


class CachedValidation(ValidationCache):
    """Strawberry's validation cache for the documents ``ParsedDocuments``
    caches; a longer document is validated each time, so its tree is not
    kept alive by the cache's key."""

    def on_validate(self) -> Iterator[None]:
        if _cacheable(self.execution_context.query):
            yield from super().on_validate()
        else:
            yield


def build_schema(settings: Settings) -> strawberry.Schema:
    # The limit rules are built once: a rule class made per request would make
    # every request a miss in the validation cache, whose key includes the rules.
    rules = [
        *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_query_aliases).validation_rules,
    ]
    if not settings.introspection:
        rules.extend(DisableIntrospection().validation_rules)
    extensions: list[Any] = [
        lambda: MaxTokensLimiter(max_token_count=settings.max_query_tokens),
        lambda: AddValidationRules(rules),
        # Frontends send the same few documents again and again: parse and validate
        # each once.
        ParsedDocuments,
        lambda: CachedValidation(maxsize=DOCUMENT_CACHE_SIZE),
        RefuseUnstorable,
        ErrorPolicy,
        # Inside ErrorPolicy: a response over its budget is answered by one error.
        lambda: DocumentBudget(max_bytes=settings.max_response_document_bytes),
        CloseSession,
    ]
    return Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        execution_context_class=PlainDataExecutor,
        scalar_overrides={JSON: BUDGETED_JSON},
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
    )


def print_schema() -> str:
    """The SDL committed as schema.graphql (limits do not change the SDL)."""
    return build_schema(Settings()).as_str() + "\n"
