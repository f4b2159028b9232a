"""Errors a client causes are answered, not logged; a bug is logged once."""

from __future__ import annotations

import logging

import pytest

from perfloop.services import templates as template_service
from support import GraphQLClient


async def test_a_client_error_writes_nothing_to_the_error_log(
    gql: GraphQLClient, caplog: pytest.LogCaptureFixture
) -> None:
    # given a query as long as the limit allows, with a syntax error at its end
    query = "{ me { user { email } } # " + "x" * (gql.settings.max_query_length - 40) + "\n {"
    # when it is sent, and so is a query naming a field that does not exist
    with caplog.at_level(logging.WARNING):
        syntax = await gql.raw(query, as_user="employee")
        unknown = await gql.raw("{ nope }", as_user="employee")
        forbidden = await gql.raw(
            "{ validateTemplate(document: {}) { valid } }", as_user="employee"
        )
    # then the client reads what is wrong, and the log holds nothing of it
    assert "Syntax Error" in syntax["errors"][0]["message"]
    assert "nope" in unknown["errors"][0]["message"]
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert caplog.records == []


async def test_a_bug_is_logged_once_with_its_traceback(
    gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # given a service that fails unexpectedly
    async def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(template_service, "get_template", boom)
    # when a client reaches it
    with caplog.at_level(logging.WARNING):
        body = await gql.raw('{ template(key: "x") { key } }', as_user="employee")
    # then the client sees INTERNAL and the log has one record, with the traceback
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL"
    [record] = caplog.records
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
    assert "a bug" in str(record.exc_info[1])
