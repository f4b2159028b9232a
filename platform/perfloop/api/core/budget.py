"""How many bytes of JSON documents one response may carry.

A stored document is at most ``PERFLOOP_MAX_DOCUMENT_BYTES`` (1 MB), but one
query can ask for it many times: thirty aliases of ``templates(first: 100)
{ edges { node { document } } }`` would be 3,000 documents. Depth, token and
alias limits bound the number of fields in a document, not the size of what
they return, so every value of the ``JSON`` scalar a response completes is
charged to a per-request budget (``PERFLOOP_MAX_RESPONSE_DOCUMENT_BYTES``,
20 MB). The value that passes it fails, every JSON value after it fails
without being measured, and the operation is answered with no data and one
error, ``TOO_LARGE``: the client asks for fewer documents per request.

The budget is a context variable set for the operation, since a scalar's
``serialize`` sees only the value; the ``JSON`` scalar keeps its name and
description, so the schema does not change.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextvars import ContextVar

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.scalars import JSON
from strawberry.schema.types.scalar import DEFAULT_SCALAR_REGISTRY
from strawberry.types.scalar import ScalarDefinition

from perfloop.services.core.documents import document_size

__all__ = ["BUDGETED_JSON", "DocumentBudget"]


class _Budget:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.left = limit

    @property
    def spent(self) -> bool:
        return self.left < 0

    def error(self) -> GraphQLError:
        return GraphQLError(
            f"this response would carry more than {self.limit:,} bytes of JSON documents "
            "(PERFLOOP_MAX_RESPONSE_DOCUMENT_BYTES); ask for fewer documents per request",
            extensions={"code": "TOO_LARGE"},
        )

    def charge(self, value: object) -> None:
        if not self.spent:
            self.left -= document_size(value)
        if self.spent:
            raise self.error()


_budget: ContextVar[_Budget | None] = ContextVar("perfloop_document_budget", default=None)


def _serialize(value: object) -> object:
    budget = _budget.get()
    if budget is not None:
        budget.charge(value)
    return value


_default = DEFAULT_SCALAR_REGISTRY[JSON]
assert isinstance(_default, ScalarDefinition)
#: Strawberry's JSON scalar, with every output value charged to the budget.
BUDGETED_JSON = dataclasses.replace(_default, serialize=_serialize)


class DocumentBudget(SchemaExtension):
    """Charge the operation's JSON output to a budget of ``max_bytes``; past it,
    answer with no data and one TOO_LARGE error."""

    def __init__(self, *, max_bytes: int) -> None:
        self.max_bytes = max_bytes

    def on_operation(self) -> Iterator[None]:
        budget = _Budget(self.max_bytes)
        _budget.set(budget)
        try:
            yield
        finally:
            _budget.set(None)
        result = self.execution_context.result
        if budget.spent and result is not None:
            result.data = None
            result.errors = [budget.error()]
