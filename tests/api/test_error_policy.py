"""Every error a client sees during execution carries a code: typed ones keep theirs,
anything else (a null where the schema promises a value) is a masked INTERNAL."""

from __future__ import annotations

import logging

import pytest
from graphql import GraphQLError

from perfloop.api.core.errors import ErrorPolicy


def test_an_execution_error_without_a_code_is_a_masked_internal(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given the error graphql-core makes when a resolver returns null for a non-null field
    raw = GraphQLError("Cannot return null for non-nullable field Query.me.", path=["me"])
    with caplog.at_level(logging.ERROR, logger="perfloop.api"):
        answered = ErrorPolicy._process(raw)
    # then the client gets a code and no internals, and the log keeps what happened
    assert answered.extensions == {"code": "INTERNAL"}
    assert answered.message == "Unexpected error."
    assert answered.path == ["me"]
    assert "Cannot return null for non-nullable field Query.me." in caplog.text


def test_a_typed_execution_error_keeps_its_code_and_message() -> None:
    refused = GraphQLError("not allowed", path=["audit"], extensions={"code": "FORBIDDEN"})
    assert ErrorPolicy._process(refused) is refused
